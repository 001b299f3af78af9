"""Which route serves a model now: routes.yaml, then the plugins' model families, then what Google has
retired and what replaces it. Learns from Google's 404s and from discovery while genproxy runs.

Order of the replacements of a model Google no longer serves (docs/catalog.md):
1. the same model on Vertex AI (its route's ``vertex_target``) when Vertex credentials are configured
   (setting ``same_model_on_vertex_first``; Google keeps the Veo 3.1 GA ids there);
2. routes.yaml's ``replaced_by`` list: the first that is live and has a usable credential;
3. the newest live id of the same family with the same capabilities (an id discovery has seen);
4. the replacement Google names: in its 404 ("... Use X instead."), else the shipped table
   (proxy/catalog/google_replacements.py, with sources).
A route with ``pinned: true`` is never replaced.
"""
from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from aiohttp import web

from proxy.catalog.google_replacements import GOOGLE_REPLACEMENTS
from proxy.catalog.retirements import Retirement, Retirements
from proxy.hookspecs import ModelFamily
from proxy.http.errors import ApiError
from proxy.routing.routes import Route, RouteTable

log = logging.getLogger("genproxy.catalog")

API_NAMES = {"gemini": "the Gemini API", "vertex": "Vertex AI", "codeassist": "Code Assist"}
SOURCE_NAMES = {"google_404": "Google answered 404", "discovery": "discovery no longer finds it"}
#: Google's 404 naming a replacement: "This model models/X is no longer available to new users. Use Y instead."
NAMED = re.compile(r"\bUse ([a-z0-9][a-z0-9.\-]*) instead")
VERSION = re.compile(r"\d+(?:\.\d+)*")


def _version(model: str) -> tuple:
    return tuple(tuple(int(p) for p in m.split(".")) for m in VERSION.findall(model))


def _shape(model: str) -> str:
    """An id without its version numbers: gemini-3.8-flash and gemini-3.7-flash share a shape."""
    return VERSION.sub("N", model)


class ModelCatalog:
    def __init__(self, table: Callable[[], RouteTable], registry: Callable[[], Any], families: list[ModelFamily],
                 retirements: Retirements, settings: Any):
        self._table, self._registry = table, registry
        #: what the Gemini API offered the configured keys at the last discovery (id -> methods); None before it
        self.offered: dict[str, set[str]] | None = None
        self.families = sorted(families, key=lambda f: -f.priority)
        self._patterns = [(re.compile(f.pattern), f) for f in self.families]
        self.retirements = retirements
        self.settings = settings

    # -- families --
    def family_of(self, model: str) -> ModelFamily | None:
        return next((f for pattern, f in self._patterns if pattern.fullmatch(model)), None)

    def family_route(self, model: str) -> Route | None:
        """The route of an id routes.yaml does not name, by its family (None: no known family)."""
        bare = model.removeprefix("google/")  # OpenRouter names Google's models google/<id>
        family = self.family_of(bare)
        if family is None:
            return None
        return Route(model=model, modality=family.modality, upstream="gemini", target=bare,
                     vertex_target=bare if family.vertex else None, family=family.name,
                     vertex_location=family.vertex_location)

    def resolve(self, model: str) -> Route | None:
        """Exact routes, retired ids, OpenRouter slugs and globs of routes.yaml, then the families (unplaced)."""
        route = self._table().resolve(model)
        if route is not None:
            if route.pattern is None or route.vertex_location is not None:
                return route
            family = self.family_of(route.target)
            return replace(route, vertex_location=family.vertex_location) if family is not None else route
        return self.family_route(model)

    def vertex_location_of(self, model: str) -> str | None:
        """Where Vertex AI serves this upstream id: a route's ``vertex_location``, else its family's (`global` for
        Gemini text and image), else None (the configured vertex_location)."""
        for spec in self._table().specs:
            if spec.vertex_location and model in (spec.vertex_target, spec.target, spec.model):
                return spec.vertex_location
        family = self.family_of(model)
        return family.vertex_location if family is not None else None

    def discovered(self) -> list[tuple[str, ModelFamily]]:
        """Ids Google offers that routes.yaml never names, with the family that serves them."""
        offered = self.offered or {}
        table = self._table()
        named = set(table.specs_by_model) | set(table.retired)
        found = []
        for model in sorted(offered):
            family = self.family_of(model)
            if model not in named and family is not None:
                found.append((model, family))
        return found

    def drift(self) -> list[str]:
        """Ids Google offers that neither routes.yaml nor a family covers."""
        offered = self.offered or {}
        table = self._table()
        return sorted(m for m in offered if m not in table.specs_by_model and self.family_of(m) is None)

    # -- serving --
    def retired(self, route: Route) -> Retirement | None:
        return self.retirements.get(route.upstream, route.target)

    def usable(self, route: Route) -> bool:
        try:
            return len(self._registry().get(route.upstream).pool) > 0
        except ApiError:
            return False

    def route_for(self, model: str) -> Route:
        """The placed route that serves ``model`` now; 404 model_not_found for an id of no known family."""
        route = self.resolve(model)
        if route is None:
            raise self.not_found(model)
        return self.serve(route)

    def serve(self, route: Route) -> Route:
        placed = self._registry().place(route)
        fact = self.retired(placed)
        if fact is None or route.pinned:
            return placed
        for candidate, reason in self._candidates(route, placed, fact):
            where = self._registry().place(candidate)
            if self.retired(where) is not None or not self.usable(where):
                continue
            requested = route.requested or route.model
            why = (f"{requested} is no longer served on {API_NAMES.get(fact.api, fact.api)} "
                   f"({SOURCE_NAMES.get(fact.source, fact.source)}); served by {where.model}"
                   + (f" ({where.upstream}:{where.target})" if where.target != where.model else "")
                   + f", {reason}.")
            return replace(where, requested=requested, requested_modality=route.modality, why=why,
                           alternatives=tuple(self.alternatives(route.modality, exclude=where.model)))
        return placed  # nothing else serves it: Google's answer goes to the client

    def _candidates(self, route: Route, placed: Route, fact: Retirement) -> Iterator[tuple[Route, str]]:
        table = self._table()
        if placed.upstream == "gemini" and route.vertex_target and getattr(self.settings, "same_model_on_vertex_first",
                                                                           True):
            yield (replace(route, upstream="vertex", target=route.vertex_target),
                   "the same model on Vertex AI")
        spec = table.specs_by_model.get(route.model)
        for name in (spec.replaced_by if spec is not None else []) or route.replaced_by:
            candidate = self.resolve(name)
            if candidate is not None:
                yield candidate, "the replacement routes.yaml names"
        family = self.family_of(route.target)
        if family is not None:
            shape, own = _shape(route.target), _version(route.target)
            names = {*(self.offered or {}), *table.specs_by_model}
            newer = sorted((n for n in names if n != route.target and _shape(n) == shape
                            and self.family_of(n) == family and _version(n) >= own), key=_version, reverse=True)
            for name in newer:
                candidate = self.resolve(name)
                if candidate is not None:
                    yield candidate, f"the newest live {family.name} model"
        named = fact.named_replacement or GOOGLE_REPLACEMENTS.get(route.target, (None, ""))[0]
        if named:
            source = "Google's 404" if fact.named_replacement else GOOGLE_REPLACEMENTS[route.target][1]
            candidate = self.resolve(named)
            if candidate is not None:
                yield candidate, f"the replacement Google names ({source})"

    def alternatives(self, modality: str, exclude: str = "") -> list[str]:
        """The listed models of a modality Google still serves, each with the credential it needs when none is
        configured (for error messages)."""
        names = []
        for spec in self._table().listed_models():
            route = self._table().resolve(spec.model)
            if route is None or route.modality != modality or spec.model == exclude:
                continue
            placed = self._registry().place(route)
            if self.retired(placed) is not None:
                continue
            names.append(spec.model if self.usable(placed) else f"{spec.model} (needs {placed.upstream} credentials)")
        return names

    def live_names(self) -> list[str]:
        table = self._table()
        names = [s.model for s in table.listed_models()
                 if (r := table.resolve(s.model)) is not None and self.retired(self._registry().place(r)) is None]
        return names + [m for m, _ in self.discovered()]

    def not_found(self, model: str, google_404: bool = False) -> ApiError:
        live = self.live_names()
        bare = model.removeprefix("google/")
        close = difflib.get_close_matches(bare, live, n=5, cutoff=0.6) or self._table().suggestions(model)
        why = "Google does not offer it" if google_404 else "no model family serves it"
        return ApiError(404, f"The model '{model}' does not exist or is not routed by this proxy ({why}). "
                             f"Known models include: {', '.join(close)}.", param="model",
                        code="model_not_found")

    # -- learning --
    async def learn(self, route: Route, exc: ApiError) -> bool:
        """True when ``exc`` is Google saying it no longer serves the route's model (a 404 naming it), for a model
        genproxy knew (routes.yaml names it, or discovery saw it): recorded, so the next resolve replaces it."""
        if exc.status != 404 or route.pinned or route.target not in exc.message:
            return False
        offered = self.offered or {}
        known = route.family is None and route.pattern is None or route.target in offered
        if not known:
            return False
        named = NAMED.search(exc.message)
        fact = Retirement(route.upstream, route.target, "google_404", detail=exc.message[:300],
                          named_replacement=named.group(1) if named else None)
        return await self.retirements.add(fact)

    async def learn_from_discovery(self, offered: dict[str, set[str]] | None) -> None:
        """models.list of every API key that answered: a routed Gemini API id missing from it is retired there;
        one present again is live again."""
        if not offered:
            return
        self.offered = offered
        table = self._table()
        targets = {(s.target or s.model) for s in table.specs
                   if s.upstream == "gemini" and not any(ch in s.model for ch in "*?[")}
        for target in sorted(targets):
            if target in offered:
                if self.retirements.get("gemini", target) is not None:
                    await self.retirements.withdraw("gemini", target)
            elif self.retirements.get("gemini", target) is None:
                await self.retirements.add(Retirement("gemini", target, "discovery",
                                                      "models.list of every configured API key omits it"))


#: The model catalog of the app (an app key, set by create_app).
CATALOG: web.AppKey[ModelCatalog] = web.AppKey("catalog")
