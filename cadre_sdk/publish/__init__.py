"""The read-only publication: ``cadre publish`` builds a SQLite file for one access level
(``public`` or ``oversight``) with Chinese labels, views, aggregates, Chinese full-text search,
canned queries, charts and provenance; ``cadre serve`` runs Datasette on it, read-only.

Modules: ``redact`` (what each level leaves out), ``copy`` (tables, keys, indexes),
``materialize`` and ``timeline`` (views and aggregates), ``search``/``searchable`` (bigram
search), ``provenance``, ``queries`` (canned queries from plugins), ``charts``
(datasette-dashboards), ``labels``/``metadata`` (Datasette metadata), ``build`` (the atomic
build), ``app`` (the Datasette instance ``cadre serve`` runs). The public level's privacy:
``thresholds``, ``suppress``, ``aggregates``, ``generalize``, ``scan``, ``privacy_copy``
(docs/public-privacy.md).
"""
from cadre_sdk.publish.build import PublishResult, publish
from cadre_sdk.publish.redact import DEFAULT_MIN_RATERS, LEVELS, OVERSIGHT, PUBLIC

__all__ = ["publish", "PublishResult", "LEVELS", "PUBLIC", "OVERSIGHT", "DEFAULT_MIN_RATERS"]
