"""Lifecycle adapters: hooks and methods around graph and node execution (Hamilton's
`hamilton.lifecycle`).  Subclass one of the classes here, or pass Hamilton's own, to
`Builder().with_adapters(...)`."""

from __future__ import annotations

from ..function_modifiers import accept_error_sentinels
from . import api, base
from .api import (
    EdgeConnectionHook,
    GraphAdapter,
    GraphConstructionHook,
    GraphExecutionHook,
    LegacyResultMixin,
    NodeExecutionHook,
    NodeExecutionMethod,
    ResultBuilder,
    StaticValidator,
)
from .base import LifecycleAdapter, LifecycleAdapterSet

__all__ = [
    "EdgeConnectionHook",
    "GraphAdapter",
    "GraphConstructionHook",
    "GraphExecutionHook",
    "LegacyResultMixin",
    "LifecycleAdapter",
    "LifecycleAdapterSet",
    "NodeExecutionHook",
    "NodeExecutionMethod",
    "ResultBuilder",
    "StaticValidator",
    "accept_error_sentinels",
    "api",
    "base",
]
