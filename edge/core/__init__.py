"""Sans-IO decisions of one request: matching, cache keys, TTLs, staleness, failover, forwarding, the viewer HTTP codec. Every function takes `now`; nothing here imports aiohttp."""
