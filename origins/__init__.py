"""Fake origins for the harness: deterministic content, a fault catalogue, a control API.

Run one with ``python -m origins --id primary --listen :0 --control :0``; drive it with
:class:`origins.client.OriginControl`. This package init imports nothing, so importing
``origins.client`` does not pull in gevent.
"""
