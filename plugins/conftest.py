"""Run the plugin packages' own tests from a source checkout: each package folder under
``plugins/`` is put on ``sys.path`` (after what is installed, so an installed copy, e.g. from
``pip install -e plugins/cadre-haixi``, is the one tested). The case files and fixtures come from
the SDK's pytest plugin (``cadre_sdk.testing_fixtures``)."""
import sys
from pathlib import Path

for package in sorted(Path(__file__).parent.glob("cadre-*/pyproject.toml")):
    if str(package.parent) not in sys.path:
        sys.path.append(str(package.parent))
