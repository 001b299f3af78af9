#!/usr/bin/env python3
"""Generate an image through genproxy's OpenAI-compatible chat completions, and save it.

    genproxy serve --emulator &          # or a real genproxy with Gemini credentials
    python examples/image_gen.py "A cute cat wearing a hat" --aspect-ratio 16:9 --out cat.png

Only the standard library: the request is the OpenRouter-style image request any OpenAI client
can send (modalities + image_config); the images come back as data URIs in message.images.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8317"
DEFAULT_KEY = "ccs-internal-managed"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Generate an image with a Gemini image model through genproxy.")
    parser.add_argument("prompt", help="what the image should show")
    parser.add_argument("--base-url", default=os.environ.get("GENPROXY_BASE_URL", DEFAULT_BASE_URL),
                        help=f"genproxy's address (env GENPROXY_BASE_URL, default {DEFAULT_BASE_URL})")
    parser.add_argument("--api-key", default=os.environ.get("GENPROXY_API_KEY", DEFAULT_KEY),
                        help="genproxy client key (env GENPROXY_API_KEY)")
    parser.add_argument("--model", default="gemini-3-pro-image-preview")
    parser.add_argument("--aspect-ratio", default="1:1", help="1:1, 2:3, 3:2, 3:4, 4:3, 4:5, 5:4, 9:16, 16:9, 21:9")
    parser.add_argument("--image-size", default=None, help="1K, 2K or 4K (Gemini 3 Pro Image)")
    parser.add_argument("--out", default="image.png", help="file to write; with several images, -1, -2, ... are added")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for the answer")
    return parser.parse_args(argv)


def post_json(url: str, key: str, body: dict, timeout: float) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        try:
            message = json.load(exc)["error"]["message"]
        except Exception:  # not genproxy's JSON error
            message = exc.reason
        sys.exit(f"error {exc.code}: {message}")
    except urllib.error.URLError as exc:
        sys.exit(f"cannot reach {url}: {exc.reason} (is `genproxy serve` running?)")


def decode_data_uri(url: str) -> tuple[str, bytes]:
    header, _, data = url.partition(",")
    mime = header.removeprefix("data:").split(";")[0]
    return mime, base64.b64decode(data)


def output_paths(out: str, count: int) -> list[Path]:
    path = Path(out)
    if count == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i + 1}{path.suffix}") for i in range(count)]


def main(argv=None) -> int:
    args = parse_args(argv)
    image_config = {"aspect_ratio": args.aspect_ratio}
    if args.image_size:
        image_config["image_size"] = args.image_size
    body = {"model": args.model, "messages": [{"role": "user", "content": args.prompt}],
            "modalities": ["image", "text"], "image_config": image_config}
    reply = post_json(args.base_url.rstrip("/") + "/v1/chat/completions", args.api_key, body, args.timeout)
    message = reply["choices"][0]["message"]
    images = message.get("images") or []
    if not images:
        sys.exit(f"no image in the answer (finish_reason {reply['choices'][0].get('finish_reason')}): "
                 f"{message.get('content')}")
    for path, image in zip(output_paths(args.out, len(images)), images):
        mime, data = decode_data_uri(image["image_url"]["url"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"saved {path} ({mime}, {len(data)} bytes)")
    if message.get("content"):
        print(f"model says: {message['content']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
