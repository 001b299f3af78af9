"""Real sound for the emulator: speech as a tone per character (PCM whose length follows the text) and
music as an MP3 of the model's length, both made fast.

Speech: 24 kHz mono s16 PCM, one 1/15 s tone per character (15 characters a second, about the pace of
speech), silence for spaces, pitch from the character; each tone is made once and reused.
Music: a short melody encoded once per process with LAME at 44.1 kHz stereo (Lyria's MP3: music page)
without the bit reservoir, so its frames stand alone and are repeated up to the wanted length; a file of
any length costs a bytes join.
"""
from __future__ import annotations

import functools
import math
import struct
from fractions import Fraction

RATE = 24_000
CHARS_PER_SECOND = 15
CHAR_SAMPLES = RATE // CHARS_PER_SECOND
MUSIC_RATE = 44_100
MP3_FRAME_SAMPLES = 1152
LOOP_FRAMES = 80  # 2.09 s of melody


@functools.lru_cache(maxsize=64)
def _tone(step: int) -> bytes:
    if step < 0:
        return b"\x00\x00" * CHAR_SAMPLES
    freq = 180.0 * 2 ** (step / 12)
    fade = CHAR_SAMPLES // 10
    samples = []
    for i in range(CHAR_SAMPLES):
        envelope = min(1.0, i / fade, (CHAR_SAMPLES - i) / fade)
        samples.append(int(9000 * envelope * math.sin(2 * math.pi * freq * i / RATE)))
    return struct.pack(f"<{CHAR_SAMPLES}h", *samples)


def speech_pcm(text: str) -> bytes:
    """PCM for ``text``: 1/15 s per character, at least a quarter second."""
    steps = [-1 if ch.isspace() else ord(ch.lower()) % 24 for ch in text] or [-1]
    while len(steps) * CHAR_SAMPLES < RATE // 4:
        steps.append(-1)
    return b"".join(_tone(step) for step in steps)


def seconds_of(pcm: bytes) -> float:
    return len(pcm) / (2 * RATE)


def wav(pcm: bytes, streamed: bool = False) -> bytes:
    """A RIFF header for the PCM (a stream's: length unknown, 0xFFFFFFFF) followed by it."""
    size = 0xFFFFFFFF if streamed else len(pcm)
    riff = 0xFFFFFFFF if streamed else 36 + len(pcm)
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", riff, b"WAVE", b"fmt ", 16, 1, 1, RATE, RATE * 2, 2, 16,
                       b"data", size) + pcm


@functools.lru_cache(maxsize=1)
def _mp3_loop() -> list[bytes]:
    """The MP3 frames of one pass of the melody (stand-alone frames: no bit reservoir)."""
    import av

    notes = [262, 330, 392, 523, 392, 330, 294, 349]
    total = LOOP_FRAMES * MP3_FRAME_SAMPLES * 2  # two passes: the second is free of the encoder's start-up
    per_note = total // (2 * len(notes))
    left = []
    for i in range(total):
        freq = notes[(i // per_note) % len(notes)]
        left.append(int(7000 * math.sin(2 * math.pi * freq * i / MUSIC_RATE)))
    right = [int(v * 0.8) for v in left]
    codec = av.CodecContext.create("libmp3lame", "w")
    codec.sample_rate = MUSIC_RATE
    codec.layout = "stereo"
    codec.format = "s16p"
    codec.bit_rate = 96_000
    codec.time_base = Fraction(1, MUSIC_RATE)
    codec.options = {"reservoir": "0"}
    frame = av.AudioFrame(format="s16p", layout="stereo", samples=total)
    frame.planes[0].update(struct.pack(f"<{total}h", *left))
    frame.planes[1].update(struct.pack(f"<{total}h", *right))
    frame.sample_rate = MUSIC_RATE
    frame.pts = 0
    packets = [bytes(p) for p in codec.encode(frame)] + [bytes(p) for p in codec.encode(None)]
    return packets[len(packets) - LOOP_FRAMES - 2:-2]


def song_mp3(seconds: float) -> bytes:
    """An MP3 (44.1 kHz stereo) of ``seconds``, in whole MP3 frames."""
    frames = _mp3_loop()
    count = max(1, round(seconds * MUSIC_RATE / MP3_FRAME_SAMPLES))
    whole, rest = divmod(count, len(frames))
    return b"".join(frames) * whole + b"".join(frames[:rest])
