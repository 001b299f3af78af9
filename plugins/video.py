"""The built-in 'video' modality plugin."""
from proxy.hookspecs import hookimpl

MODALITY = "video"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]
