"""Build the plugin manager: the hookspecs, every plugin of the `genproxy` entry-point group, a check."""
from __future__ import annotations

import logging
from collections.abc import Iterable

import pluggy

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
        raise PluginError(f"a plugin of the '{hookspecs.PROJECT}' entry-point group failed to load: {exc!r}") from exc
    for plugin in extra_plugins:
        pm.register(plugin)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r} implements an unknown hook: {exc}") from None
    return pm


def declared_modalities(pm: pluggy.PluginManager) -> dict[str, str]:
    """Modality name -> the plugin that declared it."""
    found: dict[str, str] = {}
    for impl in pm.hook.genproxy_modalities.get_hookimpls():
        for name in impl.function() or []:
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
