"""Ask Google what each credential can use and check every listed route against it.

Gemini API: ``GET /v1beta/models`` per API key, every page (``pageToken``), with each model's
``supportedGenerationMethods`` (google-2026-11.md section 1: Veo lists predictLongRunning).
Vertex AI: one cheap look-up of each model a Vertex route needs, per credential and project
(VertexUpstream.check_model); a refusal there names the credential's problem (expired or revoked
token, a project without the Vertex AI API).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from proxy.catalog.retirements import Retirement
from proxy.discovery.findings import (
    EXPIRED,
    NO_CREDENTIALS,
    NO_METHOD,
    NO_VERTEX,
    NOT_OFFERED,
    OK,
    REFUSED,
    REPLACED,
    SERVED,
    UNCHECKED,
    UNREACHABLE,
    CredentialFinding,
    DoctorReport,
    RouteFinding,
)
from proxy.http.errors import ApiError
from proxy.routing.routes import Route, RouteTable

log = logging.getLogger("genproxy.doctor")

CONCURRENCY = 8

MethodFor = Callable[[Route], "str | None"]


def classify(credential_id: str, upstream: str, exc: ApiError) -> CredentialFinding:
    """What a refusal says about the credential (never the secret: ApiError messages carry none)."""
    text = exc.message
    if exc.code == "upstream_credential_unavailable" or exc.status == 401 or "API_KEY_INVALID" in text \
            or "API key not valid" in text or "expired" in text.lower():
        status = EXPIRED
    elif "SERVICE_DISABLED" in text or "has not been used in project" in text or "is disabled" in text:
        status = NO_VERTEX
    elif exc.status in (403, 400):
        status = REFUSED
    elif exc.code in ("upstream_unreachable", "upstream_timeout"):
        status = UNREACHABLE
    else:
        status = REFUSED
    return CredentialFinding(credential_id, upstream, status, text)


class Doctor:
    def __init__(self, registry, table: RouteTable, method_for: MethodFor, catalog=None):
        self.registry = registry
        self.table = table
        self.method_for = method_for
        self.catalog = catalog  # proxy.catalog.ModelCatalog: learns from this run, says what serves a gone model
        self._limit = asyncio.Semaphore(CONCURRENCY)

    async def run(self) -> DoctorReport:
        report = DoctorReport()
        offered = await self._gemini_models(report)
        report.offered = offered
        # Google refuses standard API keys (AIza...) since September 2026: new keys are auth keys (AQ.), facts file
        # 2026-12 section 3 (ai.google.dev/gemini-api/docs/api-key).
        report.old_keys = [c.id for c in self._gemini_keys()
                           if c.kind == "api_key" and str(getattr(c, "secret", "") or "").startswith("AIza")]
        routes = [self.table.resolve(spec.model) for spec in self.table.listed_models()]
        placed = [(route, self.registry.place(route)) for route in routes if route is not None]
        vertex_models = sorted({p.target for _, p in placed if p.upstream == "vertex"})
        vertex_ok = await self._vertex_models(report, vertex_models)
        for route, where in placed:
            report.routes.append(self._route_finding(route, where, offered, vertex_ok))
        if self.catalog is not None:
            await self._drift(report, offered, vertex_ok)
        # After the drift: a retired id's replacement may itself be gone (veo-3.0-fast-generate-001 ->
        # veo-3.1-fast-generate-preview -> Gemini Omni on December's Gemini API); its row says what serves it.
        for retired in self.table.retired.values():
            replacement = next((r for r in report.routes if r.model == retired.replaced_by), None)
            if replacement is not None:
                detail = f"retired by Google; served by {retired.replaced_by}"
                if replacement.status == REPLACED:
                    detail = (f"retired by Google; served by {replacement.target} (its replacement "
                              f"{retired.replaced_by} is gone too: {replacement.detail})")
                report.routes.append(RouteFinding(retired.model, replacement.modality, replacement.upstream,
                                                  replacement.target, replacement.status, detail,
                                                  alias_of=retired.replaced_by))
        return report

    async def _drift(self, report: DoctorReport, offered, vertex_ok: dict) -> None:
        """Learn what Google no longer offers, then say what serves each such route now, and which ids Google
        offers that routes.yaml does not name."""
        catalog = self.catalog
        await catalog.learn_from_discovery(offered)
        for model, problem in vertex_ok.items():
            if problem is not None and "does not offer" in problem:
                await catalog.retirements.add(Retirement("vertex", model, "discovery", problem[:200]))
        for finding in report.routes:
            if finding.alias_of is not None:
                continue
            try:
                served = catalog.route_for(finding.model)
            except ApiError:
                continue
            if served.why:
                finding.status, finding.detail = REPLACED, served.why
                finding.upstream, finding.target = served.upstream, served.target
        report.by_family = [(model, family.name) for model, family in catalog.discovered()]
        report.unrouted = catalog.drift()

    def _gemini_keys(self) -> list:
        gemini = self._upstream("gemini")
        return list(gemini.pool.all()) if gemini is not None else []

    # -- Gemini API --
    async def _gemini_models(self, report: DoctorReport) -> dict[str, set[str]] | None:
        """Model id -> methods, over every API key that answered; None when no key is configured."""
        gemini = self._upstream("gemini")
        if gemini is None or not len(gemini.pool):
            return None
        offered: dict[str, set[str]] = {}

        async def one(credential) -> None:
            async with self._limit:
                try:
                    models = await gemini.list_models(credential.id)
                except ApiError as exc:
                    report.credentials.append(classify(credential.id, "gemini", exc))
                    return
            report.credentials.append(CredentialFinding(credential.id, "gemini", OK, models=len(models)))
            for model in models:
                name = str(model.get("name", "")).removeprefix("models/")
                offered.setdefault(name, set()).update(model.get("supportedGenerationMethods") or [])

        await asyncio.gather(*(one(c) for c in gemini.pool.all()))
        return offered

    # -- Vertex AI --
    async def _vertex_models(self, report: DoctorReport, models: list[str]) -> dict[str, str | None]:
        """Model -> None when some credential can use it, else the last refusal's text."""
        vertex = self._upstream("vertex")
        if vertex is None or not len(vertex.pool) or not models:
            if vertex is not None:
                report.credentials += [CredentialFinding(c.id, "vertex", UNCHECKED, "no Vertex route to check")
                                       for c in vertex.pool.all()]
            return {}
        results: dict[str, str | None] = {}

        async def one(credential) -> None:
            finding = CredentialFinding(credential.id, "vertex", OK)
            for model in models:
                async with self._limit:
                    try:
                        await vertex.check_model(model, credential.id)
                    except ApiError as exc:
                        if exc.status == 404:
                            results.setdefault(model, f"Vertex AI does not offer {model}: {exc.message}")
                            continue
                        finding = classify(credential.id, "vertex", exc)
                        results.setdefault(model, exc.message)
                        break  # a credential problem: the other models would say the same
                results[model] = None
            report.credentials.append(finding)

        await asyncio.gather(*(one(c) for c in vertex.pool.all()))
        return results

    def _route_finding(self, route: Route, where: Route, offered, vertex_ok: dict) -> RouteFinding:
        def finding(status: str, detail: str = "") -> RouteFinding:
            return RouteFinding(route.model, route.modality, where.upstream, where.target, status, detail)

        upstream = self._upstream(where.upstream)
        if upstream is None or not len(upstream.pool):
            return finding(NO_CREDENTIALS, f"no credentials for the {where.upstream} upstream (not configured)")
        if where.upstream == "gemini":
            method = self.method_for(route) or "generateContent"
            if not offered:
                return finding("unavailable", "no API key could list models")
            if where.target not in offered:
                return finding(NOT_OFFERED, f"Google does not offer {where.target} to any configured key")
            if method not in offered[where.target]:
                return finding(NO_METHOD, f"{where.target} does not support {method} "
                                          f"(it lists {', '.join(sorted(offered[where.target])) or 'nothing'})")
            return finding(SERVED)
        if where.upstream == "vertex":
            if where.target not in vertex_ok:
                return finding(UNCHECKED)
            problem = vertex_ok[where.target]
            if problem is None:
                return finding(SERVED)
            return finding(NOT_OFFERED if "does not offer" in problem else "unavailable", problem)
        return finding(UNCHECKED, f"the {where.upstream} upstream has no model list")

    def _upstream(self, name: str):
        try:
            return self.registry.get(name)
        except ApiError:
            return None


def failing(report: DoctorReport) -> list[RouteFinding]:
    return report.failing()


def credential_problems(report: DoctorReport) -> list[CredentialFinding]:
    return [c for c in report.credentials if c.status not in (OK, UNCHECKED)]


def render_table(report: DoctorReport) -> str:
    """The report as plain-text tables (credentials, routes, drift) and a verdict line that agrees with them."""
    lines = ["CREDENTIAL                                UPSTREAM  STATUS       DETAIL"]
    for c in report.credentials:
        detail = f"{c.models} models" if c.models is not None else c.detail
        if c.credential_id in report.old_keys:
            detail += "; a standard API key (AIza...): Google refuses these since September 2026, create an auth key"
        lines.append(f"{c.credential_id[:40]:<41} {c.upstream:<9} {c.status:<12} {_short(detail)}")
    if not report.credentials:
        lines.append("(no credentials configured)")
    lines += ["", "MODEL                                 SERVED BY                                  STATUS          DETAIL"]
    for r in report.routes:
        served = f"{r.upstream}:{r.target}"
        detail = r.detail if r.status != SERVED or r.alias_of else ""
        lines.append(f"{r.model[:37]:<38} {served[:42]:<43} {r.status:<15} {_short(detail)}")
    if report.by_family or report.unrouted:
        lines += ["", "GOOGLE OFFERS, NOT IN routes.yaml      SERVED BY"]
        lines += [f"{model[:37]:<38} family {family}" for model, family in report.by_family]
        lines += [f"{model[:37]:<38} nothing (no model family takes it)" for model in report.unrouted]
    creds = credential_problems(report)
    lines.append("")
    lines.append(report.verdict() + (f" ({len(creds)} credential problem(s) above.)" if creds else ""))
    return "\n".join(lines)


def _short(text: str, width: int = 90) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"
