"""One module per Google backend: URL building, auth headers, error mapping."""
