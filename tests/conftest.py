"""Shared test set-up. The cadre_sdk pytest plugin (cadre_sdk.testing_fixtures) supplies the fixtures
``cadre_db``, ``cadre_plugins``, ``cadre_load`` and ``cadre_evaluate``.

The fixtures several test modules share are defined here, once, so that a session-scoped one
(the evaluated sample store and its two publications, the demo store) is built once per
session, not once per module that uses it. Their builders and helpers stay in the support
modules (``test_publish_support``, ``test_reliability_support``, ``test_assessment_engine``,
``test_lrmx_load``), which test modules import freely."""
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"

# Property tests: a developer's run draws new examples each time (and replays the ones that
# failed before, from .hypothesis/), so the suite keeps exploring; CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci) draws the same examples on every run, so its verdict depends on the
# code alone. A failure found locally becomes an @example of its test. The profile is loaded
# here, before the test modules build their own settings on top of it.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def root() -> Path:
    return ROOT


# -- the sample store and its publications (test_publish_support) -----------------------------

@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The evaluated sample store (shared: tests only read it)."""
    from test_publish_support import build_store

    return build_store(tmp_path_factory.mktemp("store"))


def _published(tmp_path_factory: pytest.TempPathFactory, store: Path, level: str) -> Path:
    from cadre_sdk.publish import publish
    from test_publish_support import PUBLISH_DAY
    from cadre_sdk.testing import make_plugins

    out = tmp_path_factory.mktemp(level) / f"{level}.db"
    publish(store, out, level=level, plugins=make_plugins(), as_of=PUBLISH_DAY)
    return out


@pytest.fixture(scope="session")
def public_db(tmp_path_factory: pytest.TempPathFactory, sample_store: Path) -> Path:
    """The sample published at public level."""
    return _published(tmp_path_factory, sample_store, "public")


@pytest.fixture(scope="session")
def oversight_db(tmp_path_factory: pytest.TempPathFactory, sample_store: Path) -> Path:
    """The sample published at oversight level."""
    return _published(tmp_path_factory, sample_store, "oversight")


@pytest.fixture(scope="session")
def password_hash() -> Iterator[str]:
    """A real datasette-auth-passwords hash of ``test_publish_support.PASSWORD``, exported for
    the session as ``CADRE_OVERSIGHT_PASSWORD_HASH`` (what the oversight administrator does)."""
    from datasette_auth_passwords.utils import hash_password
    from test_publish_support import PASSWORD

    hashed = hash_password(PASSWORD)
    mp = pytest.MonkeyPatch()
    mp.setenv("CADRE_OVERSIGHT_PASSWORD_HASH", hashed)
    yield hashed
    mp.undo()


@pytest.fixture(scope="session")
def public_url(public_db: Path) -> Iterator[str]:
    """The real ``cadre serve`` of ``public_db`` over HTTP, one process for the tests that only
    read it (``test_publish_support.cadre_serve``)."""
    from test_publish_support import cadre_serve

    with cadre_serve(public_db) as url:
        yield url


@pytest.fixture(scope="session")
def oversight_url(oversight_db: Path, password_hash: str) -> Iterator[str]:
    """The real ``cadre serve`` of ``oversight_db`` over HTTP, one process for the tests that
    log in and read (each with its own client; none logs out or fails a login more than once,
    so the server's limit of failed logins is never reached)."""
    from test_publish_support import cadre_serve

    with cadre_serve(oversight_db) as url:
        yield url


# -- the demo store (test_reliability_support) ------------------------------------------------

@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's files for 100 cadres, loaded as `cadre demo` loads them, evaluated as of
    ``test_reliability_support.EARLIER``. Tests copy it; nobody writes to it."""
    from test_reliability_support import _build_demo_store

    return _build_demo_store(tmp_path_factory.mktemp("demo"))


# -- the assessment world (test_assessment_engine) --------------------------------------------

@pytest.fixture
def world(cadre_db, cadre_load):
    """An empty store to build an assessment scenario in (``test_assessment_engine.World``)."""
    from test_assessment_engine import World

    return World(cadre_db, cadre_load)


@pytest.fixture
def run(cadre_plugins, cadre_evaluate):
    """Evaluate the assessment engine with the defaults plus the given plugins."""
    def go(db, *plugins):
        return cadre_evaluate(db, cadre_plugins(*plugins), as_of="2025-01-31", only=("assessment",))
    return go


# -- a store for 任免审批表 loads (test_lrmx_load) -----------------------------------------------

@pytest.fixture
def lrmx_db(tmp_path, capsys):
    """A store initialized and loaded with the units the 任免审批表 tests name, by the CLI."""
    from test_lrmx_load import UNITS
    from clihelp import run as cli

    path = tmp_path / "cadre.db"
    assert cli(capsys, "init", path)[0] == 0
    units = tmp_path / "units.csv"
    units.write_text(UNITS, encoding="utf-8")
    assert cli(capsys, "load", path, "unit", units)[0] == 0
    return path


# The page tests' browser: Debian's headless Chromium through Playwright (installed by .ci/run).
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()
