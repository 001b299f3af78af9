"""What the SQLite store shares between instances besides jobs and money: thought signatures, kept objects,
retired models and credential cooldowns (a mixin of SqliteJobStore)."""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from proxy.jobs.store import CapCheck

T = TypeVar("T")


class SqliteShared:
    max_signatures: int
    _signature_count: CapCheck

    if TYPE_CHECKING:  # SqliteJobStore's: the connection and the thread every call runs on
        @property
        def db(self) -> sqlite3.Connection: ...

        async def _run(self, fn: Callable[..., T], *args: Any, urgent: bool = False) -> T: ...

        def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T: ...

    # -- thought signatures --
    async def remember_signatures(self, client_key_id: str, items: dict[str, str], ttl: float) -> None:
        if not items:
            return
        now = time.time()
        due = self._signature_count.due(len(items))  # counting reads the whole table: now and then (CapCheck)

        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM thought_signatures WHERE expires_at <= ?", (now,))
            db.executemany("INSERT INTO thought_signatures (client_key_id, tool_call_id, signature, expires_at) "
                           "VALUES (?, ?, ?, ?) ON CONFLICT (client_key_id, tool_call_id) DO UPDATE SET "
                           "signature = excluded.signature, expires_at = excluded.expires_at",
                           [(client_key_id, k, v, now + ttl) for k, v in items.items()])
            if not due:
                return
            extra = db.execute("SELECT COUNT(*) FROM thought_signatures").fetchone()[0] - self.max_signatures
            if extra > 0:
                db.execute("DELETE FROM thought_signatures WHERE rowid IN (SELECT rowid FROM thought_signatures "
                           "ORDER BY expires_at LIMIT ?)", (extra,))

        await self._run(self._transaction, write)

    async def recall_signatures(self, client_key_id: str, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._run(lambda: self.db.execute(
            f"SELECT tool_call_id, signature FROM thought_signatures WHERE client_key_id = ? AND tool_call_id IN "
            f"({marks}) AND expires_at > ?", (client_key_id, *ids, time.time())).fetchall())
        return {r["tool_call_id"]: r["signature"] for r in rows}

    # -- models Google no longer serves (proxy/catalog/retirements.py) --
    async def retire_model(self, api: str, model: str, fact: str, since: float) -> None:
        await self._run(self.db.execute,
                        "INSERT INTO model_retirements (api, model, fact, since) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (api, model) DO UPDATE SET fact = excluded.fact", (api, model, fact, since))

    async def unretire_model(self, api: str, model: str) -> None:
        await self._run(self.db.execute, "DELETE FROM model_retirements WHERE api = ? AND model = ?", (api, model))

    async def retired_models(self) -> list[dict]:
        rows = await self._run(lambda: self.db.execute(
            "SELECT api, model, fact, since FROM model_retirements").fetchall())
        return [dict(r) for r in rows]

    # -- kept objects (stored Responses API responses and their items) --
    async def keep_objects(self, client_key_id: str, items: dict[str, str], ttl: float) -> None:
        if not items:
            return
        now = time.time()

        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM kept_objects WHERE expires_at <= ?", (now,))
            db.executemany("INSERT INTO kept_objects (client_key_id, id, body, expires_at) VALUES (?, ?, ?, ?) "
                           "ON CONFLICT (client_key_id, id) DO UPDATE SET body = excluded.body, "
                           "expires_at = excluded.expires_at",
                           [(client_key_id, k, v, now + ttl) for k, v in items.items()])

        await self._run(self._transaction, write)

    async def recall_objects(self, client_key_id: str, ids: list[str]) -> dict[str, str]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._run(lambda: self.db.execute(
            f"SELECT id, body FROM kept_objects WHERE client_key_id = ? AND id IN ({marks}) AND expires_at > ?",
            (client_key_id, *ids, time.time())).fetchall())
        return {r["id"]: r["body"] for r in rows}

    async def forget_objects(self, client_key_id: str, ids: list[str]) -> int:
        if not ids:
            return 0
        marks = ", ".join("?" for _ in ids)

        def delete(db: sqlite3.Connection) -> int:
            return db.execute(f"DELETE FROM kept_objects WHERE client_key_id = ? AND id IN ({marks})",
                              (client_key_id, *ids)).rowcount

        return await self._run(self._transaction, delete)

    # -- credential cooldowns --
    async def set_cooldown(self, credential_id: str, scope: str, until: float) -> None:
        await self._run(self.db.execute,
                        "INSERT INTO credential_cooldowns (credential_id, scope, until) VALUES (?, ?, ?) "
                        "ON CONFLICT (credential_id, scope) DO UPDATE SET until = MAX(until, excluded.until)",
                        (credential_id, scope, until))

    async def cooldowns(self, now: float) -> dict[tuple[str, str], float]:
        rows = await self._run(lambda: self.db.execute(
            "SELECT credential_id, scope, until FROM credential_cooldowns WHERE until > ?", (now,)).fetchall())
        return {(r["credential_id"], r["scope"]): r["until"] for r in rows}
