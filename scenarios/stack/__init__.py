"""The processes of a local stack: start, wait until ready, signal, stop; blackholes; control calls."""
