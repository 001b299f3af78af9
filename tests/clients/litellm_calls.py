"""LiteLLM as a client of genproxy (the `openai/` provider with api_base), run in LiteLLM's own venv.

Prints one JSON line of what it got. Argument: genproxy's base URL (…/v1); the key in GENPROXY_API_KEY."""
import json
import os
import sys
import time

import litellm

base, key = sys.argv[1], os.environ["GENPROXY_API_KEY"]
out = {}
reply = litellm.completion(model="openai/gemini-3-flash-preview", api_base=base, api_key=key,
                           messages=[{"role": "user", "content": "hello from litellm"}])
out["chat"] = reply.choices[0].message.content
chunks = litellm.completion(model="openai/gemini-3-flash-preview", api_base=base, api_key=key, stream=True,
                            messages=[{"role": "user", "content": "streamed"}])
out["stream"] = "".join(c.choices[0].delta.content or "" for c in chunks)
image = litellm.image_generation(model="openai/gemini-3.1-flash-image", prompt="a cat", api_base=base, api_key=key)
out["image_b64"] = len(image.data[0].b64_json or "")
video = litellm.video_generation(model="openai/gemini-omni-1.2-flash", prompt="A quiet harbour", seconds="8",
                                 api_base=base, api_key=key)
for _ in range(300):
    status = litellm.video_status(video_id=video.id, api_base=base, api_key=key)
    if status.status in ("completed", "failed"):
        break
    time.sleep(0.1)
out["video_status"] = status.status
content = litellm.video_content(video_id=video.id, api_base=base, api_key=key)
out["video_ftyp"] = bytes(content[4:8]).decode(errors="replace")
print(json.dumps(out))
