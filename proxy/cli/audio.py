"""`genproxy speak` and `genproxy music`: speech and songs from a running genproxy.

speak: POST /v1/audio/speech, the audio written to the file as it arrives. music: a streamed chat
completion on a Lyria model, its progress chunks (the ``genproxy`` field) drawn as a progress bar, then the
song saved; Ctrl-C only stops the waiting (the song is a job: GET /v1/audio/songs/{id}/content fetches it).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
from pathlib import Path
from typing import TextIO

DEFAULT_SPEECH_MODEL = "gemini-3.8-flash-tts"
DEFAULT_MUSIC_MODEL = "lyria-3-clip-preview"
FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


def add_parsers(sub, connection_args) -> None:
    speak = sub.add_parser("speak", help="text to speech with a running genproxy (Gemini TTS)",
                           description="Speak a text with a Gemini TTS model through a running genproxy and save "
                                       "the audio as it arrives.")
    speak.add_argument("text", help="what to say (up to 4,096 characters; '-' reads standard input)")
    speak.add_argument("-o", "--output", type=Path, default=None, help="file to write (default speech.<format>)")
    speak.add_argument("--model", default=DEFAULT_SPEECH_MODEL, help=f"default {DEFAULT_SPEECH_MODEL}")
    speak.add_argument("--voice", default="alloy", help="an OpenAI or Gemini voice name (default alloy)")
    speak.add_argument("--format", choices=FORMATS, default="mp3")
    speak.add_argument("--instructions", default=None, help="the style: 'warm and slow'")
    speak.add_argument("--speed", type=float, default=1.0, help="0.25-4.0")
    connection_args(speak)
    music = sub.add_parser("music", help="make music with Lyria through a running genproxy",
                           description="Make a clip or a song with a Lyria model through a running genproxy, "
                                       "with a progress bar, and save it.")
    music.add_argument("prompt", help="what the music should be")
    music.add_argument("-o", "--output", type=Path, default=None, help="file to write (default <job id>.mp3)")
    music.add_argument("--model", default=DEFAULT_MUSIC_MODEL, help=f"default {DEFAULT_MUSIC_MODEL}")
    music.add_argument("--duration", type=int, default=None, help="seconds (songs only; a clip is always 30)")
    music.add_argument("--instrumental", action="store_true", help="no vocals")
    music.add_argument("--wav", action="store_true", help="WAV instead of MP3 (lyria-3.5)")
    connection_args(music)


def speak(args: argparse.Namespace, client, stdout: TextIO, stderr: TextIO) -> int:
    import sys

    text = sys.stdin.read() if args.text == "-" else args.text
    output = args.output or Path(f"speech.{args.format}")
    body = {"model": args.model, "input": text, "voice": args.voice, "response_format": args.format,
            "speed": args.speed, **({"instructions": args.instructions} if args.instructions else {})}
    partial = output.with_name(output.name + ".part")
    try:
        with client._request("POST", "/v1/audio/speech", body) as response, open(partial, "wb") as file:
            shutil.copyfileobj(response, file, 16 * 1024)
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    print(f"{output} ({output.stat().st_size} bytes)", file=stdout)
    return 0


def music(args: argparse.Namespace, client, stdout: TextIO, stderr: TextIO, *, progress_bar, error) -> int:
    """``progress_bar`` and ``error``: proxy.cli.client's Progress and ClientError (passed in: that module
    imports this one)."""
    config = {k: v for k, v in (("duration_seconds", args.duration), ("instrumental", args.instrumental or None))
              if v is not None}
    body = {"model": args.model, "modalities": ["audio", "text"], "stream": True,
            "messages": [{"role": "user", "content": args.prompt}],
            **({"music_config": config} if config else {}), **({"audio": {"format": "wav"}} if args.wav else {})}
    progress, job_id, message = None, None, None
    with client._request("POST", "/v1/chat/completions", body) as response:
        for raw in response:
            line = raw.decode().strip()
            if not line.startswith("data: {"):
                continue
            event = json.loads(line[6:])
            if "error" in event:
                raise error(event["error"].get("message", "the song failed"))
            facts = event.get("genproxy") or {}
            if facts.get("job_id"):
                job_id = facts["job_id"]
                progress = progress or progress_bar(stderr, job_id)
                progress.show(facts.get("status") or "queued", facts.get("progress") or 0)
            for choice in event.get("choices") or []:
                if (choice.get("delta") or {}).get("audio"):
                    message = choice["delta"]
    if progress is not None:
        progress.show("completed", 100)
        progress.end()
    if message is None:
        raise error("the answer had no audio")
    audio = message["audio"]
    extension = "wav" if audio.get("mime_type") == "audio/wav" else "mp3"
    output = args.output or Path(f"{job_id or 'song'}.{extension}")
    output.write_bytes(base64.b64decode(audio["data"]))
    if message.get("content"):
        print(message["content"], file=stdout)
    print(f"{output} ({output.stat().st_size} bytes)", file=stdout)
    return 0
