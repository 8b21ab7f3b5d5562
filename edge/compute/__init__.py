"""Edge code in the request path: CloudFront Functions (QuickJS) and their event shapes."""
