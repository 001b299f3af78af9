"""Issue 25.1: a web page on another origin cannot spend an open proxy's money or read its jobs.

Headless Chromium opens an attacker's page served from a second origin (another port of 127.0.0.1: the same
*site*, and localhost: another site) that posts to the proxy the two ways a page can without a CORS preflight:
a form POST and fetch(..., {mode: "no-cors"}) with a text/plain JSON body. No job may be made. A request whose
Host is the attacker's name (DNS rebinding) gets no data. The console itself keeps working (test_console_e2e).
"""
from __future__ import annotations

import http.server
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

pytestmark = pytest.mark.slow

BODY = {"model": "veo-3.1-generate-preview", "prompt": "paid for by someone else", "seconds": "4"}


def _attacker_page(target: str) -> bytes:
    body = json.dumps(BODY)
    # text/plain forms send name=value: the name is a JSON body up to the prompt's last quote, the '=' lands in
    # the prompt, and the value closes the object.
    form_name = json.dumps({k: v for k, v in BODY.items() if k != "prompt"})[:-1] + ', "prompt": "x'
    return f"""<!doctype html><html><body>
<form id="f" method="POST" action="{target}/v1/videos" enctype="text/plain" target="sink">
  <input name='{form_name}' value='"}}'>
</form>
<iframe name="sink"></iframe>
<script>
  window.sent = (async () => {{
    await fetch("{target}/v1/videos", {{method: "POST", mode: "no-cors",
      headers: {{"Content-Type": "text/plain"}}, body: {json.dumps(body)}}});
    await fetch("{target}/v1/chat/completions", {{method: "POST", mode: "no-cors",
      headers: {{"Content-Type": "text/plain"}},
      body: JSON.stringify({{model: "veo-3.1-generate-preview", messages: [{{role: "user", content: "x"}}]}})}});
    document.getElementById("f").submit();
    return true;
  }})();
</script></body></html>""".encode()


class _Attacker(http.server.ThreadingHTTPServer):
    def __init__(self, host: str, page: bytes):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        super().__init__((host, 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def _jobs(server) -> list:
    with urllib.request.urlopen(f"{server.base_url}/v1/videos", timeout=10) as response:
        return json.loads(response.read())["data"]


@pytest.mark.parametrize("page_host", ["127.0.0.1", "localhost"])
def test_a_page_on_another_origin_makes_no_video(server, browser, page_host):
    before = len(_jobs(server))
    attacker = _Attacker("127.0.0.1", _attacker_page(server.base_url))
    try:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://{page_host}:{attacker.server_address[1]}/")
        assert page.evaluate("window.sent") is True
        page.wait_for_timeout(1500)  # the form's navigation lands in the iframe
        context.close()
    finally:
        attacker.shutdown()
    time.sleep(0.5)
    assert len(_jobs(server)) == before


def test_a_foreign_host_header_gets_no_data(server):
    # A job to find, made the way an SDK would (no Origin, no Sec-Fetch-Site).
    request = urllib.request.Request(f"{server.base_url}/v1/videos", data=json.dumps(BODY).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    for path in ("/v1/videos", "/v1/jobs", "/v1/usage", "/metrics"):
        rebound = urllib.request.Request(f"{server.base_url}{path}", headers={"Host": f"attacker.example:{server.port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=10)
        body = refused.value.read().decode()
        assert refused.value.code == 400, path
        assert "paid for by someone else" not in body and json.loads(body)["error"]["code"] == "host_not_allowed"
    assert any(job["prompt"] == BODY["prompt"] for job in _jobs(server))
