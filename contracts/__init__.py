"""The seams between the harness's packages, each written once.

Stdlib only: importing a contract never drags in gevent, aiohttp, pandas or Locust, so
every package (and every test) can import it. Both sides of a seam import the same name.

| module | the seam |
| --- | --- |
| ``address`` | ``HOST:PORT`` as every command line takes it |
| ``ready`` | the ready file a server writes when it listens |
| ``requests_csv`` | the columns of ``requests.csv`` and the ``X-Cache`` result words |
| ``events`` | the kinds of ``events.jsonl`` lines, each with its params |
| ``defaults`` | defaults two packages must agree on |
| ``errors`` | the root of every user-error tree, and the exit codes |
| ``cli`` | the one-line-error argument parser and the ``main`` wrapper of every command |
"""
