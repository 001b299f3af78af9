"""Google's own API shapes, served by genproxy: the Gemini API's paths under /v1beta (and /v1) and
Vertex AI's Veo paths under /v1beta1 (and /v1), for the google-genai SDK in either mode."""
from aiohttp import web

from proxy.native.gemini import add_gemini_routes
from proxy.native.vertex import add_vertex_routes

__all__ = ["add_native_routes"]


def add_native_routes(app: web.Application) -> None:
    add_gemini_routes(app)
    add_vertex_routes(app)
