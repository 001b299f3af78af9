"""`genproxy video|image|jobs|usage`: a command-line client of a running genproxy.

Video goes through the Videos API (POST /v1/videos, then GET /v1/videos/{id} as the server's
``openai-poll-after-ms`` asks, then GET /v1/videos/{id}/content), so Ctrl-C only stops the
waiting: the job goes on in the proxy and `genproxy jobs get <id> -o file.mp4` fetches it later.
Images go through POST /v1/chat/completions (modalities + image_config).

Plain standard library (urllib): a client needs no event loop, and Ctrl-C interrupts a sleep or
a read at once.
"""
from __future__ import annotations

import argparse
import base64
import functools
import json
import mimetypes
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from proxy.cli import audio as audio_cli
from proxy.cli import usage as usage_cli
from proxy.media.mp4info import mp4_info

DEFAULT_BASE_URL = "http://127.0.0.1:8317"
DEFAULT_API_KEY = "ccs-internal-managed"
DEFAULT_VIDEO_MODEL = "veo-3.1-generate-preview"
DEFAULT_IMAGE_MODEL = "gemini-3-pro-image-preview"
DEFAULT_POLL_MS = 2000
UNFINISHED = ("queued", "in_progress")
COMMANDS = ("video", "image", "jobs", "usage", "speak", "music")


class ClientError(Exception):
    """An error to print as one line and exit 1."""


# ------------------------------------------------------------------ parsers

def _connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", default=None,
                        help=f"genproxy's address (env GENPROXY_BASE_URL, default {DEFAULT_BASE_URL})")
    parser.add_argument("--api-key", default=None, help="genproxy client key (env GENPROXY_API_KEY)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds to wait for the job before giving up waiting (it goes on; default 600)")


def add_parsers(sub) -> None:
    """Add the client commands to `genproxy`'s sub-parsers."""
    video = sub.add_parser("video", help="generate a video with a running genproxy and save the MP4",
                           description="Start a video job on a running genproxy (Videos API), show its progress, "
                                       "and save the MP4. Ctrl-C stops waiting; the job goes on and "
                                       "`genproxy jobs get ID -o FILE` fetches it later.")
    video.add_argument("prompt", help="what the video should show")
    video.add_argument("-o", "--output", type=Path, default=None, help="MP4 file to write (default: <job id>.mp4)")
    video.add_argument("--model", default=None, help=f"video model (default: the proxy's, e.g. {DEFAULT_VIDEO_MODEL})")
    video.add_argument("--duration", type=int, default=None, help="seconds: 4, 6 or 8 for Veo 3.x, 5-8 for Veo 2")
    video.add_argument("--aspect-ratio", choices=["16:9", "9:16"], default=None)
    video.add_argument("--resolution", choices=["720p", "1080p", "4k"], default=None,
                       help="1080p and 4k need --duration 8 on Veo 3.1")
    video.add_argument("--negative-prompt", default=None, help="what the video should not show")
    video.add_argument("--seed", type=int, default=None, help="Vertex AI models only (vertex/...)")
    video.add_argument("--image", type=Path, default=None, metavar="FIRST_FRAME",
                       help="a PNG/JPEG file to start the video from (image-to-video)")
    video.add_argument("--no-wait", action="store_true", help="print the job id and return at once")
    _connection_args(video)

    image = sub.add_parser("image", help="generate an image with a running genproxy and save it",
                           description="Generate an image with a Gemini image model through a running genproxy.")
    image.add_argument("prompt", help="what the image should show")
    image.add_argument("-o", "--output", type=Path, default=Path("image.png"),
                       help="file to write (default image.png; several images get -1, -2, ...)")
    image.add_argument("--model", default=DEFAULT_IMAGE_MODEL, help=f"image model (default {DEFAULT_IMAGE_MODEL})")
    image.add_argument("--aspect-ratio", default=None, help="1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9")
    image.add_argument("--image-size", default=None, choices=["1K", "2K", "4K"])
    _connection_args(image)

    jobs = sub.add_parser("jobs", help="list, fetch or delete video jobs on a running genproxy",
                          description="The video jobs of your key on a running genproxy.")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True, metavar="ACTION")
    listing = jobs_sub.add_parser("list", help="list your video jobs, newest first")
    listing.add_argument("--limit", type=int, default=20, help="how many (1-100, default 20)")
    listing.add_argument("--json", action="store_true", help="print the Videos API objects as JSON")
    _connection_args(listing)
    get = jobs_sub.add_parser("get", help="show a job; with -o, wait for it and save the MP4")
    get.add_argument("job_id")
    get.add_argument("-o", "--output", type=Path, default=None, help="MP4 file to write once the job is done")
    get.add_argument("--json", action="store_true", help="print the Videos API object as JSON")
    _connection_args(get)
    delete = jobs_sub.add_parser("delete", help="forget a job and its video")
    delete.add_argument("job_id")
    _connection_args(delete)
    usage_cli.add_parser(sub, _connection_args)
    audio_cli.add_parsers(sub, _connection_args)


# ------------------------------------------------------------------ HTTP

class Client:
    def __init__(self, base_url: str, api_key: str, timeout: float = 120.0):
        base = base_url.rstrip("/")
        self.base = base[:-3] if base.endswith("/v1") else base
        self.api_key = api_key
        self.timeout = timeout

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            raise ClientError(_error_text(exc)) from None
        except urllib.error.URLError as exc:
            raise ClientError(f"cannot reach genproxy at {self.base}: {exc.reason} "
                              "(is `genproxy serve` running? set --base-url or GENPROXY_BASE_URL)") from None

    def json(self, method: str, path: str, body: dict | None = None) -> tuple[dict, Any]:
        with self._request(method, path, body) as response:
            return json.load(response), response.headers

    def download(self, path: str, output: Path) -> int:
        """Stream a response body into ``output`` (via a temporary file, so no half-written MP4 is left)."""
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".part")
        try:
            with self._request("GET", path) as response, open(partial, "wb") as file:
                shutil.copyfileobj(response, file, 256 * 1024)
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
        return output.stat().st_size


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.load(exc)["error"]
        text = f"error {exc.code}: {error['message']}"
        if error.get("param"):
            text += f" (param: {error['param']})"
        return text
    except Exception:  # not genproxy's JSON error
        return f"error {exc.code}: {exc.reason}"


def _client(args: argparse.Namespace, environ: Mapping[str, str]) -> Client:
    return Client(args.base_url or environ.get("GENPROXY_BASE_URL") or DEFAULT_BASE_URL,
                  args.api_key or environ.get("GENPROXY_API_KEY") or DEFAULT_API_KEY)


# ------------------------------------------------------------------ progress

class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal, one line per change otherwise)."""

    def __init__(self, stream: TextIO, label: str, width: int = 30):
        self.stream = stream
        self.label = label
        self.width = width
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self.last: tuple[str, int] | None = None

    def show(self, status: str, percent: int) -> None:
        percent = max(0, min(100, int(percent or 0)))
        filled = self.width * percent // 100
        line = (f"{self.label} [{'#' * filled}{'-' * (self.width - filled)}] {percent:3d}% {status:<11} "
                f"{time.monotonic() - self.started:4.0f}s")
        if self.tty:
            self.stream.write("\r" + line)
        elif (status, percent) != self.last:
            self.stream.write(line + "\n")
        self.last = (status, percent)
        self.stream.flush()

    def end(self) -> None:
        if self.tty and self.last is not None:
            self.stream.write("\n")
            self.stream.flush()


def _poll_after(headers) -> float:
    try:
        return max(0.05, int(headers.get("openai-poll-after-ms", DEFAULT_POLL_MS)) / 1000)
    except (TypeError, ValueError):
        return DEFAULT_POLL_MS / 1000


def wait_for_job(client: Client, video: dict, headers, timeout: float, stderr: TextIO) -> dict:
    """Poll until the job is finished, showing progress; raises TimeoutError when waiting too long."""
    progress = Progress(stderr, video["id"])
    deadline = time.monotonic() + timeout
    try:
        while video["status"] in UNFINISHED:
            progress.show(video["status"], video.get("progress") or 0)
            if time.monotonic() >= deadline:
                raise TimeoutError
            time.sleep(min(_poll_after(headers), max(0.0, deadline - time.monotonic())))
            video, headers = client.json("GET", f"/v1/videos/{video['id']}")
        progress.show(video["status"], video.get("progress") or 0)
    finally:
        progress.end()
    return video


def _fetch_hint(job_id: str, output: Path | None) -> str:
    return f"genproxy jobs get {job_id} -o {output or Path(job_id + '.mp4')}"


def _save_finished(client: Client, video: dict, output: Path, stdout: TextIO) -> int:
    if video["status"] == "failed":
        error = video.get("error") or {}
        raise ClientError(f"job {video['id']} failed: {error.get('message') or error.get('code') or 'no reason given'}")
    size = client.download(f"/v1/videos/{video['id']}/content", output)
    print(f"saved {output} ({size} bytes, {_describe_file(output, video)}, job {video['id']})", file=stdout)
    return 0


def _describe_file(path: Path, video: dict) -> str:
    """What the saved file really is (read from the MP4), and what was asked for when that differs."""
    info = mp4_info(path)
    if info is None or info.resolution is None:
        return f"not a readable MP4; asked for {video.get('seconds')} s, {video.get('size')}"
    seconds = f"{info.duration:.1f} s" if info.duration is not None else "unknown length"
    text = f"{seconds}, {info.resolution}"
    if video.get("size") and video["size"] != info.resolution:
        text += f"; asked for {video['size']}"
    return text


# ------------------------------------------------------------------ commands

def _video(args, client: Client, stdout: TextIO, stderr: TextIO) -> int:
    body: dict[str, Any] = {"prompt": args.prompt}
    for name, value in (("model", args.model), ("seconds", str(args.duration) if args.duration else None),
                        ("aspect_ratio", args.aspect_ratio), ("resolution", args.resolution),
                        ("negative_prompt", args.negative_prompt), ("seed", args.seed)):
        if value is not None:
            body[name] = value
    if args.image is not None:
        try:
            data = args.image.read_bytes()
        except OSError as exc:
            raise ClientError(f"cannot read --image {args.image}: {exc.strerror}") from None
        mime = mimetypes.guess_type(args.image.name)[0] or "image/png"
        body["input_reference"] = f"data:{mime};base64,{base64.b64encode(data).decode()}"
    try:
        video, headers = client.json("POST", "/v1/videos", body)
    except KeyboardInterrupt:
        print("\nInterrupted while starting the job; `genproxy jobs list` shows whether it started.", file=stderr)
        return 130
    job_id = video["id"]
    output = args.output or Path(f"{job_id}.mp4")
    try:
        print(f"job {job_id} started ({video.get('model')}, {video.get('seconds')} s, {video.get('size')})",
              file=stderr, flush=True)
        if args.no_wait:
            print(job_id, file=stdout)
            print(f"fetch it with: {_fetch_hint(job_id, args.output)}", file=stderr)
            return 0
        video = wait_for_job(client, video, headers, args.timeout, stderr)
    except KeyboardInterrupt:
        print(f"\nStopped waiting; job {job_id} goes on in genproxy. Fetch it later with:\n"
              f"  {_fetch_hint(job_id, args.output)}", file=stderr, flush=True)
        return 130
    except TimeoutError:
        print(f"Still running after {args.timeout:.0f} s; job {job_id} goes on. Fetch it later with:\n"
              f"  {_fetch_hint(job_id, args.output)}", file=stderr, flush=True)
        return 3
    return _save_finished(client, video, output, stdout)


def _image(args, client: Client, stdout: TextIO, stderr: TextIO) -> int:
    image_config = {k: v for k, v in (("aspect_ratio", args.aspect_ratio), ("image_size", args.image_size)) if v}
    body: dict[str, Any] = {"model": args.model, "messages": [{"role": "user", "content": args.prompt}],
                            "modalities": ["image", "text"]}
    if image_config:
        body["image_config"] = image_config
    client.timeout = args.timeout
    reply, _ = client.json("POST", "/v1/chat/completions", body)
    choice = reply["choices"][0]
    images = choice["message"].get("images") or []
    if not images:
        raise ClientError(f"no image in the answer (finish_reason {choice.get('finish_reason')}): "
                          f"{choice['message'].get('content')}")
    output: Path = args.output
    paths = [output] if len(images) == 1 else [output.with_name(f"{output.stem}-{i + 1}{output.suffix}")
                                                for i in range(len(images))]
    for path, image in zip(paths, images):
        header, _, data = image["image_url"]["url"].partition(",")
        raw = base64.b64decode(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        print(f"saved {path} ({header.removeprefix('data:').split(';')[0]}, {len(raw)} bytes)", file=stdout)
    if choice["message"].get("content"):
        print(choice["message"]["content"], file=stderr)
    return 0


def _when(stamp) -> str:
    return datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M") if stamp else "-"


def _jobs(args, client: Client, stdout: TextIO, stderr: TextIO) -> int:
    if args.jobs_command == "list":
        page, _ = client.json("GET", "/v1/videos?" + urllib.parse.urlencode({"limit": args.limit, "order": "desc"}))
        if args.json:
            print(json.dumps(page["data"], indent=2), file=stdout)
            return 0
        if not page["data"]:
            print("no video jobs for this key", file=stderr)
        for video in page["data"]:
            prompt = video.get("prompt") or ""
            prompt = prompt if len(prompt) <= 50 else prompt[:47] + "..."
            print(f"{video['id']:<32} {video['status']:<11} {video.get('progress', 0):>3}%  {video.get('model', ''):<30} "
                  f"{_when(video.get('created_at'))}  {prompt}", file=stdout)
        if page.get("has_more"):
            print(f"(more: --limit {min(100, args.limit * 2)})", file=stderr)
        return 0
    job_id = urllib.parse.quote(args.job_id, safe="")
    if args.jobs_command == "delete":
        client.json("DELETE", f"/v1/videos/{job_id}")
        print(f"deleted {args.job_id}", file=stdout)
        return 0
    video, headers = client.json("GET", f"/v1/videos/{job_id}")
    if args.output is None:
        if args.json:
            print(json.dumps(video, indent=2), file=stdout)
        else:
            error = (video.get("error") or {}).get("message")
            print(f"{video['id']}  {video['status']}  {video.get('progress', 0)}%  {video.get('model')}  "
                  f"{video.get('seconds')} s  {video.get('size')}  created {_when(video.get('created_at'))}"
                  f"{'  error: ' + error if error else ''}", file=stdout)
            if video["status"] == "completed":
                print(f"save it with: genproxy jobs get {video['id']} -o {video['id']}.mp4", file=stderr)
        return 0
    try:
        video = wait_for_job(client, video, headers, args.timeout, stderr)
    except KeyboardInterrupt:
        print(f"\nStopped waiting; job {video['id']} goes on. Run this again later.", file=stderr)
        return 130
    except TimeoutError:
        print(f"Still running after {args.timeout:.0f} s; run this again later.", file=stderr)
        return 3
    return _save_finished(client, video, args.output, stdout)


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None, stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Run `genproxy video|image|jobs` with parsed arguments; returns the exit code."""
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    client = _client(args, os.environ if environ is None else environ)
    commands: dict[str, Callable[[argparse.Namespace, Client, TextIO, TextIO], int]] = {
        "video": _video, "image": _image, "jobs": _jobs, "usage": usage_cli.run, "speak": audio_cli.speak,
        "music": functools.partial(audio_cli.music, progress_bar=Progress, error=ClientError)}
    command = commands[args.command]
    try:
        return command(args, client, stdout, stderr)
    except ClientError as exc:
        print(f"genproxy: {exc}", file=stderr)
        return 1
