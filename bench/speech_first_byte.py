"""The speech path's first-byte time, as a ratio against the emulator's own (same run, same machine).

For each round: the time from sending a request to its first byte of audio, (a) straight from the
emulator's streamGenerateContent (the first SSE event: the baseline, what Google's own stream costs
here) and (b) through genproxy's POST /v1/audio/speech with stream_format audio, pcm and mp3 (genproxy
reads the same stream, encodes the first chunk and sends it). Reported: the medians and genproxy's
ratio to the baseline. Both servers run in this process on real sockets (one event loop), so the
ratio includes genproxy's whole request path but not a process hop of its own.

    .venv/bin/python bench/speech_first_byte.py [--rounds 40] [--chars 600]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from proxy.app import create_app
from proxy.config import load_settings
from proxy.emulator import start_emulator

KEY = "bench-upstream-key"
MODEL = "gemini-3.8-flash-tts"


async def first_byte(session: aiohttp.ClientSession, url: str, body: dict, headers: dict) -> float:
    started = time.perf_counter()
    async with session.post(url, json=body, headers=headers) as response:
        assert response.status == 200, await response.text()
        await response.content.readany()
        taken = time.perf_counter() - started
        await response.read()
    return taken


async def main(rounds: int, chars: int) -> None:
    text = ("The quick brown fox jumps over the lazy dog. " * 50)[:chars]
    emulator = await start_emulator()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(None, environ={}, api_keys=["bench"], gemini_api_keys=[KEY],
                                 gemini_base_url=emulator.base_url, data_dir=Path(tmp),
                                 discovery_at_startup=False)
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        proxy = f"http://127.0.0.1:{port}"
        google_body = {"contents": [{"role": "user", "parts": [{"text": text}]}],
                       "generationConfig": {"responseModalities": ["AUDIO"], "speechConfig": {
                           "voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}}}}
        direct_url = f"{emulator.base_url}/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"
        times: dict[str, list[float]] = {"emulator": [], "genproxy pcm": [], "genproxy mp3": []}
        async with aiohttp.ClientSession() as session:
            for index in range(rounds + 3):
                direct = await first_byte(session, direct_url, google_body, {"x-goog-api-key": KEY})
                pcm = await first_byte(session, f"{proxy}/v1/audio/speech", {
                    "model": MODEL, "input": text, "voice": "alloy", "response_format": "pcm"},
                    {"Authorization": "Bearer bench"})
                mp3 = await first_byte(session, f"{proxy}/v1/audio/speech", {
                    "model": MODEL, "input": text, "voice": "alloy", "response_format": "mp3"},
                    {"Authorization": "Bearer bench"})
                if index >= 3:  # warm-up rounds are not counted
                    times["emulator"].append(direct)
                    times["genproxy pcm"].append(pcm)
                    times["genproxy mp3"].append(mp3)
        await runner.cleanup()
    await emulator.close()
    base = statistics.median(times["emulator"])
    print(f"speech first byte, {chars} characters, {rounds} rounds (medians)")
    print("| path | first byte (ms) | ratio to the emulator |")
    print("|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / base:.2f}x |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--chars", type=int, default=600)
    options = parser.parse_args()
    asyncio.run(main(options.rounds, options.chars))
