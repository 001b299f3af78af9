"""Which models Google no longer serves, per API, kept in the job store so that every instance agrees.

A fact comes from a Google 404 for a request (``google_404``), from discovery (``discovery``: models.list of
every API key, the Vertex model look-up) or from routes.yaml (``routes.yaml``, which the route table handles
itself). Discovery that finds the id again withdraws a fact it or a 404 made (Google brought it back).
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass

log = logging.getLogger("genproxy.catalog")


@dataclass(frozen=True)
class Retirement:
    api: str                       # "gemini" (the Gemini API) or "vertex"
    model: str                     # the upstream id Google no longer serves there
    source: str                    # "google_404", "discovery"
    detail: str = ""               # Google's words
    named_replacement: str | None = None  # what Google's answer names ("... Use X instead.")
    since: float = 0.0


class Retirements:
    def __init__(self, store=None):
        self.store = store
        self._facts: dict[tuple[str, str], Retirement] = {}
        self._shared: set[tuple[str, str]] = set()  # the keys the store held at the last sync

    def get(self, api: str, model: str) -> Retirement | None:
        return self._facts.get((api, model))

    def all(self) -> list[Retirement]:
        return sorted(self._facts.values(), key=lambda r: (r.api, r.model))

    async def add(self, fact: Retirement) -> bool:
        """Record a fact (and share it); True when it is new here, which is logged once."""
        key = (fact.api, fact.model)
        if key in self._facts:
            return False
        fact = fact if fact.since else Retirement(**{**asdict(fact), "since": time.time()})
        self._facts[key] = fact
        log.warning("Google no longer serves %s on the %s upstream (%s: %s); requests for it are served by its "
                    "replacement from now on", fact.model, fact.api, fact.source, fact.detail or "-")
        if self.store is not None:
            try:
                await self.store.retire_model(fact.api, fact.model, json.dumps(asdict(fact)), fact.since)
            except Exception as exc:  # the fact still holds here; the next sync retries nothing, a new 404 will
                log.warning("could not share the retirement of %s: %s", fact.model, getattr(exc, "message", exc))
        return True

    async def withdraw(self, api: str, model: str) -> None:
        if self._facts.pop((api, model), None) is None:
            return
        log.warning("Google serves %s on the %s upstream again; requests for it go to it", model, api)
        if self.store is not None:
            try:
                await self.store.unretire_model(api, model)
            except Exception as exc:
                log.warning("could not share that %s is back: %s", model, getattr(exc, "message", exc))

    async def sync(self) -> None:
        """Adopt the facts other instances recorded (and drop those they withdrew)."""
        if self.store is None:
            return
        rows = await self.store.retired_models()
        facts = {}
        for row in rows:
            try:
                fact = Retirement(**json.loads(row["fact"]))
            except (TypeError, ValueError):
                continue
            facts[(fact.api, fact.model)] = fact
        for key in self._shared - facts.keys():  # withdrawn by another instance
            self._facts.pop(key, None)
        for key in facts.keys() - self._facts.keys():
            log.warning("Google no longer serves %s on the %s upstream (learned by another instance)", key[1], key[0])
            self._facts[key] = facts[key]
        self._shared = set(facts)
