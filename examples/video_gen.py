#!/usr/bin/env python3
"""Generate a video with Veo through genproxy's OpenAI-compatible chat completions, and save it.

    genproxy serve --emulator &          # or a real genproxy with Gemini credentials
    python examples/video_gen.py "A cat playing with a ball" --duration 8 --out cat.mp4

Only the standard library. One POST /v1/chat/completions with modalities ["video", "text"] and a
video_config; genproxy submits the Veo operation, polls it, and answers with the MP4 as a data
URI in message.videos. A real Veo run takes 11 s to 6 minutes: the request stays open that long.
(For a job you can leave and come back to, use the Videos API: `genproxy video` does.)
"""
from __future__ import annotations

import argparse
import base64
import json
import mimetypes
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8317"
DEFAULT_KEY = "ccs-internal-managed"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate a video with Veo through genproxy.")
    parser.add_argument("prompt", help="what the video should show")
    parser.add_argument("--base-url", default=os.environ.get("GENPROXY_BASE_URL", DEFAULT_BASE_URL),
                        help=f"genproxy's address (env GENPROXY_BASE_URL, default {DEFAULT_BASE_URL})")
    parser.add_argument("--api-key", default=os.environ.get("GENPROXY_API_KEY", DEFAULT_KEY),
                        help="genproxy client key (env GENPROXY_API_KEY)")
    parser.add_argument("--model", default="veo-3.1-generate-preview")
    parser.add_argument("--duration", default="8", help="seconds: 4, 6 or 8 for Veo 3.x")
    parser.add_argument("--aspect-ratio", default="16:9", choices=["16:9", "9:16"])
    parser.add_argument("--resolution", default="720p", help="720p, 1080p or 4k (1080p/4k need 8 s)")
    parser.add_argument("--negative-prompt", default=None, help="what the video should not show")
    parser.add_argument("--seed", type=int, default=None, help="Vertex AI models only (vertex/...)")
    parser.add_argument("--image", default=None, help="first frame: a PNG or JPEG file (image-to-video)")
    parser.add_argument("--out", default="video.mp4", help="file to write; with several videos, -1, -2, ... are added")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the answer")
    return parser.parse_args(argv)


def post_json(url: str, key: str, body: dict, timeout: float) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            error = json.load(exc)["error"]
            message = error["message"] + (f" (param: {error['param']})" if error.get("param") else "")
        except Exception:  # not genproxy's JSON error
            message = exc.reason
        sys.exit(f"error {exc.code}: {message}")
    except urllib.error.URLError as exc:
        sys.exit(f"cannot reach {url}: {exc.reason} (is `genproxy serve` running?)")


def image_part(path: str) -> dict:
    mime = mimetypes.guess_type(path)[0] or "image/png"
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}}


def output_paths(out: str, count: int) -> list[Path]:
    path = Path(out)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i + 1}{path.suffix}") for i in range(count)]


def main(argv=None) -> int:
    args = parse_args(argv)
    video_config = {"duration_seconds": args.duration, "aspect_ratio": args.aspect_ratio,
                    "resolution": args.resolution}
    if args.negative_prompt:
        video_config["negative_prompt"] = args.negative_prompt
    if args.seed is not None:
        video_config["seed"] = args.seed
    content = [{"type": "text", "text": args.prompt}] + ([image_part(args.image)] if args.image else [])
    body = {"model": args.model, "messages": [{"role": "user", "content": content}],
            "modalities": ["video", "text"], "video_config": video_config}
    print(f"generating with {args.model} (this can take minutes)...", file=sys.stderr)
    reply = post_json(args.base_url.rstrip("/") + "/v1/chat/completions", args.api_key, body, args.timeout)
    message = reply["choices"][0]["message"]
    videos = message.get("videos") or []
    if not videos:
        sys.exit(f"no video in the answer: {message.get('content')}")
    for path, video in zip(output_paths(args.out, len(videos)), videos):
        header, _, data = video["video_url"]["url"].partition(",")
        raw = base64.b64decode(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        print(f"saved {path} ({header.removeprefix('data:').split(';')[0]}, {len(raw)} bytes)")
    if message.get("content"):
        print(message["content"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
