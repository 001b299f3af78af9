"""Google's own API shape (the google-genai SDK's paths under /v1beta), served by genproxy."""
from proxy.native.gemini import add_native_routes

__all__ = ["add_native_routes"]
