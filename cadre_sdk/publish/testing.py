"""Helpers for testing against a publication in process (plugin authors can check their canned
queries the way the SDK's tests do).

``PublicationClient(out)`` serves the file ``out`` with the same Datasette instance
``cadre serve`` builds, through Datasette's in-process client, from synchronous tests::

    with PublicationClient(out) as client:
        rows = client.json("/public/search.json?q=玉树&_shape=array")
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

import httpx
from datasette.app import Datasette

from cadre_sdk.publish.app import make_datasette


class PublicationClient:
    """A synchronous client for a publication served in process (``datasette.client``):
    ``out`` is the publication's file (served as ``cadre serve`` would) or a Datasette."""

    def __init__(self, out: str | os.PathLike | Datasette, **options: Any):
        self.datasette = out if isinstance(out, Datasette) else make_datasette(out, **options)
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self.datasette.invoke_startup())

    @property
    def database(self) -> str:
        """The Datasette name of the publication's database."""
        return self.datasette.plugin_config("cadre-sdk")["database"]

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET ``path`` in process."""
        return self._loop.run_until_complete(self.datasette.client.get(path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        """POST to ``path`` in process."""
        return self._loop.run_until_complete(self.datasette.client.post(path, **kwargs))

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Any method on ``path`` in process."""
        return self._loop.run_until_complete(
            self.datasette.client.request(method, path, **kwargs))

    def json(self, path: str, **kwargs: Any) -> Any:
        """GET ``path`` and return its JSON, failing on any status but 200."""
        response = self.get(path, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response.json()

    def run(self, coroutine: Any) -> Any:
        """Run another coroutine (e.g. ``datasette.get_database().execute_fn(...)``)."""
        return self._loop.run_until_complete(coroutine)

    def close(self) -> None:
        """Close the database connections and the event loop."""
        for db in self.datasette.databases.values():
            db.close()
        self._loop.close()

    def __enter__(self) -> "PublicationClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
