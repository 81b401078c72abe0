"""The plugin manager: discovery, registration, and jurisdiction resolution of rules.

No global manager: ``get_plugin_manager()`` builds one per CLI invocation or test, from the
built-in default plugins, installed packages (entry-point group ``cadre_sdk``), a plugins
directory and plugins passed in code.
"""
from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pluggy

from cadre_sdk import hookspecs
from cadre_sdk.core.errors import PluginError
from cadre_sdk.core.jurisdiction import PROVINCE, is_code
from cadre_sdk.core.tracebacks import origin, where_defined
from cadre_sdk.plugin_host.rule_book import REGISTRATION_HOOKS, Registrar, RuleBook
from cadre_sdk.plugin_host.watchdog import (
    _WATCH, _enter_call, _hook_caller, _limited, _timeout, call_impl,
)

#: A plugin's message about a record: the field it is about (``None``: the record) and the text.
Problem = tuple["str | None", str]


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


@attrs.frozen
class PluginInfo:
    """What ``cadre plugins`` lists about one plugin."""

    name: str
    version: str
    jurisdiction: str
    hooks: tuple[str, ...]
    source: str          # "built-in", "entry point", "plugins dir", "registered in code"
    builtin: bool = False


class CadrePlugins:
    """A built plugin manager: pluggy's manager, what each plugin is, and the rule book."""

    def __init__(self, pm: pluggy.PluginManager, infos: dict[str, PluginInfo], book: RuleBook):
        self.pm, self.infos, self.book = pm, infos, book
        #: Plugins left out because they failed to load (``keep_going``): name -> error.
        self.broken: dict[str, PluginError] = {}
        self.broken_sources: dict[str, str] = {}
        #: What a plugin author should know although the plugin loaded (e.g. a function named
        #: like a hook without ``@hookimpl``, never called), for ``cadre plugins`` and
        #: ``cadre rules check``.
        self.warnings: list[str] = []

    def require_complete(self) -> None:
        """Raise the load error of the first plugin that failed to load, if any: rules must not
        run with a plugin silently missing."""
        for name, error in self.broken.items():
            others = f" (and {len(self.broken) - 1} more)" if len(self.broken) > 1 else ""
            raise PluginError(error.plugin, error.hook, f"failed to load{others}, so nothing "
                              f"is evaluated: {error.problem}", error.fix + " `cadre plugins` "
                              "lists every plugin that failed to load.")

    def mark_broken(self, name: str, error: PluginError) -> None:
        """Keep ``name`` as failed to load after it was registered (its commands failed): its
        rules and hooks are dropped, ``require_complete`` refuses to run rules without it."""
        self.broken[name] = error
        self.broken_sources[name] = self.infos[name].source if name in self.infos else "?"
        self.infos.pop(name, None)
        self.book.discard(name)
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)

    @property
    def hook(self) -> Any:
        return self.pm.hook

    def jurisdiction_of(self, plugin: str) -> str:
        return self.infos[plugin].jurisdiction

    def validate_record(self, kind: str, record: Any) -> list[str]:
        """All plugins' messages about one record (``validate_record``'s, then
        ``validate_records``' about it as a batch of one); a plugin fault names the plugin."""
        return [message for _field, message in self.record_problems(kind, record)]

    def record_problems(self, kind: str, record: Any) -> list[Problem]:
        """``validate_record``'s answer with the fields: all plugins' ``(field, message)``
        pairs about one record (``field``: the record's field name a message is about, or
        ``None``)."""
        validate = self.record_validator(kind)
        problems = [] if validate is None else list(validate(record))
        validate_batch = self.batch_validator(kind)
        if validate_batch is not None:
            values = (attrs.asdict(record, recurse=False) if attrs.has(type(record))
                      else dict(vars(record)))
            said = validate_batch({name: [value] for name, value in values.items()}, 1)
            problems.extend(said.get(0, ()))
        return problems

    def batch_validator(self, kind: str
                        ) -> Callable[[dict[str, list], int], dict[int, list[Problem]]] | None:
        """A function giving, for a batch of ``n`` records of ``kind`` as columns (field name
        -> values), the ``(field, message)`` pairs ``validate_records`` gives (``field``:
        ``None`` for a ``(row, message)`` answer), by row position (only rows with messages);
        ``None`` when no plugin implements the hook for ``kind``. One call per plugin and
        batch, each under the plugin time limit."""
        hook = "validate_records"
        impls = [impl for impl in self.pm.hook.validate_records.get_hookimpls()
                 if kind in getattr(impl.function, "cadre_record_kinds", (kind,))]
        if not impls:
            return None

        def validate(columns: dict[str, list], n: int) -> dict[int, list[Problem]]:
            by_row: dict[int, list[Problem]] = {}
            for impl in impls:
                got = call_impl(impl, hook, kind=kind, columns=columns)
                if got is None:
                    continue
                bad = _bad_answer(got, n, columns)
                if bad:
                    raise PluginError(impl.plugin_name, hook,
                                      f"returned {bad}{where_defined(impl.function)}",
                                      "return None or a list of (row position from 0, Chinese "
                                      "message) or (row, field name, Chinese message) tuples.")
                for item in got:
                    by_row.setdefault(item[0], []).append(
                        (item[1], item[2]) if len(item) == 3 else (None, item[1]))
            return by_row

        return validate

    def record_validator(self, kind: str) -> Callable[[Any], Sequence[str]] | None:
        """A function giving the messages ``validate_record`` gives for one record of ``kind``
        (an empty tuple for none), made once for many records (``None`` when no plugin
        implements the hook for ``kind``: see ``record_kinds``). Inside ``plugin_time_limit()``
        each plugin call costs only a
        note of who runs; elsewhere each call arms the time limit itself. The limit is read
        once, here."""
        hook = "validate_record"
        calls = [(impl.plugin_name, _hook_caller(impl.function, impl.argnames), impl.function)
                 for impl in self.pm.hook.validate_record.get_hookimpls()
                 if kind in getattr(impl.function, "cadre_record_kinds", (kind,))]
        if not calls:
            return None
        seconds = _timeout()
        watch, get_ident, monotonic = _WATCH, threading.get_ident, time.monotonic
        fields = _field_names(kind)

        def validate(record: Any) -> Sequence[Problem]:
            messages: list[Problem] = []
            armed = seconds > 0 and watch.depth and get_ident() == watch.owner
            for name, call, function in calls:
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
                bad = _bad_messages(got, fields)
                if bad:
                    raise PluginError(name, hook, f"returned {bad}{where_defined(function)}",
                                      "return None or a list of Chinese messages (str) or "
                                      "(field name, Chinese message) tuples.")
                messages.extend((None, m) if isinstance(m, str) else m for m in got)
            return messages or ()

        return validate


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
    return _distribution_version(top.replace("_", "-"))


@functools.cache
def _distribution_version(name: str) -> str:
    """The installed distribution's version, or ``-``: looked up once per name (each lookup
    scans every distribution on the path; the built-in plugins all ask for cadre-sdk's)."""
    try:
        return importlib.metadata.version(name)
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
    seen: dict[str, str] = {}   # name -> where the plugin of that name came from, for clashes

    def fail(name: str, source: str, error: PluginError) -> None:
        if not keep_going:
            raise error
        broken[name] = (source, error)
        if pm.get_plugin(name) is not None:
            pm.unregister(name=name)

    def add(plugin: Any, name: str, source: str, version: str, builtin: bool = False,
            described: str = "") -> None:
        """Register ``plugin``; a name already taken or a hook whose arguments the hook does
        not pass is a ``PluginError`` (kept by ``fail`` under ``keep_going``)."""
        described = described or source
        if pm.get_plugin(name) is not None or name in sources or name in broken:
            first = seen.get(name) or "a plugin that failed to load"
            raise PluginError(name, "load", f"a plugin named {name!r} is already registered "
                              f"(by {first}; again by {described}): neither is used",
                              "uninstall one of them, or rename one entry point (or module).")
        if pm.is_registered(plugin):
            raise PluginError(name, "load", "this plugin object is already registered "
                              "under another name")
        try:
            pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            error = _argument_error(name, plugin, exc)
            error.__cause__ = exc
            raise error from exc
        sources[name] = (source, version, builtin)
        seen[name] = described

    def add_or_fail(plugin: Any, name: str, source: str, version: str, described: str) -> None:
        """``add``; under ``keep_going`` a plugin that cannot be registered is kept as broken,
        and so is the one whose name it repeats (never a silent choice between the two),
        unless that one is built in."""
        try:
            add(plugin, name, source, version, described=described)
        except PluginError as error:
            if name in sources and sources[name][2]:
                raise
            fail(name, sources.get(name, (source,))[0], error)
            sources.pop(name, None)

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
            dist = f"package {ep.dist.name} " if ep.dist else ""
            add_or_fail(obj, ep.name, "entry point", version,
                        f"{dist}(entry point {ep.name} = {ep.value!r})")
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
            add_or_fail(module, file.stem, "plugins dir", "-", f"plugins dir file {file}")
    for obj in plugins:
        name = getattr(obj, "__name__", None) or type(obj).__name__
        add_or_fail(obj, name, "registered in code", _version_of(obj), "code")

    while True:
        try:
            pm.check_pending()
            break
        except pluggy.PluginValidationError as exc:
            name = pm.get_name(exc.plugin) or "?"
            error = _unknown_hook_error(name, exc)
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
    plugins_.warnings = [w for name, plugin in pm.list_name_plugin() if not sources[name][2]
                         for w in _unmarked_hooks(name, plugin)]
    plugins_.broken = {name: error for name, (_, error) in broken.items()}
    plugins_.broken_sources = {name: source for name, (source, _) in broken.items()}
    return plugins_


def _jurisdiction_of(impl: Any) -> str:
    """A plugin's ``cadre_jurisdiction``, checked: 6 digits, and a division of the province."""
    from cadre_sdk.core.divisions import unknown_message

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


#: The attributes pluggy's markers put on a hook specification and an implementation.
_SPEC_MARK = hookspecs.hookspec.project_name + "_spec"
_IMPL_MARK = hookspecs.hookimpl.project_name + "_impl"


@functools.cache
def hook_names() -> list[str]:
    """The hooks ``cadre_sdk.hookspecs`` declares."""
    return sorted(n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), _SPEC_MARK))


def _impls(plugin: Any) -> dict[str, Any]:
    """The plugin's functions marked ``@hookimpl``, by name."""
    out = {}
    for attr in dir(plugin):
        try:
            value = getattr(plugin, attr)
        except Exception:  # a property that fails: not a hook
            continue
        if callable(value) and hasattr(value, _IMPL_MARK):
            out[attr] = value
    return out


def _arguments(function: Any) -> list[str]:
    try:
        return [p.name for p in inspect.signature(function).parameters.values()
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    except (TypeError, ValueError):
        return []


def _argument_error(name: str, plugin: Any, exc: Exception) -> PluginError:
    """A hook implementation declaring arguments its hook does not pass (pluggy refuses to
    register it), named with its file and line and the hook's real arguments."""
    for hook, function in sorted(_impls(plugin).items()):
        spec = getattr(hookspecs, hook, None)
        if spec is None:
            continue
        wanted, declared = _arguments(spec), _arguments(function)
        extra = [a for a in declared if a not in wanted]
        if extra:
            listed = ", ".join(repr(a) for a in extra)
            return PluginError(name, hook, f"{hook}({', '.join(declared)}){where_defined(function)} "
                               f"declares {listed}, which the hook does not pass",
                               f"write it as def {hook}({', '.join(wanted)}) (docs/hooks.md).")
    return PluginError(name, "load", str(exc), "check the hook against cadre_sdk.hookspecs "
                       "(docs/hooks.md).")


def _unknown_hook_error(name: str, exc: Exception) -> PluginError:
    """A function marked ``@hookimpl`` whose name is no hook: its file, line and the nearest
    hook name."""
    known = hook_names()
    for attr, function in sorted(_impls(getattr(exc, "plugin", None)).items()):
        if attr not in known:
            near = difflib.get_close_matches(attr, known, n=1)
            hint = f"did you mean {near[0]!r}? " if near else ""
            return PluginError(name, "load", f"unknown hook {attr!r}{where_defined(function)}",
                               f"{hint}Hook names are listed by `cadre plugins --hooks` "
                               "(docs/hooks.md).")
    return PluginError(name, "load", str(exc), "check the hook's name against "
                       "cadre_sdk.hookspecs (`cadre plugins --hooks` lists them).")


def _unmarked_hooks(name: str, plugin: Any) -> list[str]:
    """Functions of a plugin named like a hook but not marked ``@hookimpl``: pluggy never calls
    them, so what they register is silently missing."""
    out = []
    for hook in hook_names():
        function = getattr(plugin, hook, None)
        if callable(function) and not hasattr(function, _IMPL_MARK) \
                and not hasattr(function, _SPEC_MARK):
            out.append(f"plugin {name!r}: {hook}{where_defined(function)} is not marked "
                       "@hookimpl, so it is never called. Fix: put @hookimpl (from cadre_sdk) "
                       "on the line above it.")
    return out


def _field_names(kind: str) -> frozenset[str] | None:
    """The field names of ``kind``'s record; ``None`` for a kind no record declares."""
    from cadre_sdk.records import RECORD_TYPES

    cls = RECORD_TYPES.get(kind)
    return None if cls is None else frozenset(attrs.fields_dict(cls))


def _bad_field(field: Any, fields: Iterable[str] | None, item: Any) -> str:
    """What is wrong with the field an item names ("" if nothing)."""
    if not isinstance(field, str):
        return f"{item!r:.60}: the field is {type(field).__name__}, not a field name (str)"
    if fields is not None and field not in fields:
        near = difflib.get_close_matches(field, sorted(fields), n=1)
        return (f"{item!r:.60}: {field!r} is not a field of the record"
                f"{f' (did you mean {near[0]!r}?)' if near else ''}")
    return ""


def _bad_messages(got: Any, fields: frozenset[str] | None) -> str:
    """What is wrong with a ``validate_record`` answer ("" if nothing): its type, or its first
    item that is neither a message nor a (field, message) pair."""
    if not isinstance(got, (list, tuple)):
        return f"{type(got).__name__}, not a list of messages"
    for item in got:
        if isinstance(item, str):
            continue
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str)):
            return f"{item!r:.60}, not a message (str) nor a (field, message) pair"
        bad = _bad_field(item[0], fields, item)
        if bad:
            return bad
    return ""


def _bad_answer(got: Any, n: int, columns: Iterable[str]) -> str:
    """What is wrong with a ``validate_records`` answer for a batch of ``n`` rows ("" if
    nothing): the answer's type, or its first entry that is not a (row, message) or (row,
    field, message) tuple of the batch and its columns."""
    if not isinstance(got, (list, tuple)):
        return f"{type(got).__name__}, not a list of (row, message) pairs"
    for item in got:
        if not (isinstance(item, tuple) and len(item) in (2, 3) and isinstance(item[-1], str)
                and type(item[0]) is int):
            return (f"{item!r:.60}, not a (row, message) pair nor a (row, field, message) "
                    "triple (an int, a str and a str)")
        if not 0 <= item[0] < n:
            return (f"{item!r:.60}: row {item[0]} is not a position in the batch of {n} "
                    f"row{'s' if n != 1 else ''} (0 to {n - 1})")
        if len(item) == 3:
            bad = _bad_field(item[1], columns, item)
            if bad:
                return bad
    return ""
