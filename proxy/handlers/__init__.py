"""HTTP handlers: parse, dispatch to the pipeline, write the answer."""
