"""Driver scripts, found statically: which modules and config a driver is built with, and which
outputs and inputs its `execute` calls name.

    dr = driver.Builder().with_modules(features, model).with_config({"region": "US"}).build()
    dr.execute(["score"], inputs={"raw": df})
    dr = driver.Driver({"region": "US"}, features, model)
    dr = driver.Builder().with_modules(base, patch).allow_module_overrides().build()

Each block records what it builds and executes (`DriverFacts`); the module links executions to the
driver variable they are called on (`link_drivers`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from livedag.engine.io.materialization import combined_name
from livedag.engine.specs import FunctionRef, LocatedStr, Location, ModuleRef, Symbol, Unknown

from .context import BlockContext
from .evaluator import Evaluator, ExternalName
from .model import DriverUse
from .names import DRIVER_MODULES
from .scope import SourceMap, import_target

_EXECUTE_METHODS = frozenset(
    {"execute", "raw_execute", "visualize_execution", "validate_execution"}
)
# `materialize(*materializers, additional_vars=[...], inputs=...)` and its dry runs.
_MATERIALIZE_METHODS = frozenset(
    {"materialize", "validate_materialization", "visualize_materialization"}
)
_HINTS = ("Builder", "Driver", "execute", "final_vars", "materializ")


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
    """Record what `stmt` builds and executes; `local` follows the values of a function's (or
    a top-level block's) own variables, as far as they can be known."""
    line = source.document_line(stmt.lineno) - 1
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
        inner: dict[str, Any] = {}
        for child in stmt.body:
            _scan(child, ctx, source, inner, facts, stmt.name)
        return
    if isinstance(stmt, ast.ClassDef):
        return
    ev = Evaluator(ctx, source, line, local)
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        if function is not None:  # `from hamilton import driver` inside a task function
            local.update(_imported(stmt, ev))
        return
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
        elif target is not None:
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id not in local
            ):
                facts.aliases.append(Alias(target, value.func.id, line))  # `dr = build(...)`
            local[target] = ev.raw(value)  # `config = dict(file_type="pdf")` is a value too
    _follow_changes(stmt, ev, local, target)
    for node in _walk_calls(stmt):
        if constructed and node is value:
            continue
        method = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if method in _EXECUTE_METHODS or method in _MATERIALIZE_METHODS:
            assert isinstance(node.func, ast.Attribute)
            receiver = node.func.value
            inline = _construction(receiver, ev, None, line)
            variable = receiver.id if isinstance(receiver, ast.Name) else None
            if variable is None and inline is None:
                continue
            if method in _MATERIALIZE_METHODS:
                outputs, inputs, inputs_unknown = _materialize_arguments(node, ev)
            else:
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
    for path_group in _paths(stmt):
        after = []
        for body in path_group:
            branch = dict(local)
            for child in body:
                _scan(child, ctx, source, branch, facts, function)
            after.append(branch)
        _join(local, after, ev)


def _imported(stmt: ast.Import | ast.ImportFrom, ev: Evaluator) -> dict[str, Any]:
    """The local names an import inside a function binds, as the evaluator sees them (the
    driver module by its name, even where a workspace folder happens to share it)."""
    pairs: list[tuple[str, str | None]] = []
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            top = alias.name.split(".")[0]
            pairs.append((alias.asname, alias.name) if alias.asname else (top, top))
    else:
        is_package = (ev.ctx.path or "").endswith("__init__.py")
        base = import_target(stmt, ev.ctx.module, is_package)
        for alias in stmt.names:
            if alias.name != "*":
                pairs.append((alias.asname or alias.name, f"{base}.{alias.name}" if base else None))
    out: dict[str, Any] = {}
    for local, qualified in pairs:
        if qualified is None:
            out[local] = Unknown(f"`{local}`: the relative import cannot be resolved")
        elif any(qualified == m or qualified.startswith(m + ".") for m in DRIVER_MODULES):
            out[local] = ExternalName(qualified)
        else:
            out[local] = ev.interpret(qualified, stmt)  # type: ignore[arg-type]
    return out


# Methods that change the object they are called on, so its value is no longer what was built.
_MUTATORS = frozenset(
    {"update", "append", "extend", "insert", "setdefault", "pop", "popitem", "clear", "remove"}
)


def _follow_changes(
    stmt: ast.stmt, ev: Evaluator, local: dict[str, Any], assigned: str | None
) -> None:
    """`config.update({...})`, `config["k"] = v`, `inputs |= ...`, `a, b = ...`: a variable
    changed after it was built.  A literal dict update is applied; anything else makes the
    variable unknown, so nothing is judged on a value the code changes at run time."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in local
            and func.attr in _MUTATORS
        ):
            name = func.value.id
            current = local[name]
            if (
                func.attr == "update"
                and isinstance(current, dict)
                and len(call.args) <= 1
                and all(k.arg for k in call.keywords)
            ):
                added = ev.evaluate(call.args[0]) if call.args else {}
                if isinstance(added, dict):
                    keywords = {str(k.arg): ev.evaluate(k.value) for k in call.keywords}
                    local[name] = {**current, **added, **keywords}
                    return
            local[name] = ev.unknown(call, f"`{name}` is changed by `{ev.text(call)}`")
        return
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    for target in targets:
        if isinstance(target, ast.Name) and target.id == assigned:
            continue
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Name)
            and target.value.id in local
            and isinstance(stmt, ast.Assign)
            and isinstance(local[target.value.id], dict)
        ):
            key = ev.evaluate(target.slice)
            if isinstance(key, str):
                local[target.value.id] = {**local[target.value.id], key: ev.evaluate(stmt.value)}
                continue
        for name in _names_in(target):
            if name in local or isinstance(target, (ast.Name, ast.Tuple, ast.List, ast.Starred)):
                local[name] = ev.unknown(target, f"`{name}` is changed by `{ev.text(stmt)}`")


def _names_in(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in _names_in(elt)]
    if isinstance(target, ast.Starred):
        return _names_in(target.value)
    if isinstance(target, (ast.Subscript, ast.Attribute)):
        return _names_in(target.value)
    return []


def _paths(stmt: ast.stmt) -> list[list[list[ast.stmt]]]:
    """The statement's bodies, grouped: each group is a set of alternative paths run in turn.

    `if`: the body or the else branch; `try`: the body with its `else`, or a handler, then the
    `finally`; a loop: its body (with its `else`), or nothing when it does not run; `match`: one
    case or none; `with`: its body.
    """
    if isinstance(stmt, ast.If):
        return [[stmt.body, stmt.orelse]]
    if isinstance(stmt, (ast.Try, ast.TryStar)):
        handlers = [h.body for h in stmt.handlers]
        groups = [[stmt.body + stmt.orelse, *handlers]]
        return groups + ([[stmt.finalbody]] if stmt.finalbody else [])
    if isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return [[stmt.body + stmt.orelse, []]]
    if isinstance(stmt, ast.Match):
        return [[c.body for c in stmt.cases] + [[]]]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [[stmt.body]]
    return []


_MISSING = object()


def _join(local: dict[str, Any], paths: list[dict[str, Any]], ev: Evaluator) -> None:
    """After alternative paths: a variable they leave alike keeps its value; one they leave
    different (or set on some paths only) cannot be known (`modules = [a] if ... else [b]`)."""
    if len(paths) == 1:
        local.clear()
        local.update(paths[0])
        return
    for name in set().union(*paths):
        values = [p.get(name, _MISSING) for p in paths]
        first = values[0]
        if all(v is first for v in values) or all(_same(v, first) for v in values):
            if first is not _MISSING:
                local[name] = first
            continue
        local[name] = Unknown(f"`{name}` is bound differently on different paths")


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return False
    try:
        return bool(a == b)
    except Exception:  # values that do not compare are not the same
        return False


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


def _qualified(node: ast.expr, ev: Evaluator) -> str | None:
    """`a.b.c` as the qualified name it reaches, `a` bound by a module-level or local import."""
    qualified = ev.dotted(node)
    if qualified is not None:
        return qualified
    attrs: list[str] = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        bound = ev.local.get(node.id)
        if isinstance(bound, (ExternalName, ModuleRef)):
            base = bound.qualified if isinstance(bound, ExternalName) else bound.name
            return ".".join([base, *reversed(attrs)])
    return None


def _driver_class(func: ast.expr, ev: Evaluator) -> str | None:
    qualified = _qualified(func, ev)
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
    unknown: list[str] = []
    config: dict[str, Any] = {}
    overrides = False
    if kind == "Driver":
        flag = next((k.value for k in node.keywords if k.arg == "allow_module_overrides"), None)
        overrides = flag is not None and ev.evaluate(flag) is True
        args = list(node.args)
        config_node = next((k.value for k in node.keywords if k.arg == "config"), None)
        if config_node is None and args:
            config_node = args.pop(0)
        if config_node is not None:
            _merge_config(config, ev.evaluate(config_node), config_node, ev)
        found, unread = _module_names(args, ev)
        modules.extend(found)
        unknown.extend(unread)
    for call in reversed(methods):
        assert isinstance(call.func, ast.Attribute)
        if call.func.attr == "with_modules":
            found, unread = _module_names(call.args, ev)
            modules.extend(found)
            unknown.extend(unread)
        elif call.func.attr == "with_config" and call.args:
            _merge_config(config, ev.evaluate(call.args[0]), call.args[0], ev)
        elif call.func.attr == "allow_module_overrides":
            overrides = True
    use = DriverUse(
        tuple(modules),
        config,
        (),
        (),
        ev.source.location(expr),
        unknown_modules=tuple(unknown),
        allow_module_overrides=overrides,
    )
    return Construction(variable, use, line)


def _merge_config(config: dict[str, Any], value: Any, node: ast.expr, ev: Evaluator) -> None:
    if isinstance(value, dict):
        config.update(value)
    else:
        reason = value.reason if isinstance(value, Unknown) else "not a literal dict"
        config[f"**{ev.text(node)}"] = Unknown(reason, ev.source.location(node))


def _module_names(args: Sequence[ast.expr], ev: Evaluator) -> tuple[list[str], list[str]]:
    """The names of the modules passed, and the text of each argument that cannot be read
    (`*get_data_loader()`, `QUERIES[query]`, a variable set differently on two paths)."""
    out: list[str] = []
    unknown: list[str] = []
    for arg in args:
        if isinstance(arg, ast.Starred):
            values = ev.evaluate(arg.value)
            if not isinstance(values, (list, tuple)):
                unknown.append(ev.text(arg))
                continue
            items = list(values)
        else:
            items = [ev.raw(arg)]
        for item in items:
            if isinstance(item, (ModuleRef, Symbol)):
                out.append(item.name)
            elif isinstance(item, ExternalName):
                out.append(item.qualified)
            else:
                unknown.append(ev.text(arg))
    return out, list(dict.fromkeys(unknown))


def _execute_arguments(
    call: ast.Call, ev: Evaluator
) -> tuple[tuple[LocatedStr, ...], tuple[LocatedStr, ...], bool]:
    """The outputs asked for, the input names passed, and whether `inputs=` was unreadable."""
    outputs_node = next((k.value for k in call.keywords if k.arg == "final_vars"), None)
    if outputs_node is None and call.args:
        outputs_node = call.args[0]
    outputs = _node_names(outputs_node, ev)
    return (tuple(outputs), *_inputs_argument(call, ev))


def _materialize_arguments(
    call: ast.Call, ev: Evaluator
) -> tuple[tuple[LocatedStr, ...], tuple[LocatedStr, ...], bool]:
    """What `materialize` asks for: each saver's `dependencies` and the `additional_vars`; the
    names its loaders provide (`from_.csv(target="raw")`) count as inputs.  A saver makes nodes
    of its own (`id` and `<id>_build_result`), which `additional_vars` may ask for.  A
    materializer that is not written out in the call (`*materializers`, a variable) makes the
    inputs and the additional names unknowable, so no finding rests on a partial reading."""
    additional = next((k.value for k in call.keywords if k.arg == "additional_vars"), None)
    outputs: list[LocatedStr] = []
    made: set[str] = set()
    provided: list[LocatedStr] = []
    opaque = False
    for arg in call.args:
        if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)):
            opaque = True  # `*materializers`, or a materializer built elsewhere
            continue
        family = arg.func.value
        family_name = (
            family.attr if isinstance(family, ast.Attribute) else getattr(family, "id", "")
        )
        keywords = {k.arg: k.value for k in arg.keywords if k.arg}
        if family_name == "to":
            outputs.extend(_node_names(keywords.get("dependencies"), ev))
            saver = ev.evaluate(keywords["id"]) if "id" in keywords else None
            if isinstance(saver, str):
                made.update((saver, combined_name(saver)))
        elif family_name == "from_" and "target" in keywords:
            target = ev.evaluate(keywords["target"])
            if isinstance(target, str):
                provided.append(LocatedStr(target, ev.source.location(keywords["target"])))
            else:
                opaque = True
        else:
            opaque = True
    if not opaque:
        outputs.extend(n for n in _node_names(additional, ev) if str(n) not in made)
    inputs, inputs_unknown = _inputs_argument(call, ev)
    return tuple(outputs), (*inputs, *provided), inputs_unknown or opaque


def _node_names(node: ast.expr | None, ev: Evaluator) -> list[LocatedStr]:
    """The node names a list argument holds (strings, or functions standing for their node)."""
    found: list[LocatedStr] = []
    if node is None:
        return found
    values = ev.evaluate(node)
    for item in values if isinstance(values, (list, tuple, set)) else ():
        if isinstance(item, LocatedStr):
            found.append(item)
        elif isinstance(item, str):
            found.append(LocatedStr(item, ev.source.location(node)))
        elif isinstance(item, FunctionRef):
            found.append(LocatedStr(item.name, item.location))
    return found


def _inputs_argument(call: ast.Call, ev: Evaluator) -> tuple[tuple[LocatedStr, ...], bool]:
    """The names `inputs=` passes, and whether it could not be read."""
    inputs_node = next((k.value for k in call.keywords if k.arg == "inputs"), None)
    inputs: list[LocatedStr] = []
    inputs_unknown = False
    if inputs_node is not None:
        values = ev.evaluate(inputs_node)
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(key, str) and key.startswith("**") and isinstance(value, Unknown):
                    inputs_unknown = True  # `inputs=dict(a=1, **more)`: more is not known
                elif isinstance(key, LocatedStr):
                    inputs.append(key)
                elif isinstance(key, str):
                    inputs.append(LocatedStr(key, ev.source.location(inputs_node)))
                else:
                    inputs_unknown = True
        elif not (isinstance(inputs_node, ast.Constant) and inputs_node.value is None):
            inputs_unknown = True
    return tuple(inputs), inputs_unknown


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
            replace(
                use,
                outputs=_first_of_each(outputs),
                inputs=_first_of_each(inputs),
                execute_location=runs[0].location if runs else None,
                inputs_unknown=any(run.inputs_unknown for run in runs),
            )
        )
    return tuple(out)


def _first_of_each(names: Iterable[LocatedStr]) -> tuple[LocatedStr, ...]:
    """Each name once, where it is first asked for: `visualize_execution(cols)` then
    `execute(cols)` ask once, so whatever is wrong with `cols` is said once."""
    first: dict[str, LocatedStr] = {}
    for name in names:
        first.setdefault(str(name), name)
    return tuple(first.values())
