"""Build the plugin manager: the hookspecs, every plugin of the `genproxy` entry-point group, a check."""
from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from typing import cast

import pluggy
from aiohttp import web

from proxy import hookspecs

log = logging.getLogger("genproxy.plugins")


class PluginError(Exception):
    """A plugin cannot be loaded or implements a hook that does not exist."""


def build_plugin_manager(extra_plugins: Iterable[object] = ()) -> pluggy.PluginManager:
    """Load built-in and third-party plugins alike, from the `genproxy` entry points.

    ``extra_plugins`` are registered after them (tests, embedding applications).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    try:
        pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    except Exception as exc:  # a broken third-party plugin must say which one
        raise PluginError(f"{_which_entry_point_failed(pm)} of the '{hookspecs.PROJECT}' entry-point group "
                          f"failed to load: {exc!r}") from exc
    for plugin in extra_plugins:
        try:
            pm.register(plugin)
        except pluggy.PluginValidationError as exc:  # e.g. a hookimpl argument the hookspec does not have
            raise PluginError(f"plugin {type(plugin).__name__} does not fit the hook contract: {exc}") from None
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from None
    return pm


def _which_entry_point_failed(pm: pluggy.PluginManager) -> str:
    """Name the entry point that does not load (pluggy's error does not say which one it was)."""
    for dist in importlib.metadata.distributions():
        for ep in dist.entry_points:
            if ep.group != hookspecs.PROJECT or pm.get_plugin(ep.name) is not None:
                continue
            try:
                ep.load()
            except Exception:
                return f"plugin '{ep.name}' ({ep.value}, distribution {dist.metadata['name']})"
    return "a plugin"


def declared_modalities(pm: pluggy.PluginManager) -> dict[str, str]:
    """Modality name -> the plugin that declared it."""
    found: dict[str, str] = {}
    for impl in pm.hook.genproxy_modalities.get_hookimpls():
        declared = cast("list[str] | None", impl.function())  # genproxy_modalities' result (pluggy: object)
        for name in declared or []:
            found.setdefault(name, impl.plugin_name)
    return found


def describe_plugins(pm: pluggy.PluginManager) -> list[dict]:
    dists = {id(plugin): dist for plugin, dist in pm.list_plugin_distinfo()}
    rows = []
    for name, plugin in pm.list_name_plugin():
        if plugin is None:
            continue
        modalities = [m for m, owner in declared_modalities(pm).items() if owner == name]
        dist = dists.get(id(plugin))
        rows.append({
            "name": name,
            "module": getattr(plugin, "__name__", type(plugin).__name__),
            "distribution": f"{dist.project_name} {dist.version}" if dist else None,
            "modalities": modalities,
            "hooks": sorted(h.name for h in pm.get_hookcallers(plugin) or []),
        })
    return rows


#: The plugin manager the modality plugins are registered with (an app key, set by create_app).
PLUGIN_MANAGER: web.AppKey[pluggy.PluginManager] = web.AppKey("plugin_manager")
