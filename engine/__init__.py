"""livedag's dataflow engine: graph rules, the dataflow graph with lineage queries, the driver."""

from __future__ import annotations

from .codes import Code
from .specs import (
    Call,
    Dependency,
    FunctionRef,
    FunctionSpec,
    LocatedStr,
    Location,
    ModuleRef,
    NodeKind,
    NodeRole,
    NodeSpec,
    Parameter,
    ParameterKind,
    Problem,
    Related,
    Severity,
    Symbol,
    TypeRef,
    Unknown,
)

__all__ = [
    "Call",
    "Code",
    "Dependency",
    "FunctionRef",
    "FunctionSpec",
    "LocatedStr",
    "Location",
    "ModuleRef",
    "NodeKind",
    "NodeRole",
    "NodeSpec",
    "Parameter",
    "ParameterKind",
    "Problem",
    "Related",
    "Severity",
    "Symbol",
    "TypeRef",
    "Unknown",
]
