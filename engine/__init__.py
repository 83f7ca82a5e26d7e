"""livedag's dataflow engine: graph rules, the dataflow graph with lineage queries, the driver."""

from __future__ import annotations

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
