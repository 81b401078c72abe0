"""The plugin manager: discovery, registration, and jurisdiction resolution of rules.

No global manager: ``get_plugin_manager()`` builds one per CLI invocation or test, from the
built-in default plugins, installed packages (entry-point group ``cadre_sdk``), a plugins
directory and plugins passed in code.
"""
from __future__ import annotations

import contextlib
import datetime
import importlib
import importlib.metadata
import importlib.util
import os
import signal
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pluggy

from . import hookspecs, rules
from .calendar_years import YearSchedule
from .errors import PluginError, RuleConflict
from .jurisdiction import PROVINCE, chain, is_code
from .overlays import compose
from .tracebacks import origin

ENTRY_POINT_GROUP = "cadre_sdk"
PLUGINS_DIR_ENV = "CADRE_PLUGINS_DIR"

#: The built-in provincial defaults, registered like any other plugin.
DEFAULT_PLUGINS = (
    "cadre_sdk.defaults.province",
    "cadre_sdk.defaults.assessment",
    "cadre_sdk.defaults.subsidies",
    "cadre_sdk.defaults.tolerance",
    "cadre_sdk.defaults.adjustments",
    "cadre_sdk.defaults.staffing",
    "cadre_sdk.defaults.queries",
)

#: Which rule types each registration hook accepts.
REGISTRATION_HOOKS: dict[str, tuple[type, ...]] = {
    "register_indicators": (rules.IndicatorSet,),
    "register_scoring": (rules.ScoringFormula, rules.GradingRule, rules.GradeQuota,
                         rules.ConsequenceRule),
    "register_subsidy_rules": (rules.SubsidyRule,),
    "register_tolerance_variants": (rules.ToleranceVariant, rules.RedLine),
    "register_adjustment_situations": (rules.AdjustmentSituation,),
    "register_staffing_rules": (rules.StaffingRule,),
    "register_queries": (rules.CannedQuery,),
    "register_calendar_years": (YearSchedule,),
}

#: Rule kinds whose entries add up along the jurisdiction chain instead of overriding.
CATALOGUE_KINDS = frozenset({"situation", "staffing", "query", "consequence", "red_line"})


@attrs.frozen
class PluginInfo:
    """What ``cadre plugins`` lists about one plugin."""

    name: str
    version: str
    jurisdiction: str
    hooks: tuple[str, ...]
    source: str          # "built-in", "entry point", "plugins dir", "registered in code"
    builtin: bool = False


@attrs.frozen
class Registration:
    """One registered item with who registered it and for which jurisdiction."""

    item: Any
    plugin: str
    jurisdiction: str
    hook: str
    builtin: bool
    #: For a resolved rule: how its item was overlaid on those it overrides (None: as registered).
    overlay: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def kind(self) -> str:
        return self.item.rule_kind

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def rank(self) -> int:
        # Built-in defaults rank below anything a real plugin registers for the same place.
        return self.item.priority - (10_000 if self.builtin else 0)


class Registrar:
    """The ``register`` callback handed to one plugin's registration hook."""

    def __init__(self, book: "RuleBook", plugin: str, jurisdiction: str, hook: str,
                 accepts: tuple[type, ...], builtin: bool):
        self._book, self._plugin, self._jurisdiction = book, plugin, jurisdiction
        self._hook, self._accepts, self._builtin = hook, accepts, builtin

    def __call__(self, item: Any) -> Any:
        if not isinstance(item, self._accepts):
            names = ", ".join(t.__name__ for t in self._accepts)
            raise PluginError(self._plugin, self._hook,
                              f"registered {type(item).__name__} {item!r:.80}",
                              f"{self._hook} accepts {names} from cadre_sdk.rules.")
        reg = Registration(item, self._plugin, self._jurisdiction, self._hook, self._builtin)
        if self._book.registered_by(reg):
            raise PluginError(self._plugin, self._hook,
                              f"registered {reg.kind} rule {reg.key!r} twice for jurisdiction "
                              f"{self._jurisdiction}",
                              "call register() once per rule; to replace a rule of another "
                              "level, register it from a plugin of that jurisdiction.")
        self._book.add(reg)
        return item


class RuleBook:
    """All registered rule items, and their resolution by jurisdiction."""

    def __init__(self) -> None:
        self._by_kind: dict[str, list[Registration]] = defaultdict(list)
        self._composed: dict[tuple[str, str, str], Registration] = {}

    def add(self, reg: Registration) -> None:
        self._by_kind[reg.kind].append(reg)
        self._composed.clear()

    def discard(self, plugin: str) -> None:
        """Forget every item ``plugin`` registered (it failed while registering)."""
        for kind, regs in self._by_kind.items():
            regs[:] = [r for r in regs if r.plugin != plugin]
        self._composed.clear()

    def registered_by(self, reg: Registration) -> bool:
        """Whether ``reg``'s plugin already registered its kind and key for its jurisdiction."""
        return any(r.key == reg.key and r.plugin == reg.plugin
                   and r.jurisdiction == reg.jurisdiction
                   and getattr(r.item, "start", None) == getattr(reg.item, "start", None)
                   for r in self._by_kind.get(reg.kind, ()))

    def all(self, kind: str) -> list[Registration]:
        return list(self._by_kind.get(kind, ()))

    def kinds(self) -> list[str]:
        return sorted(self._by_kind)

    def _best(self, candidates: list[Registration], kind: str, key: str, where: str) -> Registration:
        top = max(r.rank for r in candidates)
        best = [r for r in candidates if r.rank == top]
        if len(best) > 1:
            names = ", ".join(sorted(r.plugin for r in best))
            raise RuleConflict(
                f"plugins {names} all register {kind} rule {key!r} for jurisdiction {where} "
                "with the same priority. Fix: uninstall one, or give one item a higher "
                "priority (a field of the rule item, e.g. SubsidyRule(..., priority=10); "
                "register() takes the item only).")
        return best[0]

    def resolve(self, kind: str, key: str, region_code: str) -> Registration | None:
        """The rule of ``kind`` and ``key`` that applies in ``region_code``, or None: the most
        specific jurisdiction's item, overlaid on the same rule up the chain
        (``cadre_sdk.overlays``; ``reg.overlay`` says what it inherits)."""
        return self.resolve_first(kind, [key], region_code)

    def resolve_first(self, kind: str, keys: Iterable[str], region_code: str) -> Registration | None:
        """Like ``resolve`` over several keys in order of preference, level by level: a more
        specific jurisdiction's fallback key still beats a less specific one's preferred key."""
        found = self.registered_for(kind, keys, region_code)
        return None if found is None else self.overlaid(found)

    def registered_for(self, kind: str, keys: Iterable[str], region_code: str,
                       on: datetime.date | None = None) -> Registration | None:
        """The registered item ``resolve_first`` starts from, not overlaid. Items with a
        ``start`` date: those in force on ``on`` (the latest start; without ``on``, the
        newest)."""
        keys = list(keys)
        for code in chain(region_code):
            for key in keys:
                candidates = _in_force([r for r in self._by_kind.get(kind, ()) if r.key == key
                                        and r.jurisdiction == code], on)
                if candidates:
                    return self._best(candidates, kind, key, code)
        return None

    def ancestors(self, reg: Registration) -> list[Registration]:
        """The registered items of ``reg``'s kind and key above its jurisdiction, most specific
        first: what it overrides."""
        out = []
        for code in chain(reg.jurisdiction)[1:]:
            candidates = _in_force([r for r in self._by_kind.get(reg.kind, ())
                                    if r.key == reg.key and r.jurisdiction == code], None)
            if candidates:
                out.append(self._best(candidates, reg.kind, reg.key, code))
        return out

    def overlaid(self, reg: Registration) -> Registration:
        """``reg`` with its item overlaid on what it overrides (cached)."""
        if reg.kind in CATALOGUE_KINDS:
            return reg
        cache_key = (reg.kind, reg.key, reg.jurisdiction)
        if cache_key not in self._composed:
            item, how = compose([reg, *self.ancestors(reg)])
            self._composed[cache_key] = attrs.evolve(reg, item=item, overlay=how)
        return self._composed[cache_key]

    def catalogue(self, kind: str, region_code: str = PROVINCE) -> dict[str, Registration]:
        """Entries of a catalogue kind in force in ``region_code``: every level on the chain
        contributes; a more specific level's entry replaces a same-coded one above it."""
        out: dict[str, Registration] = {}
        for code in reversed(chain(region_code)):
            level = [r for r in self._by_kind.get(kind, ()) if r.jurisdiction == code]
            for key in dict.fromkeys(r.key for r in level):
                out[key] = self._best([r for r in level if r.key == key], kind, key, code)
        return out

    def everything(self, kind: str) -> dict[str, Registration]:
        """Every entry of a catalogue kind from every jurisdiction, keyed ``jurisdiction:key``."""
        out = {}
        for reg in self._by_kind.get(kind, ()):
            out.setdefault(f"{reg.jurisdiction}:{reg.key}", reg)
        return out

    def conflicts(self) -> list[tuple[str, str, str, list[str]]]:
        """(kind, key, jurisdiction, plugins) for every claim with no priority between them."""
        found = []
        for kind, regs in sorted(self._by_kind.items()):
            groups: dict[tuple[str, str], list[Registration]] = defaultdict(list)
            for r in regs:
                groups[(r.key, r.jurisdiction)].append(r)
            for (key, where), group in sorted(groups.items()):
                top = max(r.rank for r in group)
                plugins = sorted({r.plugin for r in group if r.rank == top})
                if len(plugins) > 1:
                    found.append((kind, key, where, plugins))
        return found

    def parameter_sets(self) -> dict[str, tuple[str, Any]]:
        """Every parameter file referenced by a registered item: file -> (plugin, Parameters)."""
        out = {}
        for regs in self._by_kind.values():
            for r in regs:
                params = getattr(r.item, "parameters", None)
                if params is not None:
                    out.setdefault(params.file, (r.plugin, params))
        return out


def _in_force(regs: list[Registration], on: datetime.date | None) -> list[Registration]:
    """Of one level's items for one key, those of the latest ``start`` on or before ``on``."""
    def start(reg: Registration) -> datetime.date:
        return getattr(reg.item, "start", None) or datetime.date.min
    if on is not None:
        regs = [r for r in regs if start(r) <= on]
    latest = max((start(r) for r in regs), default=None)
    return [r for r in regs if start(r) == latest]


class CadrePlugins:
    """A built plugin manager: pluggy's manager, what each plugin is, and the rule book."""

    def __init__(self, pm: pluggy.PluginManager, infos: dict[str, PluginInfo], book: RuleBook):
        self.pm, self.infos, self.book = pm, infos, book
        #: Plugins left out because they failed to load (``keep_going``): name -> error.
        self.broken: dict[str, PluginError] = {}
        self.broken_sources: dict[str, str] = {}

    def require_complete(self) -> None:
        """Raise the load error of the first plugin that failed to load, if any: rules must not
        run with a plugin silently missing."""
        for name, error in self.broken.items():
            others = f" (and {len(self.broken) - 1} more)" if len(self.broken) > 1 else ""
            raise PluginError(error.plugin, error.hook, f"failed to load{others}, so nothing "
                              f"is evaluated: {error.problem}", error.fix + " `cadre plugins` "
                              "lists every plugin that failed to load.")

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def jurisdiction_of(self, plugin: str) -> str:
        return self.infos[plugin].jurisdiction

    def validate_record(self, kind: str, record: Any) -> list[str]:
        """All plugins' messages about one record; a plugin fault names the plugin."""
        validate = self.record_validator(kind)
        return [] if validate is None else list(validate(record))

    def record_validator(self, kind: str) -> Callable[[Any], Sequence[str]] | None:
        """A function giving the messages ``validate_record`` gives for one record of ``kind``
        (an empty tuple for none), made once for many records (``None`` when no plugin
        implements the hook for ``kind``: see ``record_kinds``). Inside ``plugin_time_limit()`` each plugin call costs only a
        note of who runs; elsewhere each call arms the time limit itself. The limit is read
        once, here."""
        hook = "validate_record"
        calls = [(impl.plugin_name, _hook_caller(impl.function, impl.argnames))
                 for impl in self.pm.hook.validate_record.get_hookimpls()
                 if kind in getattr(impl.function, "cadre_record_kinds", (kind,))]
        if not calls:
            return None
        seconds = _timeout()
        watch, get_ident, monotonic = _WATCH, threading.get_ident, time.monotonic

        def validate(record: Any) -> Sequence[str]:
            messages: list[str] = []
            armed = seconds > 0 and watch.depth and get_ident() == watch.owner
            for name, call in calls:
                try:
                    if armed:
                        if seconds < watch.interval:
                            outer = _enter_call(seconds, name, hook)
                        else:   # _enter_call, inlined: this runs for every row of a load
                            outer = watch.call
                            watch.call = (name, hook, seconds, monotonic() + seconds)
                        try:
                            got = call(kind, record)
                        finally:
                            watch.call = outer
                    else:
                        with _limited(seconds, name, hook):
                            got = call(kind, record)
                except PluginError:
                    raise
                except Exception as exc:  # a plugin's fault, whatever it is, names the plugin
                    raise PluginError(name, hook, f"raised {type(exc).__name__}: {exc}"
                                      f"{origin(exc)}",
                                      "fix the plugin, or remove it; nothing was written."
                                      ) from exc
                if got is None:
                    continue
                if not isinstance(got, (list, tuple)) or not all(isinstance(m, str) for m in got):
                    raise PluginError(name, hook,
                                      f"returned {type(got).__name__}, not a list of messages",
                                      "return None or a list of Chinese messages (str).")
                messages.extend(got)
            return messages or ()

        return validate


def _hook_caller(function: Callable, argnames: tuple[str, ...]) -> Callable[[str, Any], Any]:
    """``call(kind, record)`` passing a ``validate_record`` implementation the arguments it
    declares (pluggy's ``argnames``, in the function's order)."""
    names = tuple(argnames)
    if names == ("kind", "record"):
        return function  # called as function(kind, record), as pluggy would
    return lambda kind, record: function(**{n: {"kind": kind, "record": record}[n]
                                            for n in names})


def call_impl(impl: Any, hook: str, **kwargs: Any) -> Any:
    """Call one plugin's implementation of a hook, naming the plugin if it fails."""
    try:
        with _limited(_timeout(), impl.plugin_name, hook):
            return impl.function(**{k: kwargs[k] for k in impl.argnames})
    except PluginError:
        raise
    except Exception as exc:  # a plugin's fault, whatever it is, must name the plugin
        raise PluginError(impl.plugin_name, hook, f"raised {type(exc).__name__}: {exc}"
                          f"{origin(exc)}",
                          "fix the plugin, or remove it; nothing was written.") from exc


def _load_module_file(path: Path) -> ModuleType:
    name = f"cadre_plugins_dir.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise PluginError(path.stem, "import", f"{path} failed to import: "
                          f"{type(exc).__name__}: {exc}{origin(exc)}",
                          "fix the module or remove it from the plugins directory.") from exc
    return module


def _version_of(module: Any) -> str:
    version = getattr(module, "__version__", None)
    if version:
        return str(version)
    top = getattr(module, "__name__", "").split(".")[0]
    if not top:  # an object registered in code: no module, no distribution
        return "-"
    try:
        return importlib.metadata.version(top.replace("_", "-"))
    except importlib.metadata.PackageNotFoundError:
        return "-"


def get_plugin_manager(
    *,
    plugins: Iterable[Any] = (),
    plugins_dir: str | os.PathLike | None = None,
    entry_points: bool = True,
    defaults: bool = True,
    keep_going: bool = False,
) -> CadrePlugins:
    """Build a plugin manager and its rule book.

    ``plugins`` are modules or objects registered in code (tests, embedding); ``plugins_dir``
    (default: the ``CADRE_PLUGINS_DIR`` environment variable) is a folder of ``*.py`` plugin
    modules; ``entry_points`` loads installed packages of the ``cadre_sdk`` group.

    A plugin that fails to load (import, hook names, jurisdiction, registration) raises its
    ``PluginError``; with ``keep_going`` it is left out instead and its error kept in
    ``CadrePlugins.broken`` (the CLI lists it and refuses to evaluate).
    """
    pm = pluggy.PluginManager("cadre_sdk")
    pm.add_hookspecs(hookspecs)
    sources: dict[str, tuple[str, str, bool]] = {}
    broken: dict[str, tuple[str, PluginError]] = {}

    def fail(name: str, source: str, error: PluginError) -> None:
        if not keep_going:
            raise error
        broken[name] = (source, error)
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)

    def add(plugin: Any, name: str, source: str, version: str, builtin: bool = False) -> None:
        if pm.get_plugin(name) is not None or name in sources:
            raise PluginError(name, "load", f"a plugin named {name!r} is already registered "
                              f"({sources[name][0] if name in sources else 'by pluggy'})",
                              "rename the module or uninstall the duplicate package.")
        if pm.is_registered(plugin):
            raise PluginError(name, "load", "this plugin object is already registered "
                              "under another name")
        pm.register(plugin, name=name)
        sources[name] = (source, version, builtin)

    if defaults:
        for modname in DEFAULT_PLUGINS:
            module = importlib.import_module(modname)
            add(module, modname, "built-in", _version_of(module), True)
    if entry_points:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
            except Exception as exc:
                error = PluginError(ep.name, "import", f"entry point {ep.value!r} failed to "
                                    f"import: {type(exc).__name__}: {exc}{origin(exc)}",
                                    f"fix or uninstall the package "
                                    f"{ep.dist.name if ep.dist else ep.name}.")
                error.__cause__ = exc
                fail(ep.name, "entry point", error)
                continue
            version = ep.dist.version if ep.dist else _version_of(obj)
            add(obj, ep.name, "entry point", version)
    folder = plugins_dir if plugins_dir is not None else os.environ.get(PLUGINS_DIR_ENV)
    if folder:
        path = Path(folder)
        if not path.is_dir():
            raise PluginError(str(path), "load", "plugins directory does not exist",
                              f"create it or unset {PLUGINS_DIR_ENV}.")
        for file in sorted(path.glob("*.py")):
            if file.name.startswith("_"):
                continue
            try:
                module = _load_module_file(file)
            except PluginError as error:
                fail(file.stem, "plugins dir", error)
                continue
            add(module, file.stem, "plugins dir", "-")
    for obj in plugins:
        name = getattr(obj, "__name__", None) or type(obj).__name__
        add(obj, name, "registered in code", _version_of(obj))

    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or "?"
            error = PluginError(name, "load", str(exc), "check the hook's name against "
                                "cadre_sdk.hookspecs (`cadre plugins --hooks` lists them).")
            error.__cause__ = exc
            fail(name, sources.get(name, ("?",))[0], error)

    jurisdictions: dict[str, str] = {}
    for impl in pm.hook.cadre_jurisdiction.get_hookimpls():
        try:
            jurisdictions[impl.plugin_name] = _jurisdiction_of(impl)
        except PluginError as error:
            fail(impl.plugin_name, sources[impl.plugin_name][0], error)

    book = RuleBook()
    for hook, accepts in REGISTRATION_HOOKS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():
            name = impl.plugin_name
            if name in broken:
                continue
            registrar = Registrar(book, name, jurisdictions.get(name, PROVINCE), hook, accepts,
                                  sources[name][2])
            try:
                got = call_impl(impl, hook, register=registrar)
                if got is not None:
                    raise PluginError(name, hook, f"returned {type(got).__name__}",
                                      "registration hooks return nothing: call register(item).")
            except PluginError as error:
                fail(name, sources[name][0], error)
                book.discard(name)

    infos = {}
    for name, plugin in pm.list_name_plugin():
        source, version, builtin = sources[name]
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(plugin) or ()))
        infos[name] = PluginInfo(name, version, jurisdictions.get(name, PROVINCE), hooks,
                                 source, builtin)
    plugins_ = CadrePlugins(pm, infos, book)
    plugins_.broken = {name: error for name, (_, error) in broken.items()}
    plugins_.broken_sources = {name: source for name, (source, _) in broken.items()}
    return plugins_


def _jurisdiction_of(impl: Any) -> str:
    """A plugin's ``cadre_jurisdiction``, checked: 6 digits, and a division of the province."""
    from .divisions import unknown_message

    code = call_impl(impl, "cadre_jurisdiction")
    if not isinstance(code, str) or not is_code(code) or len(code) != 6:
        raise PluginError(impl.plugin_name, "cadre_jurisdiction",
                          f"returned {code!r}, not a 6-digit GB/T 2260 code",
                          "return a string such as '632800'.")
    problem = unknown_message(code)
    if problem:
        raise PluginError(impl.plugin_name, "cadre_jurisdiction", f"returned {code!r}: {problem}",
                          "return the code of the prefecture or county the plugin serves.")
    return code


#: Seconds one call into a plugin may run before it is stopped (``CADRE_PLUGIN_TIMEOUT``).
DEFAULT_TIMEOUT = 30.0


def _timeout() -> float:
    try:
        return float(os.environ.get("CADRE_PLUGIN_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT


class _Watch:
    """The plugin time limit's state: how deeply the watchdog is armed and by which thread, the
    handler it replaced, how long it sleeps between looks, and the plugin call in progress as
    ``(plugin, hook, limit, deadline)`` (``None`` between calls)."""

    __slots__ = ("depth", "owner", "previous", "interval", "call")

    def __init__(self) -> None:
        self.depth, self.owner, self.previous, self.interval = 0, 0, None, 0.0
        self.call: tuple[str, str, float, float] | None = None


_WATCH = _Watch()


def _on_alarm(signum: int, frame: Any) -> None:
    """The watchdog's SIGALRM handler: stop the call in progress if it has run past its limit,
    otherwise sleep until the earliest moment a call could have."""
    call = _WATCH.call
    left = _WATCH.interval if call is None else call[3] - time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, left if left > 0 else _WATCH.interval)
    if call is not None and left <= 0:
        plugin, hook, limit, _ = call
        raise PluginError(plugin, hook, f"ran past the time limit of {limit:g} s",
                          "make it faster, raise CADRE_PLUGIN_TIMEOUT, or remove the plugin; "
                          "nothing was written.")


@contextlib.contextmanager
def plugin_time_limit() -> Iterator[bool]:
    """Arm the plugin watchdog around many plugin calls (a batch of rows, an engine's loop).

    SIGALRM's handler is installed and the timer started once; each plugin call inside
    (``call_impl``, ``call_rule``, ``CadrePlugins.record_validator``) only notes which plugin
    and hook it runs and its deadline. A call running past ``CADRE_PLUGIN_TIMEOUT`` seconds is
    stopped with a ``PluginError`` naming the plugin and the hook, exactly as outside a block.
    Yields whether the watchdog runs (main thread, a limit above 0). Blocks nest.
    """
    if _WATCH.depth:
        if threading.get_ident() != _WATCH.owner:
            yield False
            return
        _WATCH.depth += 1
        try:
            yield True
        finally:
            _WATCH.depth -= 1
        return
    limit = _timeout()
    if limit <= 0 or not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield False
        return
    _WATCH.previous = signal.signal(signal.SIGALRM, _on_alarm)
    _WATCH.depth, _WATCH.owner, _WATCH.interval, _WATCH.call = 1, threading.get_ident(), limit, None
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, _WATCH.previous)
        _WATCH.depth, _WATCH.call, _WATCH.previous = 0, None, None


def _enter_call(seconds: float, plugin: str, hook: str) -> tuple | None:
    """Note a plugin call under an armed watchdog; returns the call it interrupts (to give
    back to ``_WATCH.call`` when it ends)."""
    if seconds < _WATCH.interval:   # the watchdog must look sooner than it planned to
        _WATCH.interval = seconds
        left = signal.getitimer(signal.ITIMER_REAL)[0]
        if not 0 < left <= seconds:
            signal.setitimer(signal.ITIMER_REAL, seconds)
    outer = _WATCH.call
    _WATCH.call = (plugin, hook, seconds, time.monotonic() + seconds)
    return outer


@contextlib.contextmanager
def _limited(seconds: float, plugin: str, hook: str) -> Iterator[None]:
    """Run one plugin call under a time limit of ``seconds`` (none if ``<= 0``): cheap inside
    ``plugin_time_limit()``; elsewhere the watchdog is armed for this call alone."""
    if seconds <= 0:
        yield
        return
    if not _WATCH.depth:
        with plugin_time_limit() as watched:
            if not watched:
                yield
                return
            yield from _watched_call(seconds, plugin, hook)
        return
    if threading.get_ident() != _WATCH.owner:
        yield
        return
    yield from _watched_call(seconds, plugin, hook)


def _watched_call(seconds: float, plugin: str, hook: str) -> Iterator[None]:
    """The body of ``_limited`` once the watchdog runs: this call's deadline, then the
    enclosing call's again (a plain generator: ``yield from`` it)."""
    outer = _enter_call(seconds, plugin, hook)
    try:
        yield
    finally:
        _WATCH.call = outer


_READ_ACTIONS = frozenset({sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
                           sqlite3.SQLITE_RECURSIVE})


def _read_only(action: int, *args: Any) -> int:
    return sqlite3.SQLITE_OK if action in _READ_ACTIONS else sqlite3.SQLITE_DENY


def call_rule(reg: Registration, function: Any, *args: Any, returns: type | tuple | None = None,
              subject: str = "", conn: sqlite3.Connection | None = None) -> Any:
    """Call a registered rule's function (e.g. ``reg.item.compute``) for one subject.

    A fault of the plugin's code becomes a ``PluginError`` naming the plugin and the rule; so
    does running past the time limit, and returning the wrong type when ``returns`` is given.
    ``subject`` (e.g. ``"cadre C1, month 2024-01"``) says in the message what the call was for.
    ``conn``: the rule runs SQL on this connection; it may only read (an authorizer refuses
    writes, transactions, ATTACH and PRAGMA: a rule cannot change or commit stored data), and
    the time limit stops the SQL too (a signal cannot interrupt SQLite, so a progress handler
    checks the clock).
    """
    hook = f"{reg.hook} ({reg.kind} {reg.key!r})"
    where = f" ({subject})" if subject else ""
    limit = _timeout()
    deadline = time.monotonic() + limit
    sql_limit = conn is not None and limit > 0
    if sql_limit:
        conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    if conn is not None:
        conn.set_authorizer(_read_only)
    try:
        # For SQL the progress handler keeps time: an alarm would fire inside its callback.
        with _limited(0 if sql_limit else limit, reg.plugin, hook):
            got = function(*args)
    except Exception as exc:
        if sql_limit and time.monotonic() > deadline:  # SQLite reports only "interrupted"
            raise PluginError(reg.plugin, hook, f"ran past the time limit of {limit:g} s{where}",
                              "make it faster, raise CADRE_PLUGIN_TIMEOUT, or remove the "
                              "plugin; nothing was written.") from exc
        if isinstance(exc, PluginError):
            raise
        raise PluginError(reg.plugin, hook, f"raised {type(exc).__name__}: {exc}{origin(exc)}"
                          f"{where}",
                          "fix the rule, or remove the plugin; nothing was written.") from exc
    finally:
        if sql_limit:
            conn.set_progress_handler(None, 0)
        if conn is not None:
            conn.set_authorizer(None)
    if returns is not None and not isinstance(got, returns) or isinstance(got, bool) and \
            returns in (int, float, (int, float)):
        want = returns.__name__ if isinstance(returns, type) else \
            " or ".join(t.__name__ for t in returns)
        raise PluginError(reg.plugin, hook, f"returned {type(got).__name__} {got!r:.60}, "
                          f"expected {want}{where}", "return the type cadre_sdk.rules documents "
                          "for this rule, or remove the plugin; nothing was written.")
    return got
