"""The built-in Gemini/Veo emulator: a real aiohttp server speaking Google's wire formats.

Gemini API (generateContent, streamGenerateContent, predictLongRunning, operations, files),
Vertex AI Veo (predictLongRunning, fetchPredictOperation), Code Assist (v1internal) and an
OAuth token endpoint, with fault injection by ``[emulate:NAME]`` prompt markers (see
:mod:`proxy.emulator.faults` and README.md in this folder).
"""

from .app import RunningEmulator, create_emulator_app, run_emulator, start_emulator
from .faults import KNOWN_FAULTS, Faults
from .settings import EmulatorSettings
from .state import EMULATOR_STATE, EmulatorState, Operation, RecordedRequest, VideoFile

__all__ = [
    "EMULATOR_STATE",
    "KNOWN_FAULTS",
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
