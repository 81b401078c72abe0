"""Shared test set-up. The cadre_sdk pytest plugin (cadre_sdk.testing_fixtures) supplies the fixtures
``cadre_db``, ``cadre_plugins``, ``cadre_load`` and ``cadre_evaluate``."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture
def root() -> Path:
    return ROOT
