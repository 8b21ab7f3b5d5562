"""One emulated POP: the request pipeline, the miss path (fill), the regional tier, stats and the access log."""
