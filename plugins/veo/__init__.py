"""Veo specifics of the video plugin: model limits, request translation, operation results."""
