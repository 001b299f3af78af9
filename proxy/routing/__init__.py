"""From a model name to a plugin: routes.yaml, the plugin manager and the request pipeline."""
