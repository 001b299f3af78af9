"""Running genproxy: background tasks, worker processes, metrics, log batching and redaction."""
