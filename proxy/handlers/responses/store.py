"""Stored responses and output items in the job store (kept_objects), per client key.

A stored response keeps its Response object and the conversation up to and including its output (as input
items), for ``previous_response_id``; each output item is kept under its own id too, for the AI SDK's
``{"type": "item_reference", "id": ...}`` (it sends those instead of the text of earlier turns).
Rows expire after ``response_ttl`` seconds (OpenAI keeps responses 30 days).
"""
from __future__ import annotations

import json

from aiohttp import web

from proxy import keys
from proxy.http.errors import ApiError, invalid


def _owner(request: web.Request) -> str:
    return request.get("client_key_id") or ""


async def keep(request: web.Request, response: dict, history: list[dict]) -> None:
    objects = {response["id"]: json.dumps({"response": response, "history": history})}
    for item in response["output"]:
        if item.get("id"):
            objects[item["id"]] = json.dumps({"item": item})
    await request.app[keys.JOB_STORE].keep_objects(_owner(request), objects, request.app[keys.SETTINGS].response_ttl)


async def recall(request: web.Request, ids: list[str]) -> dict[str, dict]:
    found = await request.app[keys.JOB_STORE].recall_objects(_owner(request), ids)
    return {key: json.loads(value) for key, value in found.items()}


def not_found(response_id: str, param: str | None = None) -> ApiError:
    return ApiError(404, f"No response found with id '{response_id}'.", param=param, code="response_not_found")


async def stored_response(request: web.Request, response_id: str) -> dict:
    found = (await recall(request, [response_id])).get(response_id)
    if not found or "response" not in found:
        raise not_found(response_id)
    return found


async def forget(request: web.Request, response_id: str) -> None:
    found = await stored_response(request, response_id)
    ids = [response_id, *(item["id"] for item in found["response"]["output"] if item.get("id"))]
    await request.app[keys.JOB_STORE].forget_objects(_owner(request), ids)


async def expand(request: web.Request, previous_id: str | None, items: list[dict]) -> list[dict]:
    """The history before ``items`` (the previous response's conversation) followed by ``items`` with every
    item_reference replaced by the item it names."""
    refs = [item.get("id") for item in items if isinstance(item, dict) and item.get("type") == "item_reference"]
    wanted = [*([previous_id] if previous_id else []), *(r for r in refs if isinstance(r, str))]
    found = await recall(request, wanted) if wanted else {}
    history: list[dict] = []
    if previous_id:
        previous = found.get(previous_id)
        if not previous or "history" not in previous:
            raise not_found(previous_id, "previous_response_id")
        history = previous["history"]
    out = []
    for i, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == "item_reference":
            kept = found.get(item.get("id") or "")
            if not kept or "item" not in kept:
                raise invalid(f"'input[{i}]': no stored item with id '{item.get('id')}' (items are kept only for "
                              "responses made with store: true).", f"input[{i}].id", code="item_not_found")
            out.append(kept["item"])
        else:
            out.append(item)
    return history + out
