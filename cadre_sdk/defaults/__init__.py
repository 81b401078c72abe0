"""The provincial defaults, written as plugins like any local one (see ``DEFAULT_PLUGINS`` in
``cadre_sdk.plugin_host.discovery``). Local plugins override them by jurisdiction."""
from pathlib import Path

DATA = Path(__file__).parent / "data"
PARAMETERS = Path(__file__).parent / "parameters"
