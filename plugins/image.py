"""The built-in 'image' modality plugin."""
from proxy.hookspecs import hookimpl

MODALITY = "image"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]
