"""The only layer that touches sockets: the viewer protocol, the pooled origin client (a `Fetcher`) and the admin API."""
