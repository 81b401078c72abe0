"""The Datasette instance ``cadre serve`` runs: the publication as an immutable database, its
metadata, cadre-sdk's Datasette plugin, read-only settings and, at oversight level, a login.

The oversight login uses datasette-auth-passwords: the administrator makes a password hash
with ``datasette hash-password`` (installed with cadre-sdk), and puts it in the environment
variable ``CADRE_OVERSIGHT_PASSWORD_HASH`` (or the one ``--password-hash-env`` names) of the
``cadre serve`` process; the account name is ``oversight`` unless ``--user`` says otherwise.
The hash never goes into a file: the metadata names the variable (``{"$env": ...}``).

``cadre serve --workers N`` runs N uvicorn worker processes on the one (immutable) file: the
parent checks the file and the settings once, then each worker builds its own Datasette
(``worker_app``); they share one secret, so a login or a form made by one is valid on all.
What each serves is a ``hotswap.SwappingApp``: a republished file is served from the next
request on, without a restart. At oversight level a ``login.LoginGuard`` limits failed logins
and keeps sessions server-side (``sessions.SessionStore``, one file shared by the workers).
The password hash is checked before anything listens (``check_password_hash``).
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from datasette.app import Datasette
from datasette.utils import to_css_class

from cadre_sdk.core.errors import CadreError
from cadre_sdk.store.database import sha256_file
from cadre_sdk.publish import metadata as md
from cadre_sdk.publish import pages
from cadre_sdk.publish.hotswap import SwappingApp
from cadre_sdk.publish.login import LoginGuard
from cadre_sdk.publish.queries import MAX_PAGE_ROWS
from cadre_sdk.publish.redact import OVERSIGHT
from cadre_sdk.publish.serve_defaults import (  # noqa: F401  (named here too, as before)
    DEFAULT_USER, PASSWORD_ENV, default_workers,
)
PLUGIN_NAME = "cadre_sdk"
#: How the parent ``cadre serve`` tells its worker processes what to serve (JSON).
WORKER_ENV = "CADRE_SERVE_WORKER"
#: Chinese templates overriding Datasette's (and its plugins') pages.
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Fewest PBKDF2 iterations a password hash may use (an SDK choice: OWASP's 2021 figure for
#: PBKDF2-HMAC-SHA256; ``datasette hash-password`` uses 480,000).
MIN_ITERATIONS = 310_000
_HASH = re.compile(r"pbkdf2_sha256\$(\d+)\$([^$]+)\$([A-Za-z0-9+/]{43}=)")

#: Settings for a read-only publication (facet suggestions cost ~30x a page; wide tables show
#: fewer rows a page, set per table in the metadata).
SETTINGS = {
    "suggest_facets": False,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "default_page_size": MAX_PAGE_ROWS,
    "max_returned_rows": 1000,
    "truncate_cells_html": 400,
    "allow_download": True,
    "default_cache_ttl": 300,
}


def register_plugin() -> None:
    """Register cadre-sdk's Datasette plugin on Datasette's plugin manager, once (it may
    already be there through the ``datasette`` entry point)."""
    from datasette.plugins import pm

    from cadre_sdk.publish import datasette_plugin

    if not pm.is_registered(datasette_plugin) and pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(datasette_plugin, name=PLUGIN_NAME)
    _plain_tracebacks()


def _plain_tracebacks() -> None:
    """Datasette prints an error with ``rich`` (local variables included) when ``rich`` is
    installed, and for a page not found, which was never raised, that printing itself fails:
    ``/public.db.sha256`` answered a 500 in English instead of the Chinese 404. Without it, the
    404 page is answered, and a real error's traceback still goes to the log (Datasette prints
    it with ``traceback``), without the values of its local variables."""
    import datasette.handle_exception as errors

    errors.rich = None


def load_metadata(out: Path, *, verify: bool = True) -> dict[str, Any]:
    """The publication's metadata, for the file as it is named now. With ``verify``, the file's
    SHA-256 must be the one recorded when it was built (a changed file is not served)."""
    path = md.sidecar(out)
    if not out.is_file():
        raise CadreError(f"发布文件 {out} 不存在。请先运行 cadre publish")
    if not path.is_file():
        raise CadreError(f"缺少元数据文件 {path.name}：它与发布文件一同由 cadre publish 生成，"
                         "请重新发布")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if verify:
        recorded = meta["plugins"][md.PLUGIN_KEY]["sha256"]
        actual = sha256_file(out)
        if actual != recorded:
            raise CadreError(f"发布文件 {out.name} 的 SHA-256（{actual[:12]}…）与发布时记录的"
                             f"（{recorded[:12]}…）不符：文件已被改动，拒绝提供服务。请重新发布")
    return md.rename_database(meta, out.stem)


def _inspect_data(out: Path, meta: dict[str, Any]) -> dict[str, Any] | None:
    """What ``datasette inspect`` would find in the file (hash, size, rows per table), from
    its metadata: Datasette then neither hashes the whole file (for the home page) nor counts
    a table's rows on each visit of its page. None for metadata without row counts."""
    own = meta["plugins"][md.PLUGIN_KEY]
    if "row_counts" not in own:
        return None
    return {own["database"]: {"hash": own["sha256"], "size": out.stat().st_size,
                              "file": out.name,
                              "tables": {t: {"count": n} for t, n in own["row_counts"].items()}}}


def check_password_hash(value: str, env: str) -> None:
    """Refuse (``CadreError``, in Chinese) a password hash that is not one ``datasette
    hash-password`` makes, or that uses fewer than ``MIN_ITERATIONS`` iterations."""
    how = (f"请运行 `datasette hash-password` 重新生成密码哈希，再 `export {env}='<哈希>'` "
           "后重新运行 cadre serve")
    match = _HASH.fullmatch(value.strip())
    if match is None:
        raise CadreError(f"环境变量 {env} 中的密码哈希格式不对：应为 pbkdf2_sha256$迭代次数$盐$"
                         f"哈希值（44 个字符的 Base64），实为 {len(value)} 个字符的其他内容。{how}")
    if int(match.group(1)) < MIN_ITERATIONS:
        raise CadreError(f"环境变量 {env} 中的密码哈希强度不足：迭代 {int(match.group(1))} 次，"
                         f"少于 {MIN_ITERATIONS} 次，容易被暴力破解。{how}")
    # `datasette hash-password --password X --no-confirm` reads the password from standard
    # input and leaves X aside: with nothing there it hashes the empty password, and anyone
    # logging in with an empty password would read the oversight file
    if _hashes_empty_password(value.strip()):
        raise CadreError(f"环境变量 {env} 中的密码哈希对应的是空密码：任何人不输入密码即可登录监督版。"
                         "（`datasette hash-password --no-confirm` 从标准输入读取密码，不读 --password；"
                         f"请用 `echo '<密码>' | datasette hash-password --no-confirm`。）{how}")


@functools.lru_cache(maxsize=8)
def _hashes_empty_password(value: str) -> bool:
    """Whether ``value`` is a hash of the empty password (once per hash: a PBKDF2 of the
    hash's iterations, and a publication switched to by ``hotswap`` checks it again)."""
    from datasette_auth_passwords.utils import verify_password

    return verify_password("", value)


def make_datasette(out: str | os.PathLike, *, password_hash_env: str = PASSWORD_ENV,
                   user: str = DEFAULT_USER, verify: bool = True,
                   secret: str | None = None) -> Datasette:
    """A Datasette serving the publication ``out`` read-only (see the module docstring);
    ``secret`` signs its cookies (default ``$DATASETTE_SECRET``, else a new random one)."""
    out = Path(out)
    meta = load_metadata(out, verify=verify)
    if meta["plugins"][md.PLUGIN_KEY]["level"] == OVERSIGHT:
        if not os.environ.get(password_hash_env):
            raise CadreError(
                f"监督版须登录后查看，但环境变量 {password_hash_env} 未设置。请运行 "
                f"`datasette hash-password` 生成密码哈希，再 `export {password_hash_env}='<哈希>'` "
                "后重新运行 cadre serve")
        check_password_hash(os.environ[password_hash_env], password_hash_env)
        meta["plugins"]["datasette-auth-passwords"] = {
            f"{user}_password_hash": {"$env": password_hash_env},
            "actors": {user: {"id": user, "name": "监督人员"}},
        }
    register_plugin()
    ds = Datasette(immutables=[str(out)], metadata=meta, settings=SETTINGS,
                   secret=secret or os.environ.get("DATASETTE_SECRET"),
                   inspect_data=_inspect_data(out, meta), template_dir=str(TEMPLATES))
    # Pages ask for the CSS class of every cell's column name (a regex and, for Chinese
    # names, an MD5 each time): a pure function of a few names, so remember the answers.
    ds.jinja_env.filters["to_css_class"] = functools.lru_cache(maxsize=4096)(to_css_class)
    pages.install_globals(ds.jinja_env, meta["plugins"][md.PLUGIN_KEY])
    return ds


def _file_id(path: Path) -> list[int]:
    """What identifies the file at ``path`` now (a republish replaces it: a new inode)."""
    st = path.stat()
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def serving_app(out: Path, *, password_hash_env: str, user: str, state: Path,
                secret: str | None, verify: bool = True, host: str | None = None) -> Any:
    """The ASGI app serving ``out`` and its republished versions (``hotswap``), behind the
    login guard at oversight level. ``state`` is the folder of the server's session store;
    every version signs cookies with ``secret`` (one random one if None)."""
    secret = secret or os.environ.get("DATASETTE_SECRET") or secrets.token_hex(32)

    def make(path: Path, check: bool) -> Datasette:
        return make_datasette(path, password_hash_env=password_hash_env, user=user,
                              verify=check, secret=secret)

    swapper = SwappingApp(out, make, verify=verify, host=host)
    if swapper.current.ds.plugin_config(md.PLUGIN_KEY)["level"] != OVERSIGHT:
        return swapper
    from cadre_sdk.publish.sessions import SessionStore
    return LoginGuard(swapper, lambda: swapper.current.ds, SessionStore(state / "sessions.db"))


def worker_app() -> Any:
    """The ASGI app of one ``cadre serve --workers N`` worker (a uvicorn app factory): the
    publication the parent checked, named in ``$CADRE_SERVE_WORKER``. Its SHA-256 is checked
    again only if the file was replaced since (a republish while the workers started)."""
    spec = json.loads(os.environ[WORKER_ENV])
    out = Path(spec["out"])
    return serving_app(out, password_hash_env=spec["password_hash_env"], user=spec["user"],
                       state=Path(spec["state"]), secret=os.environ.get("DATASETTE_SECRET"),
                       verify=_file_id(out) != spec["file_id"], host=spec.get("host"))


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    """``values`` in the environment (inherited by worker processes started meanwhile)."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def serve(out: str | os.PathLike, *, host: str, port: int, workers: int = 1,
          password_hash_env: str = PASSWORD_ENV, user: str = DEFAULT_USER) -> None:
    """Run Datasette on ``out`` until interrupted (what ``cadre serve`` does), in ``workers``
    processes. The file, its hash and the settings are checked here, before listening."""
    import asyncio

    import uvicorn
    from datasette.cli import check_databases

    out = Path(out)
    file_id = _file_id(out)
    ds = make_datasette(out, password_hash_env=password_hash_env, user=user)

    async def start() -> None:
        """Datasette's start-up hooks and its check of the database, as ``datasette serve``."""
        await ds.invoke_startup()
        await check_databases(ds)

    asyncio.run(start())
    state = Path(tempfile.mkdtemp(prefix="cadre-serve-"))
    try:
        if workers <= 1:
            app = serving_app(out, password_hash_env=password_hash_env, user=user,
                              state=state, secret=ds._secret, verify=_file_id(out) != file_id,
                              host=f"{host}:{port}")
            uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="on",
                        workers=1)
            return
        spec = {"out": str(out.resolve()), "file_id": file_id, "state": str(state),
                "host": f"{host}:{port}",
                "password_hash_env": password_hash_env, "user": user}
        env = {WORKER_ENV: json.dumps(spec)}
        if not os.environ.get("DATASETTE_SECRET"):   # one secret for all workers' cookies
            env["DATASETTE_SECRET"] = secrets.token_hex(32)
        with _environ(env):
            uvicorn.run(f"{__name__}:worker_app", factory=True, host=host, port=port,
                        log_level="warning", lifespan="on", workers=workers)
    finally:
        shutil.rmtree(state, ignore_errors=True)
