"""The built-in Gemini/Veo emulator: a real aiohttp server speaking Google's wire formats,
as strict as Google in late 2026.

Gemini API (generateContent, streamGenerateContent, countTokens, predictLongRunning, operations,
files, ListModels/GetModel), Vertex AI (Gemini generateContent and Veo predictLongRunning /
fetchPredictOperation, publisher model GET), Code Assist (v1internal) and an OAuth token endpoint,
with fault injection by ``[emulate:NAME]`` prompt markers (see :mod:`proxy.emulator.faults`).
Which ids exist: a catalog per snapshot of Google (:mod:`proxy.emulator.models`, catalogs/*.yaml); discovery endpoints and the emulator's conventions
for refusals (Vertex API disabled, Code Assist without a licence): :mod:`proxy.emulator.discovery`.
"""

from .app import RunningEmulator, create_emulator_app, run_emulator, start_emulator
from .faults import KNOWN_FAULTS, Faults
from .models import Catalog, ModelInfo, load_catalog
from .settings import EmulatorSettings
from .state import EMULATOR_STATE, EmulatorState, Operation, RecordedRequest, VideoFile

__all__ = [
    "EMULATOR_STATE",
    "KNOWN_FAULTS",
    "Catalog",
    "ModelInfo",
    "load_catalog",
    "EmulatorSettings",
    "EmulatorState",
    "Faults",
    "Operation",
    "RecordedRequest",
    "RunningEmulator",
    "VideoFile",
    "create_emulator_app",
    "run_emulator",
    "start_emulator",
]
