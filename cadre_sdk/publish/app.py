"""The Datasette instance ``cadre serve`` runs: the publication as an immutable database, its
metadata, cadre-sdk's Datasette plugin, read-only settings and, at oversight level, a login.

The oversight login uses datasette-auth-passwords: the administrator makes a password hash
with ``datasette hash-password`` (installed with cadre-sdk), and puts it in the environment
variable ``CADRE_OVERSIGHT_PASSWORD_HASH`` (or the one ``--password-hash-env`` names) of the
``cadre serve`` process; the account name is ``oversight`` unless ``--user`` says otherwise.
The hash never goes into a file: the metadata names the variable (``{"$env": ...}``).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from datasette.app import Datasette

from ..errors import CadreError
from ..store import sha256_file
from . import metadata as md
from .redact import OVERSIGHT

PASSWORD_ENV = "CADRE_OVERSIGHT_PASSWORD_HASH"
DEFAULT_USER = "oversight"
PLUGIN_NAME = "cadre_sdk"

#: Settings for a read-only publication (see PERFORMANCE.md: facet suggestions cost ~30x).
SETTINGS = {
    "suggest_facets": False,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 500,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "truncate_cells_html": 400,
    "allow_download": True,
    "default_cache_ttl": 300,
}


def register_plugin() -> None:
    """Register cadre-sdk's Datasette plugin on Datasette's plugin manager, once (it may
    already be there through the ``datasette`` entry point)."""
    from datasette.plugins import pm

    from .. import datasette_plugin

    if not pm.is_registered(datasette_plugin) and pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(datasette_plugin, name=PLUGIN_NAME)


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


def make_datasette(out: str | os.PathLike, *, password_hash_env: str = PASSWORD_ENV,
                   user: str = DEFAULT_USER, verify: bool = True) -> Datasette:
    """A Datasette serving the publication ``out`` read-only (see the module docstring)."""
    out = Path(out)
    meta = load_metadata(out, verify=verify)
    if meta["plugins"][md.PLUGIN_KEY]["level"] == OVERSIGHT:
        if not os.environ.get(password_hash_env):
            raise CadreError(
                f"监督版须登录后查看，但环境变量 {password_hash_env} 未设置。请运行 "
                f"`datasette hash-password` 生成密码哈希，再 `export {password_hash_env}='<哈希>'` "
                "后重新运行 cadre serve")
        meta["plugins"]["datasette-auth-passwords"] = {
            f"{user}_password_hash": {"$env": password_hash_env},
            "actors": {user: {"id": user, "name": "监督人员"}},
        }
    register_plugin()
    return Datasette(immutables=[str(out)], metadata=meta, settings=SETTINGS,
                     secret=os.environ.get("DATASETTE_SECRET"))


def serve(out: str | os.PathLike, *, host: str, port: int, **options: Any) -> None:
    """Run Datasette on ``out`` until interrupted (what ``cadre serve`` does)."""
    import asyncio

    import uvicorn
    from datasette.cli import check_databases

    ds = make_datasette(out, **options)

    async def start() -> None:
        """Datasette's start-up hooks and its check of the database, as ``datasette serve``."""
        await ds.invoke_startup()
        await check_databases(ds)

    asyncio.run(start())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on",
                workers=1)
