"""Moving results by whole lines: when an edit above a block only shifts it, its FunctionSpecs are
rebuilt with shifted locations instead of being re-parsed and re-evaluated.

Only locations in this file at or below the edit move; a location pointing above the edit (a
constant defined there) or into another file stays where it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from livedag.engine.specs import (
    Call,
    FunctionRef,
    FunctionSpec,
    LocatedStr,
    Location,
    ModuleRef,
    Parameter,
    Problem,
    Related,
    Symbol,
    Unknown,
)


class Shift:
    """Lines numbered `from_line` (1-based) and below in `path` move by `delta`."""

    __slots__ = ("path", "from_line", "delta")

    def __init__(self, path: str | None, from_line: int, delta: int) -> None:
        self.path = path
        self.from_line = from_line
        self.delta = delta

    def location(self, loc: Location | None) -> Location | None:
        if loc is None or loc.line < self.from_line or loc.path != self.path:
            return loc
        return Location(
            loc.path, loc.line + self.delta, loc.column, loc.end_line + self.delta, loc.end_column
        )

    def value(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is LocatedStr:
            moved = self.location(value.location)
            return value if moved is value.location else LocatedStr(value, moved)
        if kind is Call:
            return self.call(value)
        if kind is tuple:
            return tuple(self.value(v) for v in value)
        if kind is list:
            return [self.value(v) for v in value]
        if kind is dict:
            return {self.value(k): self.value(v) for k, v in value.items()}
        if kind in (set, frozenset):
            return kind(self.value(v) for v in value)
        if kind is Unknown:
            return Unknown(value.reason, self.location(value.location))
        if kind is Symbol:
            return Symbol(value.name, value.obj, self.location(value.location))
        if kind is FunctionRef:
            spec = value.spec
            if spec is not None and spec.location is not None and spec.location.path == self.path:
                spec = self.function(spec)
            return FunctionRef(value.name, value.module, spec, value.obj, self.location(value.location))
        if kind is ModuleRef:
            return ModuleRef(value.name, value.functions, value.obj, self.location(value.location))
        return value

    def call(self, call: Call) -> Call:
        kwargs: Mapping[str, Any] = {k: self.value(v) for k, v in call.kwargs.items()}
        return Call(
            call.name,
            tuple(self.value(a) for a in call.args),
            kwargs,
            tuple(self.call(m) for m in call.methods),
            self.location(call.location),
            call.known,
        )

    def function(self, spec: FunctionSpec) -> FunctionSpec:
        return FunctionSpec(
            name=spec.name,
            module=spec.module,
            parameters=tuple(
                Parameter(
                    p.name,
                    p.annotation,
                    p.has_default,
                    self.value(p.default) if p.has_default else p.default,
                    p.kind,
                    self.location(p.location),
                )
                for p in spec.parameters
            ),
            returns=spec.returns,
            doc=spec.doc,
            decorators=tuple(self.call(c) for c in spec.decorators),
            location=self.location(spec.location),
            is_async=spec.is_async,
        )

    def problem(self, problem: Problem) -> Problem:
        return Problem(
            problem.code,
            problem.severity,
            problem.message,
            self.location(problem.location),
            tuple(Related(self.location(r.location) or r.location, r.message) for r in problem.related),
            problem.node,
        )


_PLAIN = frozenset({str, int, float, bool, bytes, type(None), type(Ellipsis)})
