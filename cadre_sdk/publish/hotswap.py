"""Serving the publication a version at a time, and switching to a republished one between
requests (``cadre serve`` without a restart).

``cadre publish OUT`` writes the new file beside ``OUT`` and moves it into place
(``os.replace``), then its metadata. The server never serves ``OUT`` itself: it serves a hard
link to it in its own folder (``.OUT.serving/<pid>-<sha>/OUT``), so a republish never changes
the file under it. Before answering a request, the server looks at ``OUT`` and its metadata
(two ``stat`` calls); when either is new and the file's SHA-256 is the one its metadata
records, it links the new file, builds a Datasette on it, and answers this and every later
request from it: requests already running finish on the old version, and when the last one
has finished the old version's connections are closed and its link removed (the last name of
the old file: it is gone). A half-finished publish (file moved, metadata not yet) fails the
check and is tried again when the metadata arrives; until then the old version answers.

Each version keeps the pages readers ask for (``page_cache``: anonymous readers, and logged-in
readers sharing an entry when they may see the same), rendered once.
Every answer names its version: the header ``X-Cadre-Sha256`` (and ``X-Cadre-Built-At``),
and the page footer. Each worker process of ``cadre serve --workers N`` checks for itself,
so a request sent after a publish has finished is answered from the new file by any worker.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from cadre_sdk.core.errors import CadreError
from cadre_sdk.publish import metadata as md
from cadre_sdk.publish.page_cache import PageCache

SHA_HEADER = b"x-cadre-sha256"
#: How often a server with no requests looks for a republished file.
WATCH_SECONDS = 1.0
BUILT_HEADER = b"x-cadre-built-at"


def serving_folder(out: Path) -> Path:
    """The folder where the servers of ``out`` keep the links to the versions they serve."""
    return out.with_name(f".{out.name}.serving")


def _identity(out: Path) -> tuple[int, ...] | None:
    """What changes when ``out`` or its metadata is replaced (None while either is missing)."""
    try:
        a, b = out.stat(), md.sidecar(out).stat()
    except OSError:
        return None
    return (a.st_ino, a.st_size, a.st_mtime_ns, b.st_ino, b.st_size, b.st_mtime_ns)


def _link(out: Path, folder: Path) -> Path:
    """A new name for the file ``out`` is now, inside ``folder`` (a copy where the file system
    has no hard links), with its metadata copied beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / out.name
    try:
        os.link(out, target)
    except OSError:
        shutil.copy2(out, target)
    shutil.copy2(md.sidecar(out), md.sidecar(target))
    return target


def remove_stale(out: Path) -> None:
    """Remove the links left by servers of ``out`` that are no longer running."""
    root = serving_folder(out)
    if not root.is_dir():
        return
    for folder in root.iterdir():
        pid = folder.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` is running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Version:
    """One published file as served: its Datasette, its app and the requests it is answering."""

    def __init__(self, ds: Datasette, link: Path, identity: tuple[int, ...] | None) -> None:
        own = ds.plugin_config(md.PLUGIN_KEY) or {}
        self.ds, self.link, self.identity = ds, link, identity
        self.sha256: str = own.get("sha256", "")
        self.built_at: str = own.get("built_at", "")
        self.cache = PageCache(ds.app(), ds)
        self.app = self.cache
        self.database: str = own.get("database", "")
        self.tables: list[str] = list(own.get("table_titles", {}))
        self.running = 0
        self.retired = False
        self.closed = False
        self.headers = [(SHA_HEADER, self.sha256.encode()),
                        (BUILT_HEADER, self.built_at.encode())]

    def start_warming(self, host: str | None) -> None:
        """Render the home page, the database page and every table page in the background,
        as asked of ``host`` (``127.0.0.1:8001``; None: not at all)."""
        if not host:
            return
        paths = ["/", f"/{self.database}", *(f"/{self.database}/{t}" for t in self.tables)]
        self.warming = asyncio.get_running_loop().create_task(self._warm(paths, host))

    async def _warm(self, paths: list[str], host: str) -> None:
        """Render ``paths`` one by one, each counted as a running request (the version is
        not closed under it); stop once the version is retired."""
        for path in paths:
            if self.retired:
                return
            self.running += 1
            try:
                await self.cache.warm([path], host)
            finally:
                self.finished()

    def finished(self) -> None:
        """One request done: close a retired version when its last request is done."""
        self.running -= 1
        if self.retired and self.running == 0:
            self.close()

    def close(self) -> None:
        """Close the file's connections and remove its link (the old file goes with it)."""
        if self.closed:
            return
        self.closed = True
        for db in self.ds.databases.values():
            with contextlib.suppress(Exception):
                db.close()
        if self.ds.executor is not None:
            self.ds.executor.shutdown(wait=False)
        shutil.rmtree(self.link.parent, ignore_errors=True)


class SwappingApp:
    """The ASGI app ``cadre serve`` runs: the current version of ``out``, switched between
    requests when a republish has finished (see the module docstring).

    ``make(path, verify)`` builds the Datasette for the file at ``path`` (checking its SHA-256
    against its metadata when ``verify``); it raises ``CadreError`` for a file it refuses.
    ``host`` (``127.0.0.1:8001``) is the address readers use, for rendering pages ahead.
    """

    def __init__(self, out: Path, make: Callable[[Path, bool], Datasette], *,
                 verify: bool = True, host: str | None = None) -> None:
        self.out = Path(out).resolve()
        self.host = host
        self.make = make
        self.root = serving_folder(self.out)
        remove_stale(self.out)
        self.current = self._open(verify=verify)
        self._refused: tuple[int, ...] | None = None
        self._lock = asyncio.Lock()

    def _open(self, *, verify: bool) -> Version:
        """Link the file ``out`` is now and build its version (raises ``CadreError``)."""
        identity = _identity(self.out)
        folder = self.root / f"{os.getpid()}-{os.urandom(6).hex()}"
        try:
            link = _link(self.out, folder)
            return Version(self.make(link, verify), link, identity)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    async def _switch_if_republished(self) -> None:
        """Switch to a republished file, if one has finished since the last request."""
        identity = _identity(self.out)
        if identity is None or identity == self.current.identity or identity == self._refused:
            return
        async with self._lock:
            identity = _identity(self.out)
            if identity is None or identity in (self.current.identity, self._refused):
                return
            try:
                version = await asyncio.to_thread(self._open, verify=True)
            except (CadreError, OSError):
                # Not (yet) a finished publication: the metadata follows the file within
                # moments; until it does, or for a file that fails its check, keep the old.
                self._refused = identity
                return
            old, self.current = self.current, version
            version.start_warming(self.host)
            old.retired = True
            if old.running == 0:
                old.close()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        """Answer one ASGI request from the current version, naming it in the headers."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "http":
            await self._switch_if_republished()
        version = self.current
        version.running += 1

        async def send_named(message: dict) -> None:
            if message["type"] == "http.response.start":
                message = dict(message, headers=[*message.get("headers", []),
                                                 *version.headers])
            await send(message)

        try:
            await version.app(scope, receive, send_named)
        finally:
            version.finished()

    async def _watch(self) -> None:
        """Look for a republished file every ``WATCH_SECONDS`` even when no request comes (a
        worker whose readers all went to another one must let the old file go too)."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            await self._switch_if_republished()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        """Start-up and shut-down: on shut-down the links this server made are removed."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.current.ds.invoke_startup()
                self.current.start_warming(self.host)
                self._watcher = asyncio.get_running_loop().create_task(self._watch())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._watcher.cancel()
                self.current.retired = True   # closed now, or when its last page is done
                if self.current.running == 0:
                    self.current.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
