"""The decision log: every ruling made with --log, hash-chained and signed, replayable."""
