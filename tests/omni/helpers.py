"""What the Omni tests share: the models they name, a second client key, the Interactions calls Google saw."""
from __future__ import annotations

OMNI = "gemini-omni-1.2-flash"
VEO = "veo-3.1-generate-preview"
OTHER_KEY = "test-client-key-0002"


def interactions(emulator, method: str = "POST", suffix: str = "/interactions") -> list:
    """The emulator's recorded Interactions requests (POST .../interactions by default; ``suffix="/cancel"``)."""
    return [r for r in emulator.state.requests if r.method == method and r.path.endswith(suffix)]
