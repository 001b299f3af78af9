"""The built-in 'text' modality plugin."""
from proxy.hookspecs import hookimpl

MODALITY = "text"


@hookimpl
def genproxy_modalities() -> list[str]:
    return [MODALITY]
