"""The fast load path: streaming parse, compiled validation, staged writes, worker processes."""
