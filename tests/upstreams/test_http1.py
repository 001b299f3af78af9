"""The keep-alive HTTP/1.1 client of the JSON calls (proxy/upstreams/http1.py), against raw socket servers."""
from __future__ import annotations

import asyncio
import gzip
import ssl

import pytest
import trustme

from proxy.upstreams.http1 import Http1Client, UpstreamConnectionError


class RawServer:
    """Answers each request with what ``answer(n, conn_no, head)`` returns (bytes; None closes the connection)."""

    def __init__(self, answer, tls: ssl.SSLContext | None = None):
        self.answer = answer
        self.tls = tls
        self.connections = 0
        self.requests: list[bytes] = []

    async def __aenter__(self):
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"https://localhost:{port}" if self.tls else f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc):
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.connections += 1
        conn_no, n_on_conn = self.connections, 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length) if length else b""
                self.requests.append(head + body)
                n_on_conn += 1
                out = self.answer(n_on_conn, conn_no, head)
                if out is None:
                    break
                writer.write(out)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()


def ok(body: bytes = b'{"ok":true}', extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
        len(body), extra, body)


async def test_connections_are_kept_alive_and_reused():
    async with RawServer(lambda n, c, h: ok()) as server:
        client = Http1Client()
        for _ in range(5):
            reply = await client.request("POST", server.url + "/v1beta/models/m:generateContent", b"{}",
                                         {"x-goog-api-key": "k"}, 5, 5)
            assert reply.status == 200 and await reply.read() == b'{"ok":true}'
        assert server.connections == 1
        head = server.requests[0].split(b"\r\n\r\n")[0]
        assert head.startswith(b"POST /v1beta/models/m:generateContent HTTP/1.1\r\n")
        assert b"\r\nx-goog-api-key: k" in head and b"\r\nContent-Length: 2" in head
        await client.request("POST", server.url + "/v1beta/operations/x:cancel", None, {}, 5, 5)
        assert b"\r\nContent-Length: 0\r\n" in server.requests[-1]  # a POST always says its length
        await client.close()


async def test_a_get_on_a_connection_the_server_dropped_goes_again_but_a_post_never_does():
    # The second request on each connection is read, then the connection closes without an answer: the race of a
    # keep-alive connection the server closes as the request arrives.
    async with RawServer(lambda n, c, h: ok() if n == 1 else None) as server:
        client = Http1Client()
        await client.request("GET", server.url + "/v1beta/operations/a", None, {}, 5, 5)
        reply = await client.request("GET", server.url + "/v1beta/operations/a", None, {}, 5, 5)
        assert reply.status == 200 and server.connections == 2  # retried once, on a new connection

        with pytest.raises(UpstreamConnectionError, match="before answering"):
            await client.request("POST", server.url + "/v1beta/models/veo:predictLongRunning", b"{}", {}, 5, 5)
        posts = [r for r in server.requests if r.startswith(b"POST")]
        assert len(posts) == 1  # sent once: a POST that may have started a paid job is never sent twice
        await client.close()


async def test_chunked_gzip_answers_and_answers_that_end_with_the_connection():
    payload = gzip.compress(b'{"text":"' + b"x" * 5000 + b'"}')
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 1000]), payload[i:i + 1000])
                       for i in range(0, len(payload), 1000)) + b"0\r\n\r\n"

    def answer(n, c, h):
        if c == 1:
            return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n" + chunked)
        return None

    async with RawServer(answer) as server:
        client = Http1Client()
        reply = await client.request("GET", server.url + "/a", None, {}, 5, 5)
        assert reply.status == 200 and reply.body == b'{"text":"' + b"x" * 5000 + b'"}'
        assert reply.headers["content-encoding"] == "gzip"
        await client.close()

    async def until_eof(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"no\":\"length\"}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(until_eof, "127.0.0.1", 0)
    client = Http1Client()
    reply = await client.request("GET", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/b", None, {}, 5, 5)
    assert reply.body == b'{"no":"length"}' and client.idle_connections() == 0
    server.close()
    await client.close()


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent():
    async with RawServer(lambda n, c, h: ok()) as server:
        client = Http1Client()
        with pytest.raises(UpstreamConnectionError, match="line break"):
            await client.request("POST", server.url + "/a", b"{}", {"Authorization": "Bearer x\r\nX-Evil: 1"}, 5, 5)
        assert server.connections == 0
        await client.close()


async def test_a_slow_answer_times_out_and_its_connection_is_not_reused():
    async def slow(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)

    server = await asyncio.start_server(slow, "127.0.0.1", 0)
    client = Http1Client()
    with pytest.raises(asyncio.TimeoutError):
        await client.request("GET", f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/", None, {}, 0.2, 1)
    assert client.idle_connections() == 0
    server.close()
    await client.close()


async def test_a_refused_connection_is_a_connection_error():
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    client = Http1Client()
    with pytest.raises(UpstreamConnectionError, match="cannot connect"):
        await client.request("GET", f"http://127.0.0.1:{port}/", None, {}, 2, 1)


async def test_a_body_of_megabytes_is_sent_whole_with_flow_control():
    async with RawServer(lambda n, c, h: ok()) as server:
        client = Http1Client()
        body = b'{"inlineData":"' + b"A" * 12_000_000 + b'"}'
        reply = await client.request("POST", server.url + "/v1beta/models/m:generateContent", body, {}, 30, 5)
        assert reply.status == 200
        assert server.requests[0].endswith(body)
        await client.close()


async def test_tls_with_the_servers_name_checked_and_connections_kept():
    """Google is reached over TLS: the certificate must chain to a trusted CA and name the host."""
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with RawServer(lambda n, c, h: ok(), tls=server_tls) as server:
        client = Http1Client(tls=trusting)
        for _ in range(3):
            reply = await client.request("POST", server.url + "/v1beta/models/m:generateContent", b"{}", {}, 5, 5)
            assert reply.status == 200 and reply.body == b'{"ok":true}'
        assert server.connections == 1
        assert b"\r\nHost: localhost:" in server.requests[0]
        await client.close()

        system_trust = Http1Client()  # the system's CAs do not know this test CA
        with pytest.raises(UpstreamConnectionError, match="cannot connect: SSLCertVerificationError"):
            await system_trust.request("GET", server.url + "/", None, {}, 5, 5)
        wrong_name = Http1Client(tls=trusting)  # the certificate names localhost, not 127.0.0.1
        with pytest.raises(UpstreamConnectionError, match="cannot connect: SSLCertVerificationError"):
            await wrong_name.request("GET", server.url.replace("localhost", "127.0.0.1") + "/", None, {}, 5, 5)


async def test_a_pooled_connection_that_is_closing_is_not_used_even_for_a_post():
    async with RawServer(lambda n, c, h: ok()) as server:
        client = Http1Client()
        await client.request("POST", server.url + "/a", b"{}", {}, 5, 5)
        (idle,) = [conn for pool in client._idle.values() for conn in pool]
        idle.transport.close()  # closing now; connection_lost has not run yet (the race with a server's FIN)
        reply = await client.request("POST", server.url + "/b", b"{}", {}, 5, 5)
        assert reply.status == 200 and server.connections == 2
        assert [r.split(b" ")[1] for r in server.requests] == [b"/a", b"/b"]  # each POST sent once
        await client.close()
