"""What every ``cadre`` command gets from the command group: the plugin manager (built once,
on first use) and the engines' after-load callbacks for the loader."""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from cadre_sdk.ingest.loader import AfterLoad
    from cadre_sdk.plugin_host.discovery import CadrePlugins


class Env:
    """What every command gets: how to build the plugin manager, built once on first use, and
    the callbacks the loader runs after rows of a kind are written."""

    def __init__(self, factory: Callable[[], CadrePlugins], after_load: AfterLoad | None = None):
        self._factory = factory
        self._plugins: CadrePlugins | None = None
        self._after_load = after_load

    @property
    def after_load(self) -> AfterLoad:
        """The callbacks given, or the engines' (``engines.after_load.AFTER_LOAD``, imported
        only by the commands that load, each engine module only when its kind is loaded)."""
        if self._after_load is None:
            from cadre_sdk.engines.after_load import AFTER_LOAD

            self._after_load = AFTER_LOAD
        return self._after_load

    @property
    def plugins(self) -> CadrePlugins:
        """The plugins, for commands that run rules: a plugin that failed to load stops them."""
        self.loaded.require_complete()
        return self.loaded

    @property
    def loaded(self) -> CadrePlugins:
        """The plugins that loaded, even if another failed to (for ``plugins`` and ``rules``,
        which report the failures)."""
        if self._plugins is None:
            self._plugins = self._factory()
        return self._plugins


pass_env = click.make_pass_decorator(Env)
