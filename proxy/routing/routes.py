"""The routing table: routes.yaml maps the model a client names to a plugin, an upstream and a target."""
from __future__ import annotations

import fnmatch
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from proxy.money.pricing import PriceSpec
from proxy.ops.background import every

log = logging.getLogger("genproxy.routes")

UPSTREAMS = ("gemini", "vertex", "codeassist")
#: OpenRouter names Google's models google/<id> (openrouter.ai/google/gemini-3-flash-preview, .../google/veo-3.1).
OPENROUTER_PREFIX = "google/"


class RoutesError(Exception):
    """routes.yaml cannot be used; the message names the file, the line and the reason."""


class RouteSpec(BaseModel):
    """One entry of routes.yaml as written by a user."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1, description="Model name clients send; may be a glob such as gemini-*")
    modality: str = Field(min_length=1)
    upstream: str = "gemini"
    target: str | None = Field(None, description="Upstream model id; defaults to the requested model")
    defaults: dict = Field(default_factory=dict)
    description: str | None = None
    listed: bool = True
    vertex_target: str | None = Field(None, description="The Vertex AI id of the same model: used when a gemini "
                                      "route has only OAuth tokens (which Google refuses on the Gemini API)")
    price: PriceSpec | None = Field(None, description="What this route costs (USD), instead of the shipped price "
                                    "table: per_second, per_second_silent, per_image, input_per_million, ...")
    openrouter: str | None = Field(None, description="OpenRouter's slug of this model (google/...): clients "
                                   "written for OpenRouter send it; it resolves to this route")
    replaced_by: list[str] = Field(default_factory=list, description="What serves this model once Google no longer "
                                   "does (learned at run time): the first that is live and has a credential")
    pinned: bool = Field(False, description="Never replace this model: when Google stops serving it, requests "
                         "fail with Google's answer instead")
    vertex_location: str | None = Field(None, description="The Vertex AI location of this model (default: global "
                                        "for Gemini text and image models, vertex_location for the others)")

    @field_validator("replaced_by", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value
    unless_passthrough: bool = Field(False, description="This route steps aside when passthrough_upstream is set: "
                                     "its models then go to that gateway (the claude-* aliases, so Claude models "
                                     "reach a gateway that serves Claude)")
    chat_video_links: bool | None = Field(None, description="Chat video answers also carry a <video> block with "
                                          "a signed link in content (Open WebUI)")


class RetiredSpec(BaseModel):
    """A model id Google has shut down, and the routed model that now answers for it."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    replaced_by: str = Field(min_length=1, description="An exact model of the routes list")
    shutdown: str | None = Field(None, description="When Google shut it down (YYYY-MM-DD), for /v1/models and docs")
    source: str | None = None
    openrouter: str | None = Field(None, description="OpenRouter's slug of this id (google/...)")


@dataclass(frozen=True)
class Route:
    """A resolved route for one request."""

    model: str          # what the client asked for
    modality: str
    upstream: str
    target: str         # the upstream model id
    defaults: dict = field(default_factory=dict)
    pattern: str | None = None
    vertex_target: str | None = None
    # The retired id the client sent, when this route answers for it (``model`` is what serves).
    requested: str | None = None
    # routes.yaml's price: for this route (PriceSpec fields), or None for the shipped price table.
    price: dict | None = None
    # When this route serves a request for another model Google no longer serves (proxy/catalog): that model's
    # modality (the request is written for it), why, and the live models of that modality.
    requested_modality: str | None = None
    why: str | None = None
    alternatives: tuple[str, ...] = ()
    # The model family (proxy.hookspecs.ModelFamily) that serves an id routes.yaml does not name.
    family: str | None = None
    replaced_by: tuple[str, ...] = ()
    pinned: bool = False
    vertex_location: str | None = None
    # routes.yaml's unless_passthrough: with passthrough_upstream set, this route's models go there instead.
    unless_passthrough: bool = False
    # routes.yaml's chat_video_links: for this route, or None for the key's and the global setting.
    chat_video_links: bool | None = None


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of each mapping, for error messages."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, str) and key in seen:
            # PyYAML would silently keep the last one: two `target:` lines are a mistake worth naming.
            raise yaml.constructor.ConstructorError(None, None, f"key '{key}' appears twice in one mapping",
                                                    key_node.start_mark)
        seen.add(key)
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _strip_lines(value):
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


@dataclass
class ParsedRoutes:
    routes: list[RouteSpec]
    retired: list[RetiredSpec]


def parse_routes(text: str, source: str, modalities: set[str]) -> ParsedRoutes:
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise RoutesError(f"{source}:{line}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("routes"), list):
        raise RoutesError(f"{source}: expected a top-level 'routes:' list")
    for key in raw:
        if key not in ("routes", "retired", "__line__"):
            raise RoutesError(f"{source}: line {_line_of_key(text, key)}: unknown top-level key '{key}' "
                              "(the file holds 'routes' and 'retired')")
    specs: list[RouteSpec] = []
    seen: dict[str, int | str] = {}  # model -> its line ("?" when YAML gave none)
    for index, entry in enumerate(raw["routes"]):
        line = entry.get("__line__", "?") if isinstance(entry, dict) else "?"
        where = f"{source}: line {line} (route #{index + 1})"
        if not isinstance(entry, dict):
            raise RoutesError(f"{where}: each route must be a mapping with model, modality and upstream")
        try:
            spec = RouteSpec.model_validate(_strip_lines(entry))
        except ValidationError as exc:
            raise RoutesError(f"{where}: {_problems(exc)}") from None
        if spec.modality not in modalities:
            raise RoutesError(f"{where}: unknown modality '{spec.modality}' "
                              f"(plugins loaded serve: {', '.join(sorted(modalities)) or 'none'})")
        if spec.upstream not in UPSTREAMS:
            raise RoutesError(f"{where}: unknown upstream '{spec.upstream}' (known: {', '.join(UPSTREAMS)})")
        if spec.model in seen:
            raise RoutesError(f"{where}: duplicate model '{spec.model}' (first defined on line {seen[spec.model]})")
        seen[spec.model] = line
        specs.append(spec)
    exact = {s.model for s in specs if not _is_pattern(s.model)}
    for spec in specs:
        unknown = [name for name in spec.replaced_by if name not in exact or name == spec.model]
        if unknown:
            raise RoutesError(f"{source}: line {seen[spec.model]}: replaced_by of '{spec.model}' names "
                              f"'{unknown[0]}', which is not another exact model of the routes list")
    retired = _parse_retired(raw.get("retired") or [], source, specs, seen)
    _check_slugs(source, specs, retired)
    return ParsedRoutes(specs, retired)


def _check_slugs(source: str, specs: list[RouteSpec], retired: list[RetiredSpec]) -> None:
    """An OpenRouter slug names one model, on an exact entry, and is not itself a routed or retired id."""
    names = {s.model for s in specs} | {r.model for r in retired}
    seen: dict[str, str] = {}
    entries: list[RouteSpec | RetiredSpec] = [*specs, *retired]
    for entry in entries:
        slug = entry.openrouter
        if slug is None:
            continue
        if _is_pattern(entry.model) or _is_pattern(slug):
            raise RoutesError(f"{source}: '{entry.model}': an openrouter slug belongs on an exact model, not a glob")
        if slug in names:
            raise RoutesError(f"{source}: openrouter slug '{slug}' of '{entry.model}' is also a model of the file")
        if slug in seen:
            raise RoutesError(f"{source}: openrouter slug '{slug}' is given to both '{seen[slug]}' and '{entry.model}'")
        seen[slug] = entry.model


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        (f"unknown key '{'.'.join(map(str, e['loc']))}'" if e["type"] == "extra_forbidden"
         else f"'{'.'.join(map(str, e['loc']))}': {e['msg']}") for e in exc.errors())


def _parse_retired(raw, source: str, specs: list[RouteSpec], routed: dict) -> list[RetiredSpec]:
    """The `retired:` list: each id must not be routed itself and must point at an exact route."""
    if not isinstance(raw, list):
        raise RoutesError(f"{source}: 'retired' must be a list of {{model, replaced_by}} mappings")
    exact = {s.model for s in specs if not _is_pattern(s.model)}
    out: list[RetiredSpec] = []
    seen: dict[str, object] = {}
    for index, entry in enumerate(raw):
        line = entry.get("__line__", "?") if isinstance(entry, dict) else "?"
        where = f"{source}: line {line} (retired #{index + 1})"
        if not isinstance(entry, dict):
            raise RoutesError(f"{where}: each retired entry must be a mapping with model and replaced_by")
        values = _strip_lines(entry)
        if "shutdown" in values and values["shutdown"] is not None:
            values["shutdown"] = str(values["shutdown"])  # YAML reads 2026-06-25 as a date
        try:
            spec = RetiredSpec.model_validate(values)
        except ValidationError as exc:
            raise RoutesError(f"{where}: {_problems(exc)}") from None
        if _is_pattern(spec.model):
            raise RoutesError(f"{where}: a retired id must be an exact model id, not a glob ('{spec.model}')")
        if spec.model in routed:
            raise RoutesError(f"{where}: '{spec.model}' is retired but also routed on line {routed[spec.model]}; "
                              "keep one of them")
        if spec.model in seen:
            raise RoutesError(f"{where}: '{spec.model}' is retired twice (first on line {seen[spec.model]})")
        if spec.replaced_by not in exact:
            raise RoutesError(f"{where}: replaced_by '{spec.replaced_by}' is not an exact model of the routes list")
        seen[spec.model] = line
        out.append(spec)
    retired_ids = {r.model for r in out}
    for route in specs:
        if route.target in retired_ids or route.vertex_target in retired_ids:
            raise RoutesError(f"{source}: route '{route.model}' targets '{route.target or route.vertex_target}', "
                              "which the retired list says Google has shut down; target its replacement")
    return out


def _line_of_key(text: str, key) -> str:
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith((f"{key}:", f"'{key}':", f'"{key}":')):
            return str(number)
    return "?"


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise RoutesError(f"{path}: cannot read routes file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise RoutesError(f"{path}: line {line}: not UTF-8 text") from None


def _is_pattern(name: str) -> bool:
    return any(ch in name for ch in "*?[")


class RouteTable:
    """Resolves model names; can swap in a new routes.yaml while requests are in flight.

    A request keeps the Route it resolved, so a reload never changes a request
    that has already started.
    """

    def __init__(self, parsed: ParsedRoutes | list[RouteSpec], path: Path | None, modalities: set[str]):
        self.path = path
        self.modalities = modalities
        self._remapped_logged: set[str] = set()
        self._install(parsed if isinstance(parsed, ParsedRoutes) else ParsedRoutes(parsed, []))
        self._mtime = self._stat()

    @classmethod
    def load(cls, path: Path, modalities: set[str]) -> RouteTable:
        return cls(parse_routes(_read(path), str(path), modalities), path, modalities)

    def _install(self, parsed: ParsedRoutes) -> None:
        specs = parsed.routes
        exact = {s.model: s for s in specs if not _is_pattern(s.model)}
        patterns = [s for s in specs if _is_pattern(s.model)]
        self._exact, self._patterns, self.specs = exact, patterns, specs
        self.specs_by_model = exact
        self.retired = {r.model: r for r in parsed.retired}
        # OpenRouter's slugs (google/veo-3.1, ...) -> the model of the entry that names them
        entries: list[RouteSpec | RetiredSpec] = [*specs, *parsed.retired]
        self.openrouter = {e.openrouter: e.model for e in entries if e.openrouter}

    def _stat(self) -> tuple[int, int] | None:
        """The file's change signature: mtime and size (a rewrite within one mtime tick usually changes the size)."""
        try:
            stat = self.path.stat() if self.path else None
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size) if stat else None

    def resolve(self, model: str) -> Route | None:
        """The route for a model name: exact routes, then retired ids (before globs, so a shut-down id
        never falls into ``gemini-*`` and reaches Google), then OpenRouter's slugs and ``google/<id>``
        (as OpenRouter names Google's models), then globs."""
        if model not in self._exact:
            alias = self.openrouter.get(model)
            if alias is None and model.startswith(OPENROUTER_PREFIX) and model not in self.retired:
                bare = model[len(OPENROUTER_PREFIX):]
                alias = bare if bare and "/" not in bare else None
            if alias is not None:
                route = self.resolve(alias)
                return replace(route, requested=model) if route is not None else None
        retired = self.retired.get(model)
        if retired is not None:
            route = self.resolve(retired.replaced_by)
            if route is not None:
                if model not in self._remapped_logged:
                    self._remapped_logged.add(model)
                    log.warning("model '%s' is retired%s: requests for it are served by '%s'", model,
                                f" (shut down {retired.shutdown})" if retired.shutdown else "", retired.replaced_by)
                route = replace(route, requested=model)
            return route
        spec = self._exact.get(model)
        pattern = None
        if spec is None:
            spec = next((p for p in self._patterns if fnmatch.fnmatchcase(model, p.model)), None)
            if spec is None:
                return None
            pattern = spec.model
        return Route(model=model, modality=spec.modality, upstream=spec.upstream,
                     target=spec.target or model, defaults=dict(spec.defaults), pattern=pattern,
                     vertex_target=spec.vertex_target, unless_passthrough=spec.unless_passthrough,
                     price=spec.price.model_dump(exclude_none=True) if spec.price else None,
                     chat_video_links=spec.chat_video_links, replaced_by=tuple(spec.replaced_by), pinned=spec.pinned,
                     vertex_location=spec.vertex_location)

    def listed_models(self) -> list[RouteSpec]:
        return [s for s in self.specs if s.listed and not _is_pattern(s.model)]

    def suggestions(self, model: str, limit: int = 5) -> list[str]:
        # What /v1/models shows: hidden routes stay hidden, globs are not model names.
        names = [s.model for s in self.listed_models()]
        model = model.removeprefix(OPENROUTER_PREFIX)
        close = [n for n in names if n.split("-")[0] == model.split("-")[0]]
        return (close or names)[:limit]

    def reload_if_changed(self) -> bool:
        """Re-read the file if it changed. A broken file keeps the old table; returns True on a swap."""
        mtime = self._stat()
        if self.path is None or mtime is None or mtime == self._mtime:  # no file: _stat() is None
            return False
        self._mtime = mtime
        try:
            parsed = parse_routes(_read(self.path), str(self.path), self.modalities)
        except RoutesError as exc:
            log.error("routes file changed but was not loaded, keeping the previous table: %s", exc)
            return False
        self._install(parsed)
        log.info("reloaded %s: %d routes, %d retired ids", self.path, len(parsed.routes), len(parsed.retired))
        return True

    async def watch(self, interval: float) -> None:
        await every(interval, self.reload_if_changed, f"checking {self.path} for changes")


#: The routes of routes.yaml as loaded (reloaded on change) (an app key, set by create_app).
ROUTE_TABLE: web.AppKey[RouteTable] = web.AppKey("route_table")
