"""The HTTP edge: the server, middleware, errors, request bodies and models, SSE and replies."""
