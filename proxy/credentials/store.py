"""Where credentials come from, and the pools built from them.

- API keys from the settings (GEMINI_API_KEY): the gemini upstream only.
- Token files in the auth dir (GENPROXY_AUTH_DIR, CCS format): the provider is the file's
  ``type`` field. ``gemini`` files serve vertex (cloud-platform scope + project_id) and codeassist
  (opt-in routes only), never the Gemini API: generativelanguage refuses those tokens for every
  method with 403 ACCESS_TOKEN_SCOPE_INSUFFICIENT (google-2026-11.md section 3; 3P: CLIProxyAPI
  #637), so gemini routes with only such files are served through Vertex AI (see
  UpstreamRegistry.place). A service-account key file
  (``type: service_account``) dropped there serves vertex. Other types are skipped.
- ``settings.vertex_service_account_file``: a service-account key (or an ``authorized_user``
  ADC file) for vertex.

The auth dir is polled (mtime and size of each ``*.json``); files added, changed or removed while
the proxy runs update the pools in place, keeping each credential's cooldown state and lock.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import aiohttp

from proxy.config import ConfigError, Settings
from proxy.credentials.base import Credential, CredentialPool, api_key_credential
from proxy.credentials.oauth import ServiceAccountCredential, TokenEndpoint, TokenFileCredential
from proxy.ops.background import every

log = logging.getLogger("genproxy.credentials")

UPSTREAM_NAMES = ("gemini", "vertex", "codeassist")
#: token file ``type`` -> upstreams it serves
FILE_TYPES = {"gemini": frozenset({"vertex", "codeassist"}), "service_account": frozenset({"vertex"})}


class CredentialStore:
    """Loads every credential the settings name, keeps the auth dir in sync, feeds the pools."""

    def __init__(self, settings: Settings, session: aiohttp.ClientSession | None = None):
        self.settings = settings
        self.endpoint = TokenEndpoint(session, settings.token_uri) if session is not None else None
        self.static: list[Credential] = [api_key_credential(k) for k in dict.fromkeys(settings.gemini_api_keys)]
        if settings.vertex_service_account_file:
            self.static.append(self._load_account_file(settings.vertex_service_account_file))
        self.files: dict[Path, Credential] = {}
        self._stamps: dict[Path, tuple[int, int]] = {}
        self.skipped: dict[Path, str] = {}
        self.pools: dict[str, CredentialPool] = {name: CredentialPool(name) for name in UPSTREAM_NAMES}

    # -- loading --
    def _load_account_file(self, path: Path) -> Credential:
        try:
            data = json.loads(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"vertex_service_account_file {path}: cannot read it: {exc.strerror}") from None
        except ValueError:
            raise ConfigError(f"vertex_service_account_file {path}: not valid JSON") from None
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "service_account":
            try:
                return ServiceAccountCredential(Path(path), data, endpoint=self.endpoint)
            except ValueError as exc:
                raise ConfigError(f"vertex_service_account_file {path}: {exc}") from None
        if kind == "authorized_user":  # what `gcloud auth application-default login` writes
            return TokenFileCredential(Path(path), data, endpoint=self.endpoint, upstreams={"vertex"},
                                       write_back=False, kind="authorized_user")
        raise ConfigError(f"vertex_service_account_file {path}: type '{kind}' is neither service_account "
                          "nor authorized_user")

    def credentials(self) -> list[Credential]:
        return self.static + [self.files[p] for p in sorted(self.files)]

    def scan(self) -> bool:
        """Read new and changed token files, forget removed ones; True if anything changed."""
        folder = self.settings.auth_dir
        seen: dict[Path, tuple[int, int]] = {}
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if not entry.name.endswith(".json") or entry.name.startswith(".") or not entry.is_file():
                        continue
                    st = entry.stat()
                    seen[Path(entry.path)] = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot list the auth dir %s: %s", folder, exc.strerror)
            return False
        changed = False
        for path in list(self._stamps):
            if path not in seen:
                del self._stamps[path]
                self.skipped.pop(path, None)
                if self.files.pop(path, None) is not None:
                    log.info("token file %s removed: credential taken out of rotation", path.name)
                    changed = True
        for path, stamp in seen.items():
            if self._stamps.get(path) == stamp:
                continue
            self._stamps[path] = stamp
            current = self.files.get(path)
            if current is not None and getattr(current, "stamp", None) == stamp:
                continue  # our own write-back
            changed |= self._read(path)
        return changed

    def _read(self, path: Path) -> bool:
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict):
                raise ValueError
        except OSError as exc:
            return self._skip(path, f"cannot read it ({exc.strerror})")
        except ValueError:
            return self._skip(path, "not a JSON object")
        kind = data.get("type")
        upstreams = FILE_TYPES.get(kind) if isinstance(kind, str) else None
        if upstreams is None:
            return self._skip(path, f"type '{kind}' is not served by genproxy", level=logging.DEBUG)
        current = self.files.get(path)
        if kind == "gemini":
            if isinstance(current, TokenFileCredential):
                current.load(data)
                current.stamp = self._stamps.get(path)
                for pool in self.pools.values():  # a re-login fixes what made it rest
                    pool.report_success(current)
                self.skipped.pop(path, None)
                log.info("token file %s changed: reloaded", path.name)
                return True
            token_file = TokenFileCredential(path, data, endpoint=self.endpoint, upstreams=upstreams)
            token_file.stamp = self._stamps.get(path)
            if not (token_file.access_token or token_file.refresh_token):
                return self._skip(path, "no access_token or refresh_token")
            cred: Credential = token_file
        else:
            try:
                cred = ServiceAccountCredential(path, data, endpoint=self.endpoint)
            except ValueError as exc:
                return self._skip(path, str(exc))
        self.files[path] = cred
        self.skipped.pop(path, None)
        log.info("token file %s loaded: %s for %s", path.name, cred.id, ", ".join(sorted(cred.upstreams)))
        return True

    def _skip(self, path: Path, reason: str, level: int = logging.WARNING) -> bool:
        if self.skipped.get(path) != reason:
            log.log(level, "token file %s skipped: %s", path.name, reason)
        self.skipped[path] = reason
        return self.files.pop(path, None) is not None

    # -- pools --
    def rebuild_pools(self) -> None:
        creds = self.credentials()
        for name, pool in self.pools.items():
            pool.replace([c for c in creds if name in c.upstreams])

    def refresh(self) -> bool:
        changed = self.scan()
        if changed:
            self.rebuild_pools()
        return changed

    def load(self) -> CredentialStore:
        self.scan()
        self.rebuild_pools()
        return self

    async def watch(self, interval: float) -> None:
        """Poll the auth dir until cancelled (on the loop: a stat per file, a read per changed file)."""
        await every(interval, self.refresh, f"checking the auth dir {self.settings.auth_dir}")

    def secrets(self) -> list[str]:
        return [s for c in self.credentials() for s in c.secrets()]

    def describe(self) -> list[dict]:
        rows = []
        cooling: dict[str, dict[str, str]] = {}
        for name, pool in self.pools.items():
            for row in pool.describe():
                if row["cooling_until"]:
                    cooling.setdefault(row["id"], {})[name] = row["cooling_until"]
        for cred in self.credentials():
            rows.append({**cred.describe(), "cooling_until": cooling.get(cred.id) or None})
        return rows
