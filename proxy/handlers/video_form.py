"""The multipart form of POST /v1/videos, read as a stream with a limit per field and for the whole body.

Nothing is read whole: each part is read in chunks and refused with a 413 as soon as it passes its
limit, and the body as soon as it passes ``max_body_bytes`` (a body that announces a larger
Content-Length is refused before any of it is read). The ``input_reference`` file is spooled to a
temporary file past 1 MB, and becomes a data URI only once the whole form has been read and accepted.

The limits are Google's where Google has one:

- ``prompt`` / ``negative_prompt``: Veo takes at most 1,024 tokens of text ("Text input: 1,024
  tokens", https://ai.google.dev/gemini-api/docs/video, model versions). Only Google's tokenizer
  counts tokens, so genproxy bounds the bytes: 32 KiB, 32 bytes a token, more than any 1,024-token
  text needs; Google judges the tokens.
- ``input_reference``: 20 MB ("Maximum image size (image-to-video): 20 MB",
  https://cloud.google.com/vertex-ai/generative-ai/docs/models/veo/2-0-generate-001; the Gemini API's
  Veo page: "Image input: ... up to 20MB file size"). An image sent as a data URI in a text field
  (``last_frame``, ``reference_images``) may be the base64 of such a file.
"""
from __future__ import annotations

import base64
import tempfile
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from proxy.http.errors import ApiError, invalid

MAX_PROMPT_BYTES = 32 * 1024
MAX_REFERENCE_BYTES = 20 * 1024 * 1024
MAX_DATA_URI_BYTES = (MAX_REFERENCE_BYTES + 2) // 3 * 4 + 256  # base64 of 20 MB, plus the data: header
MAX_FIELD_BYTES = 4 * 1024  # model, seconds, size, seed, ...: short values
MAX_PARTS = 32
FIELD_LIMITS = {"prompt": MAX_PROMPT_BYTES, "negative_prompt": MAX_PROMPT_BYTES, "input_reference": MAX_DATA_URI_BYTES,
                "last_frame": MAX_DATA_URI_BYTES, "reference_images": MAX_DATA_URI_BYTES}
#: fields that may come more than once (each a value of a list)
REPEATED = ("reference_images",)
CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024


def _human(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size // 1024} KiB"


def too_large(message: str, param: str | None = None) -> ApiError:
    error = ApiError(413, message, param=param, code="request_too_large")
    error.headers["Connection"] = "close"  # the rest of the body is not read
    return error


@dataclass
class _Form:
    max_body: int
    request: web.Request
    fields: dict = field(default_factory=dict)

    def check_body(self) -> None:
        if self.request.content.total_bytes > self.max_body:
            raise too_large(f"The request body is over max_body_bytes ({self.max_body} bytes).")

    async def read_text(self, part: BodyPartReader, name: str) -> str:
        limit = FIELD_LIMITS.get(name, MAX_FIELD_BYTES)
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK):
            if len(data) + len(chunk) > limit:
                raise too_large(f"The form field '{name}' is over its limit of {_human(limit)}.", name)
            data += chunk
            self.check_body()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise invalid(f"The form field '{name}' is not UTF-8 text.", name) from None

    async def read_file(self, part: BodyPartReader, name: str, spool, limit: int = MAX_REFERENCE_BYTES) -> None:
        size = 0
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > limit:
                raise too_large(f"{name} is over {_human(limit)} (Google's limit for an input {name}).", name)
            spool.write(chunk)
            self.check_body()


def _data_uri(spool, mime: str) -> str:
    spool.seek(0)
    return f"data:{mime};base64,{base64.b64encode(spool.read()).decode()}"


#: The file parts of POST /v1/videos: name -> (the media type when the part names none, the size limit).
REFERENCE_FILE = {"input_reference": ("image/png", MAX_REFERENCE_BYTES)}


async def read_video_form(request: web.Request, max_body: int,
                          files_accepted: dict[str, tuple[str, int]] = REFERENCE_FILE) -> dict:
    """The form's fields (each accepted file part as a data URI), or a 413/400 as soon as a limit is passed."""
    if request.content_length is not None and request.content_length > max_body:
        raise too_large(f"The request body is {request.content_length} bytes, over max_body_bytes ({max_body}).")
    form = _Form(max_body, request)
    try:
        reader = await request.multipart()
    except (ValueError, AssertionError) as exc:
        raise invalid(f"The multipart body cannot be read ({exc}).", code="invalid_multipart") from None
    files: dict[str, tuple] = {}  # name -> (spool, mime)
    try:
        parts = 0
        async for part in reader:
            parts += 1
            if parts > MAX_PARTS:
                raise too_large(f"The form has more than {MAX_PARTS} fields.")
            if not isinstance(part, BodyPartReader):
                raise invalid("Nested multipart bodies are not accepted.", code="invalid_multipart")
            name = part.name
            if not name:
                raise invalid("Every form field needs a name (Content-Disposition: form-data; name=...).",
                              code="invalid_multipart")
            if name in files_accepted and part.filename is not None:
                if name in files:
                    raise invalid(f"Send one {name} file.", name)
                default_mime, limit = files_accepted[name]
                mime = part.headers.get("Content-Type", default_mime).split(";")[0].strip() or default_mime
                files[name] = (tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY), mime)
                await form.read_file(part, name, files[name][0], limit)
                continue
            value = await form.read_text(part, name)
            if name in REPEATED:
                form.fields.setdefault(name, []).append(value)
            else:
                form.fields[name] = value
            form.check_body()
        # The whole form is in and within its limits: only now the image becomes a data URI.
        for name, (spool, mime) in files.items():
            form.fields[name] = _data_uri(spool, mime)
    finally:
        for spool, _ in files.values():
            spool.close()
    return form.fields
