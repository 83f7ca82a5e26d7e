"""Driver scripts, found statically: which modules and config a driver is built with, and which
outputs and inputs its `execute` calls name.

    dr = driver.Builder().with_modules(features, model).with_config({"region": "US"}).build()
    dr.execute(["score"], inputs={"raw": df})
    dr = driver.Driver({"region": "US"}, features, model)

Each block records what it builds and executes (`DriverFacts`); the module links executions to the
driver variable they are called on (`link_drivers`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livedag.engine.specs import FunctionRef, LocatedStr, Location, ModuleRef, Symbol, Unknown

from .context import BlockContext
from .evaluator import Evaluator, ExternalName
from .model import DriverUse
from .names import DRIVER_MODULES
from .scope import SourceMap

_EXECUTE_METHODS = frozenset(
    {"execute", "raw_execute", "visualize_execution", "validate_execution"}
)
_HINTS = ("Builder", "Driver", "execute", "final_vars")


@dataclass
class Construction:
    variable: str | None
    use: DriverUse
    line: int
    returned_by: str | None = None  # `def build(): return driver.Builder()...build()`


@dataclass
class Execution:
    variable: str | None
    outputs: tuple[LocatedStr, ...]
    inputs: tuple[LocatedStr, ...]
    line: int
    construction: Construction | None = None  # `Builder()...build().execute(...)` in one go
    location: Location | None = None
    inputs_unknown: bool = False


@dataclass
class Alias:
    """`dr = build(...)`, where `build` is a function of this module that returns a driver."""

    variable: str
    function: str
    line: int


@dataclass
class DriverFacts:
    constructions: list[Construction] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)


def might_use_driver(text: str) -> bool:
    return any(hint in text for hint in _HINTS)


def driver_facts(
    statements: Sequence[ast.stmt], ctx: BlockContext, source: SourceMap
) -> DriverFacts | None:
    """What the block's statements build and execute (None when nothing)."""
    facts = DriverFacts()
    for stmt in statements:
        _scan(stmt, ctx, source, {}, facts, None)
    return facts if facts.constructions or facts.executions or facts.aliases else None


def _scan(
    stmt: ast.stmt,
    ctx: BlockContext,
    source: SourceMap,
    local: dict[str, Any],
    facts: DriverFacts,
    function: str | None,
) -> None:
    line = source.document_line(stmt.lineno) - 1
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        inner: dict[str, Any] = {}
        for child in stmt.body:
            _scan(child, ctx, source, inner, facts, stmt.name)
        return
    if isinstance(stmt, ast.ClassDef):
        return
    ev = Evaluator(ctx, source, line, local)
    target: str | None = None
    value: ast.expr | None = None
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
    ):
        target, value = stmt.targets[0].id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        target, value = stmt.target.id, stmt.value
    elif isinstance(stmt, ast.Return) and function is not None:
        value = stmt.value
    constructed = False
    if value is not None:
        built = _construction(value, ev, target, line)
        if built is not None:
            if target is None:
                built.returned_by = function
            facts.constructions.append(built)
            local.pop(target or "", None)
            constructed = True
        elif (
            target is not None
            and isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id not in local
        ):
            facts.aliases.append(Alias(target, value.func.id, line))
        elif target is not None and isinstance(
            value, (ast.Dict, ast.List, ast.Tuple, ast.Call, ast.Name, ast.Constant)
        ):
            local[target] = ev.raw(value)
    for node in _walk_calls(stmt):
        if constructed and node is value:
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in _EXECUTE_METHODS:
            receiver = node.func.value
            inline = _construction(receiver, ev, None, line)
            variable = receiver.id if isinstance(receiver, ast.Name) else None
            if variable is None and inline is None:
                continue
            outputs, inputs, inputs_unknown = _execute_arguments(node, ev)
            facts.executions.append(
                Execution(
                    variable,
                    outputs,
                    inputs,
                    line,
                    inline,
                    ev.source.location(node.func),
                    inputs_unknown,
                )
            )
    for body in _bodies(stmt):
        for child in body:
            _scan(child, ctx, source, local, facts, function)


def _bodies(stmt: ast.stmt) -> Iterable[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        body = getattr(stmt, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            yield body
    for handler in getattr(stmt, "handlers", ()) or ():
        yield handler.body


def _walk_calls(stmt: ast.stmt) -> Iterable[ast.Call]:
    """Calls in the statement itself, not in nested statement bodies."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                continue
            if isinstance(child, ast.Call):
                yield child
            stack.append(child)


def _driver_class(func: ast.expr, ev: Evaluator) -> str | None:
    qualified = ev.dotted(func)
    if qualified is None:
        return None
    for module in DRIVER_MODULES:
        if qualified.startswith(module + "."):
            rest = qualified[len(module) + 1 :]
            if rest in ("Builder", "Driver"):
                return rest
    return None


def _construction(
    expr: ast.expr, ev: Evaluator, variable: str | None, line: int
) -> Construction | None:
    methods: list[ast.Call] = []
    node = expr
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if _driver_class(node.func, ev) is not None:
            break
        methods.append(node)
        node = node.func.value
    if not isinstance(node, ast.Call):
        return None
    kind = _driver_class(node.func, ev)
    if kind is None:
        return None
    modules: list[str] = []
    config: dict[str, Any] = {}
    if kind == "Driver":
        args = list(node.args)
        config_node = next((k.value for k in node.keywords if k.arg == "config"), None)
        if config_node is None and args:
            config_node = args.pop(0)
        if config_node is not None:
            _merge_config(config, ev.evaluate(config_node), config_node, ev)
        modules.extend(_module_names(args, ev))
    for call in reversed(methods):
        assert isinstance(call.func, ast.Attribute)
        if call.func.attr == "with_modules":
            modules.extend(_module_names(call.args, ev))
        elif call.func.attr == "with_config" and call.args:
            _merge_config(config, ev.evaluate(call.args[0]), call.args[0], ev)
    use = DriverUse(tuple(modules), config, (), (), ev.source.location(expr))
    return Construction(variable, use, line)


def _merge_config(config: dict[str, Any], value: Any, node: ast.expr, ev: Evaluator) -> None:
    if isinstance(value, dict):
        config.update(value)
    else:
        reason = value.reason if isinstance(value, Unknown) else "not a literal dict"
        config[f"**{ev.text(node)}"] = Unknown(reason, ev.source.location(node))


def _module_names(args: Sequence[ast.expr], ev: Evaluator) -> list[str]:
    out: list[str] = []
    for arg in args:
        if isinstance(arg, ast.Starred):
            values = ev.evaluate(arg.value)
            items = list(values) if isinstance(values, (list, tuple)) else []
        else:
            items = [ev.raw(arg)]
        for item in items:
            if isinstance(item, (ModuleRef, Symbol)):
                out.append(item.name)
            elif isinstance(item, ExternalName):
                out.append(item.qualified)
    return out


def _execute_arguments(
    call: ast.Call, ev: Evaluator
) -> tuple[tuple[LocatedStr, ...], tuple[LocatedStr, ...], bool]:
    """The outputs asked for, the input names passed, and whether `inputs=` was unreadable."""
    outputs_node = next((k.value for k in call.keywords if k.arg == "final_vars"), None)
    if outputs_node is None and call.args:
        outputs_node = call.args[0]
    outputs: list[LocatedStr] = []
    if outputs_node is not None:
        values = ev.evaluate(outputs_node)
        for item in values if isinstance(values, (list, tuple, set)) else ():
            if isinstance(item, LocatedStr):
                outputs.append(item)
            elif isinstance(item, str):
                outputs.append(LocatedStr(item, ev.source.location(outputs_node)))
            elif isinstance(item, FunctionRef):
                outputs.append(LocatedStr(item.name, item.location))
    inputs_node = next((k.value for k in call.keywords if k.arg == "inputs"), None)
    inputs: list[LocatedStr] = []
    inputs_unknown = False
    if inputs_node is not None:
        values = ev.evaluate(inputs_node)
        if isinstance(values, dict):
            for key in values:
                if isinstance(key, LocatedStr):
                    inputs.append(key)
                elif isinstance(key, str):
                    inputs.append(LocatedStr(key, ev.source.location(inputs_node)))
                else:
                    inputs_unknown = True
        elif not (isinstance(inputs_node, ast.Constant) and inputs_node.value is None):
            inputs_unknown = True
    return tuple(outputs), tuple(inputs), inputs_unknown


def link_drivers(facts: Iterable[DriverFacts]) -> tuple[DriverUse, ...]:
    """One DriverUse per driver built, with the outputs and inputs of the executions on it."""
    constructions: list[Construction] = []
    extra: dict[int, tuple[list[LocatedStr], list[LocatedStr]]] = {}
    executed: dict[int, list[Execution]] = {}
    latest: dict[str, Construction] = {}
    returned: dict[str, Construction] = {}
    pending: list[Execution] = []
    aliases: list[Alias] = []
    for fact in facts:
        for built in fact.constructions:
            constructions.append(built)
            extra[id(built)] = ([], [])
            executed[id(built)] = []
            if built.returned_by:
                returned[built.returned_by] = built
        pending.extend(fact.executions)
        aliases.extend(fact.aliases)
    ordered = sorted(
        [(c.line, 0, c) for c in constructions]
        + [(a.line, 0, a) for a in aliases]
        + [(e.line, 1, e) for e in pending],
        key=lambda t: (t[0], t[1]),
    )
    for _, kind, item in ordered:
        if isinstance(item, Alias):
            # Functions may be defined below their use: look the factory up across the module.
            if item.function in returned:
                latest[item.variable] = returned[item.function]
            continue
        if kind == 0:
            assert isinstance(item, Construction)
            if item.variable:
                latest[item.variable] = item
            continue
        assert isinstance(item, Execution)
        target = item.construction
        if target is not None:
            constructions.append(target)
            extra[id(target)] = ([], [])
            executed[id(target)] = []
        elif item.variable is not None:
            target = latest.get(item.variable) or next(
                (c for c in constructions if c.variable == item.variable), None
            )
        if target is None:
            continue
        extra[id(target)][0].extend(item.outputs)
        extra[id(target)][1].extend(item.inputs)
        executed[id(target)].append(item)
    out = []
    for built in constructions:
        outputs, inputs = extra[id(built)]
        runs = executed[id(built)]
        use = built.use
        out.append(
            DriverUse(
                use.modules,
                use.config,
                tuple(outputs),
                tuple(inputs),
                use.location,
                runs[0].location if runs else None,
                any(run.inputs_unknown for run in runs),
            )
        )
    return tuple(out)
