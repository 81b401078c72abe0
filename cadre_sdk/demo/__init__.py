"""The demo: a synthetic Qinghai dataset written as clerks' files (``generate``), and the
pipeline that loads, evaluates, publishes and serves it (``run_demo``)."""
from cadre_sdk.demo.generate import KIND_ORDER, generate, situations_registered
from cadre_sdk.demo.pipeline import run_demo

__all__ = ["KIND_ORDER", "generate", "run_demo", "situations_registered"]
