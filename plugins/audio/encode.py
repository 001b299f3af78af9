"""Google's speech (16-bit PCM) encoded into the format a client asked for, piece by piece, with PyAV.

Gemini TTS answers raw signed 16-bit little-endian mono PCM (``audio/L16;codec=pcm;rate=24000``) or, on
the 3.8 models, a WAV file of it (research note /work/research/audio.md section 1.3). OpenAI's formats
(openai-python ``speech_create_params.response_format``): mp3, opus, aac, flac, wav, pcm; ``pcm`` is "raw
24 kHz, 16-bit signed, little-endian, mono" (openai ``helpers/local_audio_player.py``: SAMPLE_RATE 24000,
1 channel, int16). Each encoder takes PCM as it arrives and gives back what the container has so far, so
the first bytes reach the client while Google still speaks: MP3 frames, Ogg pages, ADTS frames and FLAC
frames can be played as they come; a streamed WAV says "unknown length" (0xFFFFFFFF) as OpenAI's does.
``speed`` (0.25-4.0, OpenAI's range) is applied with FFmpeg's atempo filter (pitch kept): Gemini has no
speed parameter.
"""
from __future__ import annotations

import struct
from fractions import Fraction
from typing import Any

import av
import av.filter

OPENAI_RATE = 24_000  # openai helpers/local_audio_player.py SAMPLE_RATE

# response_format -> (Content-Type, PyAV container, codec). Content types: mp3 and aac as OpenAI's server
# answers (openai/openai-openapi #141); the rest as litellm's FILE_MIME_TYPES (3P).
FORMATS: dict[str, tuple[str, str | None, str | None]] = {
    "mp3": ("audio/mpeg", "mp3", "libmp3lame"),
    "opus": ("audio/opus", "ogg", "libopus"),
    "aac": ("audio/aac", "adts", "aac"),
    "flac": ("audio/flac", "flac", "flac"),
    "wav": ("audio/wav", None, None),
    "pcm": ("audio/pcm", None, None),
}
# Chat completions name raw PCM "pcm16" (openai ChatCompletionAudioParam.format).
CHAT_FORMATS = {"wav": "wav", "mp3": "mp3", "flac": "flac", "opus": "opus", "aac": "aac", "pcm16": "pcm"}


def content_type(fmt: str) -> str:
    return FORMATS[fmt][0]


def wav_header(data_bytes: int | None, rate: int = OPENAI_RATE) -> bytes:
    """A 44-byte RIFF header for mono s16 PCM; ``None``: length unknown (a stream), 0xFFFFFFFF as OpenAI."""
    riff = 0xFFFFFFFF if data_bytes is None else 36 + data_bytes
    data = 0xFFFFFFFF if data_bytes is None else data_bytes
    return struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", riff, b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16,
                       b"data", data)


def rate_of(mime_type: str) -> int | None:
    """``audio/L16;codec=pcm;rate=24000`` -> 24000 (never assumed: the note says read it)."""
    for part in mime_type.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "rate" and value.isdigit():
            return int(value)
    return None


class WavStripper:
    """Takes the bytes of Google's inline chunks in order and yields bare PCM: a leading RIFF header (3.8
    models answer audio/wav) is read for its rate and dropped; an odd trailing byte (a chunk may split a
    sample) is kept for the next chunk."""

    def __init__(self, rate: int = OPENAI_RATE):
        self.rate = rate
        self._head = b""
        self._started = False
        self._carry = b""

    def feed(self, data: bytes) -> bytes:
        if not self._started:
            self._head += data
            if len(self._head) < 12:
                return b""
            if self._head[:4] != b"RIFF":
                self._started, data = True, self._head
            else:
                found = _wav_data_offset(self._head)
                if found is None:
                    return b""
                offset, rate = found
                self.rate = rate or self.rate
                self._started, data = True, self._head[offset:]
            self._head = b""
        data = self._carry + data
        if len(data) % 2:
            self._carry, data = data[-1:], data[:-1]
        else:
            self._carry = b""
        return data


def _wav_data_offset(head: bytes) -> tuple[int, int | None] | None:
    """Where the samples of a RIFF/WAVE file start (after the 'data' chunk header) and its rate, or None
    while the header has not arrived whole."""
    pos, rate = 12, None
    while pos + 8 <= len(head):
        chunk, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if chunk == b"fmt " and pos + 16 <= len(head):
            rate = struct.unpack("<I", head[pos + 12:pos + 16])[0]
        if chunk == b"data":
            return pos + 8, rate
        pos += 8 + size + (size & 1)
    return None


class _Sink:
    """A write-only file for PyAV's muxer: what it wrote since the last take()."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


class AudioEncoder:
    """Mono s16 PCM at ``rate`` in, ``fmt`` out. ``feed`` returns what can be sent now, ``finish`` the rest.
    ``length`` (bytes of PCM at 24 kHz after speed) makes a WAV header exact (a whole answer); without it a
    WAV says its length is unknown (a stream)."""

    def __init__(self, fmt: str, rate: int = OPENAI_RATE, speed: float = 1.0):
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt}")
        self.fmt = fmt
        self.rate = rate
        self.speed = speed
        self._graph = self._tempo_graph(rate, speed) if speed != 1.0 or rate != OPENAI_RATE else None
        self._pts = 0
        self._carry = b""
        self._header_sent = False
        _mime, container, codec = FORMATS[fmt]
        self._sink = _Sink()
        self._output: Any = None
        self._stream: Any = None
        if container is not None and codec is not None:
            self._output = av.open(self._sink, mode="w", format=container)
            self._stream = self._output.add_stream(codec, rate=OPENAI_RATE, layout="mono")
            if fmt == "mp3":
                self._stream.bit_rate = 64_000

    @staticmethod
    def _tempo_graph(rate: int, speed: float):
        graph = av.filter.Graph()
        source = graph.add_abuffer(format="s16", sample_rate=rate, layout="mono", time_base=Fraction(1, rate))
        last = source
        left = speed
        # atempo takes 0.5-100 per filter (FFmpeg docs): chain it for slower speeds.
        while left < 0.5:
            node = graph.add("atempo", "0.5")
            last.link_to(node)
            last, left = node, left / 0.5
        if left != 1.0:
            node = graph.add("atempo", f"{left:.6f}")
            last.link_to(node)
            last = node
        if rate != OPENAI_RATE:
            node = graph.add("aresample", str(OPENAI_RATE))
            last.link_to(node)
            last = node
        fmt = graph.add("aformat", f"sample_fmts=s16:sample_rates={OPENAI_RATE}:channel_layouts=mono")
        last.link_to(fmt)
        sink = graph.add("abuffersink")
        fmt.link_to(sink)
        graph.configure()
        return graph

    def _frames(self, pcm: bytes | None):
        """PCM through the tempo graph (or as it is) as s16 mono frames at 24 kHz; None flushes the graph."""
        if self._graph is None:
            if pcm:
                yield self._frame(pcm, OPENAI_RATE)
            return
        if pcm is None:
            self._graph.push(None)
        elif pcm:
            self._graph.push(self._frame(pcm, self.rate))
        else:
            return
        while True:
            try:
                frame = self._graph.pull()
            except (av.BlockingIOError, av.EOFError):
                return
            yield frame

    def _frame(self, pcm: bytes, rate: int) -> av.AudioFrame:
        frame = av.AudioFrame(format="s16", layout="mono", samples=len(pcm) // 2)
        frame.planes[0].update(pcm)
        frame.sample_rate = rate
        frame.time_base = Fraction(1, rate)
        frame.pts = self._pts
        self._pts += len(pcm) // 2
        return frame

    def _encode(self, frames) -> bytes:
        raw = b"".join(bytes(f.planes[0])[: f.samples * 2] for f in frames) if self._output is None else None
        if raw is not None:
            if self.fmt == "wav" and not self._header_sent:
                self._header_sent = True
                return wav_header(None) + raw
            return raw
        for frame in frames:
            frame.pts = None  # the encoder counts samples itself
            for packet in self._stream.encode(frame):
                self._output.mux(packet)
        return self._sink.take()

    def feed(self, pcm: bytes) -> bytes:
        pcm = self._carry + pcm
        cut = len(pcm) - len(pcm) % 2  # half a sample waits for the next piece
        pcm, self._carry = pcm[:cut], pcm[cut:]
        return self._encode(list(self._frames(pcm)))

    def finish(self) -> bytes:
        out = self._encode(list(self._frames(None))) if self._graph is not None else b""
        if self._output is not None:
            for packet in self._stream.encode(None):
                self._output.mux(packet)
            self._output.close()
            out += self._sink.take()
        elif self.fmt == "wav" and not self._header_sent:
            self._header_sent = True
            out = wav_header(None) + out
        return out


def encode_whole(fmt: str, pcm: bytes, rate: int = OPENAI_RATE, speed: float = 1.0) -> bytes:
    """A whole answer in ``fmt`` (a WAV with its exact length)."""
    encoder = AudioEncoder(fmt, rate, speed)
    data = encoder.feed(pcm) + encoder.finish()
    if fmt == "wav":
        return wav_header(len(data) - 44) + data[44:]
    return data
