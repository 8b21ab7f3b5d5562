"""Reading a run folder: settings, timeline, request rows, the edge log, attack logs."""
