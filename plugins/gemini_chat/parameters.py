"""OpenAI parameters and tools -> generationConfig, tools and toolConfig; the request body."""
from __future__ import annotations

import re
from typing import Any

from plugins.gemini_chat.messages import translate_messages
from plugins.gemini_chat.thinking import level_for
from proxy.hookspecs import invalid, refuse_unknown_fields

UNSUPPORTED = {
    "logprobs": "Gemini log probabilities are not exposed by this proxy",
    "top_logprobs": "Gemini log probabilities are not exposed by this proxy",
    "logit_bias": "Gemini has no logit bias",
    "audio": "audio output is not supported",
    "prediction": "predicted outputs are not supported",
    "web_search_options": "web search is not supported through this proxy",
    "functions": "use 'tools' instead of the deprecated 'functions'",
    "function_call": "use 'tool_choice' instead of the deprecated 'function_call'",
}
HANDLED = {"temperature", "top_p", "top_k", "max_tokens", "max_completion_tokens", "stop", "seed",
           "presence_penalty", "frequency_penalty", "response_format", "reasoning_effort", "tools",
           "tool_choice", "include_reasoning"}
MAX_STOP = 5
REASONING_BUDGETS = {"none": 0, "minimal": 512, "low": 1024, "medium": 8192, "high": 24576}


def _number(request, name: str, low: float | None = None, high: float | None = None, integer: bool = False):
    value = request.extra(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise invalid(f"'{name}' must be {'an integer' if integer else 'a number'}.", name)
    if (low is not None and value < low) or (high is not None and value > high):
        raise invalid(f"'{name}' must be between {low} and {high}.", name)
    return value


def check_fields(request, own: set[str]) -> None:
    """400 for unsupported and unknown top-level fields; ``own`` are the plugin's extra fields. OpenAI's other
    fields (user, metadata, store, service_tier, verbosity …) are accepted and ignored."""
    for name, value in (request.model_extra or {}).items():
        if name in UNSUPPORTED:
            if value in (None, False, {}, []):
                continue
            raise invalid(f"'{name}' is not supported for {request.model}: {UNSUPPORTED[name]}.", name,
                          code="unsupported_parameter")
    refuse_unknown_fields(request, own | HANDLED)


def _schema(value: Any, param: str) -> dict:
    if not isinstance(value, dict):
        raise invalid(f"'{param}' must be a JSON Schema object.", param)
    return value


def generation_config(request, route) -> dict:
    """generationConfig from the OpenAI sampling parameters (route.defaults fill what is unset)."""
    config: dict = {}
    for name, key, low, high, integer in (("temperature", "temperature", 0, 2, False),
                                          ("top_p", "topP", 0, 1, False),
                                          ("top_k", "topK", 1, None, True),
                                          ("seed", "seed", None, None, True),
                                          ("presence_penalty", "presencePenalty", -2, 2, False),
                                          ("frequency_penalty", "frequencyPenalty", -2, 2, False)):
        value = _number(request, name, low, high, integer)
        if value is None:
            value = route.defaults.get(name)
        if value is not None:
            config[key] = value
    max_tokens = _number(request, "max_completion_tokens", 1, None, True)
    if max_tokens is None:
        max_tokens = _number(request, "max_tokens", 1, None, True)
    if max_tokens is None:
        max_tokens = route.defaults.get("max_tokens")
    if max_tokens is not None:
        config["maxOutputTokens"] = max_tokens
    stop = request.extra("stop")
    if stop is not None:
        stops = [stop] if isinstance(stop, str) else stop
        if not isinstance(stops, list) or not all(isinstance(s, str) and s for s in stops):
            raise invalid("'stop' must be a string or a list of non-empty strings.", "stop")
        if len(stops) > MAX_STOP:
            raise invalid(f"'stop' may hold at most {MAX_STOP} sequences.", "stop")
        if stops:
            config["stopSequences"] = stops
    if request.n and request.n > 1:
        if request.n > 8:
            raise invalid("'n' must be between 1 and 8 for Gemini.", "n")
        config["candidateCount"] = request.n
    fmt = request.extra("response_format")
    if fmt is not None:
        kind = fmt.get("type") if isinstance(fmt, dict) else None
        if kind == "json_object":
            config["responseMimeType"] = "application/json"
        elif kind == "json_schema":
            spec = fmt.get("json_schema")
            if not isinstance(spec, dict) or "schema" not in spec:
                raise invalid("'response_format.json_schema.schema' is required.", "response_format.json_schema.schema")
            config["responseMimeType"] = "application/json"
            config["responseJsonSchema"] = _schema(spec["schema"], "response_format.json_schema.schema")
        elif kind != "text":
            raise invalid("'response_format.type' must be text, json_object or json_schema.", "response_format.type")
    effort = request.extra("reasoning_effort") or route.defaults.get("reasoning_effort")
    if effort is not None:
        if not isinstance(effort, str) or effort not in REASONING_BUDGETS:
            raise invalid(f"'reasoning_effort' must be one of {', '.join(REASONING_BUDGETS)}.", "reasoning_effort")
        if takes_thinking_level(route.target):
            # Gemini 3 and later take a level instead of a token budget: the model's own levels (thinking.py);
            # the enum's names, upper case, as google-genai sends them (types.ThinkingLevel).
            config["thinkingConfig"] = {"thinkingLevel": level_for(effort, route.target), "includeThoughts": True}
        elif effort == "none":
            config["thinkingConfig"] = {"thinkingBudget": 0}
        else:
            config["thinkingConfig"] = {"thinkingBudget": REASONING_BUDGETS[effort], "includeThoughts": True}
    # OpenRouter's reasoning.exclude (legacy include_reasoning: false): think, but send no thought text back.
    include = request.extra("include_reasoning")
    if include is not None:
        if not isinstance(include, bool):
            raise invalid("'include_reasoning' must be true or false.", "include_reasoning")
        if not include and "includeThoughts" in config.get("thinkingConfig", {}):
            config["thinkingConfig"]["includeThoughts"] = False
    return config


_GENERATION = re.compile(r"gemini-(\d{1,3})(?:[.-]|$)")
#: Google's aliases, which point at Gemini 3.x models today (ai.google.dev/gemini-api/docs/models)
_LATEST_ALIASES = ("gemini-flash-latest", "gemini-pro-latest", "gemini-flash-lite-latest")


def takes_thinking_level(target: str) -> bool:
    """Gemini 3 and later take thinkingConfig.thinkingLevel, earlier ones thinkingBudget
    (ai.google.dev/gemini-api/docs/thinking). Decided on the generation number, not on the prefix
    "gemini-3" (which gemini-30 would match too)."""
    name = target.rsplit("/", 1)[-1]
    if name in _LATEST_ALIASES:
        return True
    match = _GENERATION.match(name)
    return match is not None and int(match[1]) >= 3


def tools_config(request) -> dict:
    """``tools`` / ``toolConfig`` for the body (empty when the request has no tools)."""
    out: dict = {}
    tools = request.extra("tools")
    names: list[str] = []
    if tools:
        if not isinstance(tools, list):
            raise invalid("'tools' must be a list.", "tools")
        declarations = []
        for i, tool in enumerate(tools):
            fn = tool.get("function") if isinstance(tool, dict) else None
            if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
                raise invalid(f"'tools[{i}]' must be {{\"type\": \"function\", \"function\": {{...}}}}; "
                              "other tool types are not supported.", f"tools[{i}].type")
            name = fn.get("name")
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w.:-]{0,127}", name):
                raise invalid(f"'tools[{i}].function.name' must start with a letter or underscore and hold only "
                              "letters, digits, _ . : - (at most 128).", f"tools[{i}].function.name")
            declaration: dict = {"name": name}
            if fn.get("description"):
                declaration["description"] = fn["description"]
            if fn.get("parameters") is not None:
                declaration["parametersJsonSchema"] = _schema(fn["parameters"], f"tools[{i}].function.parameters")
            declarations.append(declaration)
            names.append(name)
        out["tools"] = [{"functionDeclarations": declarations}]
    choice = request.extra("tool_choice")
    if choice is not None:
        if choice in ("auto", "none", "required"):
            mode = {"auto": "AUTO", "none": "NONE", "required": "ANY"}[choice]
            out["toolConfig"] = {"functionCallingConfig": {"mode": mode}}
        elif isinstance(choice, dict) and isinstance((choice.get("function") or {}).get("name"), str):
            name = choice["function"]["name"]
            if name not in names:
                raise invalid(f"'tool_choice.function.name' '{name}' is not one of the declared tools.",
                              "tool_choice.function.name")
            out["toolConfig"] = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
        else:
            raise invalid("'tool_choice' must be auto, none, required or {\"type\": \"function\", "
                          "\"function\": {\"name\": ...}}.", "tool_choice")
        if not names and choice != "none":
            raise invalid("'tool_choice' needs 'tools'.", "tool_choice")
    return out


def build_body(request, route, generation: dict | None = None) -> dict:
    """The generateContent body (remote images still to fetch: see fetch_remote_parts)."""
    contents, system = translate_messages(request.messages)
    body: dict = {"contents": contents}
    if system:
        body["systemInstruction"] = system
    body.update(tools_config(request))
    config = generation_config(request, route)
    config.update(generation or {})
    if config:
        body["generationConfig"] = config
    return body
