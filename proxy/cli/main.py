"""The `genproxy` command: serve, emulator, plugins, routes."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import signal
import socket
import sys
from importlib import metadata
from pathlib import Path

from aiohttp import web

from proxy import keys
from proxy.config import ConfigError, Settings, client_key_strings, load_settings
from proxy.http.server import ConnectionGuard, GuardedAppRunner, raise_fd_limit, settle_heap
from proxy.ops.redact import RedactSecrets
from proxy.routing.plugins import PluginError, build_plugin_manager, declared_modalities, describe_plugins
from proxy.routing.routes import RoutesError, RouteTable

log = logging.getLogger("genproxy")

DEFAULT_PORT = 8317
# An auth key, as Google issues them since September 2026 (the `AQ.` prefix; google-2026-12.md section 3).
EMULATOR_KEY = "AQ.emulator-key"


def package_version() -> str:
    """The installed distribution's version (setup.cfg), or "unknown" when run from an uninstalled tree."""
    try:
        return metadata.version("genproxy")
    except metadata.PackageNotFoundError:
        return "unknown"


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="YAML settings file (environment variables win over it)")
    parser.add_argument("--routes", type=Path, default=None, help="routes file (default: routes.yaml)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genproxy", description=(
        "An OpenAI-compatible proxy for Google's generative media: Gemini text, Gemini images and Veo video "
        "through POST /v1/chat/completions."))
    parser.add_argument("--version", action="version", version=f"genproxy {package_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the proxy", description=(
        "Run the proxy. Environment: GENPROXY_API_KEYS (client keys), GEMINI_API_KEY (upstream keys), "
        "GEMINI_BASE_URL, GENPROXY_AUTH_DIR (CCS OAuth token folder)."))
    _add_config_args(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--emulator", action="store_true",
                       help="start the built-in Gemini emulator in-process and send every upstream call to it (offline, free)")
    serve.add_argument("--emulator-catalog", default=None, metavar="SNAPSHOT|FILE",
                       help="with --emulator: which Google it plays (2026-11, 2026-12 or a catalog file; default newest)")
    serve.add_argument("--emulator-delay", type=float, default=8.0,
                       help="with --emulator: seconds a video operation takes (default 8)")
    serve.add_argument("--workers", type=int, default=1, metavar="N",
                       help="run N processes on the one port (SO_REUSEPORT), sharing the job store (default 1)")
    # Set by the --workers supervisor for its workers.
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.add_argument("--worker-index", type=int, default=None, help=argparse.SUPPRESS)
    serve.add_argument("--emulator-url", default=None, help=argparse.SUPPRESS)

    emulator = sub.add_parser("emulator", help="run the built-in Gemini/Veo emulator on its own",
                              description="Run the Gemini/Veo emulator: a local stand-in for Google's APIs.")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8318)
    emulator.add_argument("--delay", type=float, default=8.0, help="seconds a video operation takes (default 8)")
    emulator.add_argument("--catalog", default=None, metavar="SNAPSHOT|FILE",
                          help="which Google to play: a snapshot (2026-11, 2026-12) or a catalog YAML file "
                               "(default: the newest); PUT /emulator/catalog switches while it runs")
    emulator.add_argument("--pad-video", type=int, default=0, metavar="BYTES",
                          help="pad every generated MP4 to at least this many bytes (memory benchmarks)")
    emulator.add_argument("--small", action="store_true",
                          help="shrink generated images 16-fold (default: the pixel sizes Google makes)")
    emulator.add_argument("--data-dir", type=Path, default=None,
                          help="keep operations here so a restart does not lose them (default: in memory)")
    emulator.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    plugins = sub.add_parser("plugins", help="list the loaded plugins and the modalities they serve",
                             description="List the plugins of the 'genproxy' entry-point group and their modalities.")
    plugins.add_argument("--json", action="store_true", help="print JSON")

    routes = sub.add_parser("routes", help="check a routes file and print its table",
                            description="Load and validate a routes file, then print model -> modality, upstream, target.")
    routes.add_argument("--routes", type=Path, default=Path("routes.yaml"))

    doctor = sub.add_parser("doctor", help="check what Google offers each credential against the routes",
                            description="Ask Google which models each configured credential can use (Gemini API "
                                        "model list; a look-up per model on Vertex AI) and print, per route, whether "
                                        "it can be served. Exits 1 when a listed route cannot be served.")
    _add_config_args(doctor)
    doctor.add_argument("--emulator", action="store_true", help="check against the built-in emulator (offline)")
    doctor.add_argument("--emulator-catalog", default=None, metavar="SNAPSHOT|FILE",
                        help="with --emulator: which Google it plays (2026-11, 2026-12 or a catalog file)")
    doctor.add_argument("--json", action="store_true", help="print JSON")

    credentials = sub.add_parser("credentials", help="list the upstream credentials and their state (no secrets)",
                                 description="List the credentials genproxy would use: API keys (GEMINI_API_KEY), "
                                             "token files in GENPROXY_AUTH_DIR, the Vertex service account. "
                                             "Shows id, kind, upstreams, email, project, expiry; never a secret.")
    credentials.add_argument("--config", type=Path, help="YAML settings file (environment variables win over it)")
    credentials.add_argument("--json", action="store_true", help="print JSON")
    from proxy.cli import client as client_cli  # genproxy video|image|jobs: a client of a running genproxy
    client_cli.add_parsers(sub)
    return parser


def _setup_logging(level: str, settings: Settings | None = None, live_secrets=None, worker: int | None = None) -> None:
    """``live_secrets`` returns the secrets known only while running (OAuth tokens, refreshed ones too)."""
    from proxy.ops.logbuffer import BatchedStreamHandler, CachedTimeFormatter

    who = f" [worker {worker}]" if worker is not None else ""
    handler = BatchedStreamHandler(sys.stderr)
    handler.setFormatter(CachedTimeFormatter(f"%(asctime)s %(levelname)s{who} %(name)s: %(message)s"))
    logging.basicConfig(level=getattr(logging, level), handlers=[handler])
    # Our format names no source file, thread or process: do not look them up for every record
    # (the caller lookup walks the stack; together ~4 % of the text path's CPU).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    if settings is not None:
        secrets = client_key_strings(settings) + list(settings.gemini_api_keys)
        secrets += [s for s in (settings.webhook_secret, settings.metrics_token) if s]
        if isinstance(settings.jobs_db, str):  # a postgresql:// URL: its password is a secret too
            from urllib.parse import urlsplit

            with contextlib.suppress(ValueError):
                password = urlsplit(settings.jobs_db).password
                if password:
                    secrets.append(password)
        for each in logging.getLogger().handlers:
            each.addFilter(RedactSecrets(lambda: secrets + (live_secrets() if live_secrets else [])))


def _running_secrets(holder: dict) -> list[str]:
    app = holder.get("app")
    if app is None or keys.UPSTREAMS not in app:
        return []
    return app[keys.UPSTREAMS].secrets()


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except OSError:
            return False


def _stop_on_signal() -> asyncio.Event:
    """An event set by SIGINT/SIGTERM; install it before announcing the address, so no signal is missed."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


def _bound_port(site: web.TCPSite, asked: int) -> int:
    """The port really listened on (with --port 0 the OS picks one)."""
    server = getattr(site, "_server", None)
    for sock in getattr(server, "sockets", None) or []:
        return sock.getsockname()[1]
    return asked


async def _settings_for(args: argparse.Namespace, delay: float = 8.0):
    """The settings of a command pointed at the emulator with --emulator: (settings, the in-process emulator
    this call started or None, the emulator URL or None). A --workers worker gets its supervisor's
    emulator URL (--emulator-url) instead of starting its own."""
    overrides = {"routes_file": args.routes}
    emulator = None
    emulator_url = getattr(args, "emulator_url", None)
    if args.emulator:
        from proxy.emulator import EmulatorSettings, start_emulator

        # The emulator keeps its operations under data_dir/emulator/upstream, so restarting
        # `serve --emulator` does not lose the jobs the proxy is still polling. With --workers the
        # supervisor runs the one emulator all workers share.
        emulator_dir = load_settings(args.config, routes_file=args.routes).data_dir / "emulator" / "upstream"
        emulator = await start_emulator("127.0.0.1", 0, EmulatorSettings(
            operation_delay=delay, data_dir=emulator_dir, catalog=getattr(args, "emulator_catalog", None)))
        emulator_url = emulator.base_url
    if emulator_url:
        overrides.update(gemini_base_url=emulator_url, vertex_base_url=emulator_url,
                         codeassist_base_url=emulator_url, token_uri=f"{emulator_url}/token")
    try:
        settings = load_settings(args.config, **overrides)
    except ConfigError:
        if emulator is not None:
            await emulator.close()
        raise
    if emulator_url:
        # Never send real keys or refresh real CCS tokens against the emulator.
        settings.gemini_api_keys = [EMULATOR_KEY]
        settings.auth_dir = settings.data_dir / "emulator-auth"
        # Emulated jobs and videos live apart from real ones.
        settings.data_dir = settings.data_dir / "emulator"
        settings.jobs_db = None
        settings.media_dir = None
        settings.emulated = True  # nothing here is paid: the console shows $0 (GET /v1/usage "emulated")
    return settings, emulator, emulator_url


async def _doctor(args: argparse.Namespace) -> int:
    import aiohttp

    from proxy.catalog import ModelCatalog, Retirements
    from proxy.discovery import Doctor, render_table
    from proxy.upstreams.registry import build_upstreams
    from proxy.upstreams.vertex import VertexUpstream

    settings, emulator, _ = await _settings_for(args)
    _setup_logging("WARNING" if args.log_level == "INFO" else args.log_level, settings)
    try:
        pm = build_plugin_manager()
        table = RouteTable.load(settings.routes_file, set(declared_modalities(pm)))
        async with aiohttp.ClientSession(trust_env=False) as session:
            registry = build_upstreams(settings, session)
            families = [f for found in pm.hook.genproxy_model_families() for f in found or []]
            catalog = ModelCatalog(lambda: table, lambda: registry, families, Retirements(), settings)
            vertex = registry.get("vertex")
            if isinstance(vertex, VertexUpstream):
                vertex.location_for = catalog.vertex_location_of
            doctor = Doctor(registry, table, lambda route: pm.hook.genproxy_upstream_method(route=route), catalog)
            report = await doctor.run()
    finally:
        if emulator is not None:
            await emulator.close()
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        note = registry.placement_note()
        if note:
            print(f"note: {note}\n")
        print(render_table(report))
    return 0 if report.ok else 1


async def _serve(args: argparse.Namespace) -> int:
    from proxy.app import create_app

    if args.workers < 1:
        raise ConfigError("--workers must be 1 or more")
    settings, emulator, emulator_url = await _settings_for(args, args.emulator_delay)
    running: dict = {}
    _setup_logging(args.log_level, settings, live_secrets=lambda: _running_secrets(running), worker=args.worker_index)
    if not (settings.api_keys or settings.admin_keys) and not _is_loopback(args.host):
        print(f"genproxy: refusing to listen on {args.host} with no client keys; set GENPROXY_API_KEYS "
              "or listen on 127.0.0.1", file=sys.stderr)
        if emulator is not None:
            await emulator.close()
        return 2
    upstream = f"emulator at {emulator_url}" if emulator_url else settings.gemini_base_url
    if args.workers > 1:
        from proxy.ops.workers import supervise

        try:
            return await supervise(args, settings, emulator_url, upstream)
        finally:
            if emulator is not None:
                await emulator.close()
    app = running["app"] = create_app(settings)
    # Cancel a handler when its client leaves (streams stop their upstream call); video jobs are shielded.
    raise_fd_limit()
    guard = ConnectionGuard.from_settings(settings)
    guard.install_accept_error_log(asyncio.get_running_loop())
    runner = GuardedAppRunner(app, guard, access_log=None, handler_cancellation=True,
                              keepalive_timeout=settings.idle_timeout)
    await runner.setup()
    try:
        stop = _stop_on_signal()
        # A deeper accept queue than the default 128: bursts of connections wait instead of being dropped.
        site = web.TCPSite(runner, args.host, args.port, backlog=1024, reuse_port=args.reuse_port or None)
        await site.start()
        settle_heap()
        port = _bound_port(site, args.port)
        print(f"genproxy listening on http://{args.host}:{port} with routes from {settings.routes_file} "
              f"({len(app[keys.ROUTE_TABLE].specs)} routes), gemini upstream: {upstream}", flush=True)
        note = app[keys.UPSTREAMS].placement_note()
        if note:
            print(f"genproxy: {note}", flush=True)
            log.info(note)
        await stop.wait()
    finally:
        await runner.cleanup()
        if emulator is not None:
            await emulator.close()
    return 0


def _emulator(args: argparse.Namespace) -> int:
    from proxy.emulator import EmulatorSettings, run_emulator

    _setup_logging(args.log_level)
    run_emulator(args.host, args.port, EmulatorSettings(operation_delay=args.delay, video_padding_bytes=args.pad_video,
                                                        data_dir=args.data_dir, small_media=args.small,
                                                        catalog=args.catalog))
    return 0


def _plugins(args: argparse.Namespace) -> int:
    rows = describe_plugins(build_plugin_manager())
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        origin = row["distribution"] or row["module"]
        print(f"{row['name']:<12} modalities: {', '.join(row['modalities']) or '-':<16} hooks: {', '.join(row['hooks'])}  ({origin})")
    return 0


def _routes(args: argparse.Namespace) -> int:
    table = RouteTable.load(args.routes, set(declared_modalities(build_plugin_manager())))
    for spec in table.specs:
        defaults = f" defaults={spec.defaults}" if spec.defaults else ""
        vertex = f" vertex_target={spec.vertex_target}" if spec.vertex_target else ""
        print(f"{spec.model:<34} {spec.modality:<7} {spec.upstream:<10} {spec.target or '(same)'}{vertex}{defaults}")
    for retired in table.retired.values():
        shutdown = f" (shut down {retired.shutdown})" if retired.shutdown else ""
        print(f"{retired.model:<34} retired -> {retired.replaced_by}{shutdown}")
    return 0


def _credentials(args: argparse.Namespace) -> int:
    from proxy.credentials import CredentialStore

    settings = load_settings(args.config)
    store = CredentialStore(settings).load()
    rows = store.describe()
    skipped = [{"file": str(path), "reason": reason} for path, reason in sorted(store.skipped.items())]
    if args.json:
        print(json.dumps({"auth_dir": str(settings.auth_dir), "credentials": rows, "skipped": skipped}, indent=2))
        return 0
    print(f"auth dir: {settings.auth_dir}")
    if not rows:
        print("no credentials: set GEMINI_API_KEY or put CCS token files in GENPROXY_AUTH_DIR")
    for row in rows:
        cooling = ", ".join(f"{k} until {v}" for k, v in (row["cooling_until"] or {}).items()) or "-"
        print(f"{row['id']:<40} {row['kind']:<16} upstreams: {','.join(row['upstreams']):<26} "
              f"email: {row['email'] or '-'}  project: {row['project'] or '-'}  expiry: {row['expiry'] or '-'}  "
              f"cooling: {cooling}")
    for item in skipped:
        print(f"skipped {item['file']}: {item['reason']}")
    return 0


def _run(main_coroutine) -> int:
    """asyncio.run on uvloop when it is installed (~6 % less CPU per request on the text path)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main_coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main_coroutine)


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # inside the try: a closed pipe shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `genproxy jobs list | head`: the reader has what it wanted. No traceback, and nothing more to write:
        # point stdout at /dev/null so the interpreter's last flush does not complain either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("video", "image", "jobs", "usage", "speak", "music"):
            from proxy.cli import client as client_cli
            return client_cli.run(args)
        if args.command == "serve":
            return _run(_serve(args))
        if args.command == "emulator":
            return _emulator(args)
        if args.command == "plugins":
            return _plugins(args)
        if args.command == "routes":
            return _routes(args)
        if args.command == "credentials":
            return _credentials(args)
        if args.command == "doctor":
            return asyncio.run(_doctor(args))
    except (ConfigError, RoutesError, PluginError) as exc:
        print(f"genproxy: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    sys.exit(main())
