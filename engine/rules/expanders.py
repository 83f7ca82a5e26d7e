"""Decorators that make many nodes of one function by binding its parameters.

`parameterize` is the general form: one output node per keyword, each binding some parameters to
`source(...)` (another node), `value(...)` (a literal) or `group(...)` (several of those).  The
shorthands (`parameterize_values`, `parameterize_sources`, the legacy `parametrized*`), `inject`
(one binding, keeping the function's name) and `parameterize_extract_columns` are all that, as in
Hamilton, where they are NodeExpanders (EXPAND phase, one per function).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..specs import Call, Dependency, FunctionSpec, NodeSpec, Unknown
from .annotations import shape_of, without_optional
from .dependencies import Dependency as Binding
from .dependencies import Group, Source, Value, dependency_of, is_dependency_call
from .extractors import check_dataframe_output, column_parts, skip_unknown, split_off
from .registry import DecoratorError, Phase, RuleContext, Unknowable, bind_arguments, rule

RESERVED_PARAMETER = "output_name"


@dataclass
class Parameterization:
    """One output of a parameterizing decorator: its name, bindings and optional own doc.

    `output` None means "the function's own name" (`inject`).  `unknowable` lists parameters whose
    binding could not be known: they are left out of the node's dependencies.
    """

    output: str | None
    bindings: dict[str, Binding] = field(default_factory=dict)
    doc: str | None = None
    unknowable: list[str] = field(default_factory=list)


def _bindings(
    call: Call, ctx: RuleContext, output: str | None, mapping: Any, doc: str | None = None
) -> Parameterization:
    """Interpret `{param: source(..) | value(..) | group(..)}` (Hamilton rejects bare values)."""
    if not isinstance(mapping, Mapping):
        raise DecoratorError(
            f"the bindings of {output or ctx.function.name} must be a dict of parameter name to "
            f"source(...) / value(...) / group(...), got {mapping!r}",
            call.location,
        )
    result = Parameterization(output, doc=doc)
    for param, spec in mapping.items():
        if isinstance(spec, Unknown):
            ctx.report_unknowable(call, f"the binding of {param!r}", spec.location)
            result.unknowable.append(str(param))
            continue
        if not is_dependency_call(spec):
            raise DecoratorError(
                f"bind {param!r} with source('node') or value({spec!r}), not a bare {spec!r}",
                call.location,
            )
        try:
            result.bindings[str(param)] = dependency_of(spec, ctx, call)
        except Unknowable as exc:
            ctx.report_unknowable(call, f"the binding of {param!r}", exc.location)
            result.unknowable.append(str(param))
    return result


class _KeepMissing(dict[str, Any]):
    """Leaves `{name}` placeholders it cannot fill as the bare name, as Hamilton does."""

    def __missing__(self, key: str) -> str:
        return key


def format_doc(template: str, output: str, p: Parameterization, call: Call) -> str:
    """The output's doc: its own, else the function's with `{output_name}` and bindings filled."""
    if p.doc is not None:
        return str(p.doc)
    if not template:
        return ""
    values = _KeepMissing(output_name=output)
    for param, binding in p.bindings.items():
        if isinstance(binding, Source):
            values[param] = binding.name
        elif isinstance(binding, Value):
            values[param] = binding.value
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError) as exc:
        raise DecoratorError(
            f"the docstring template could not be filled for {output} ({exc}); escape literal "
            f"braces as {{{{ }}}} and use only parameter names in placeholders",
            call.location,
        ) from exc


def validate(call: Call, function: FunctionSpec, outputs: Sequence[Parameterization]) -> None:
    """Hamilton's checks of a parameterization against the function it decorates."""
    names = [p.name for p in function.parameters]
    if RESERVED_PARAMETER in names:
        raise DecoratorError(
            f"{function.name} has a parameter named {RESERVED_PARAMETER!r}, which "
            f"@{call.name} reserves for the output's name in docstrings; rename the parameter",
            function.location,
        )
    missing = sorted({q for p in outputs for q in [*p.bindings, *p.unknowable] if q not in names})
    if missing:
        raise DecoratorError(
            f"@{call.name} binds {', '.join(map(repr, missing))}, which {function.name} does not "
            f"take (its parameters: {', '.join(names) or 'none'})",
            call.location,
        )
    by_name = {p.name: p for p in function.parameters}
    for p in outputs:
        for param, binding in p.bindings.items():
            if isinstance(binding, Group):
                _check_group_annotation(call, param, binding, by_name[param].annotation)


def _check_group_annotation(call: Call, param: str, group: Group, annotation: Any) -> None:
    shape = shape_of(without_optional(annotation))
    if shape is None:
        return
    wanted = "dict" if group.is_dict else "list"
    ok = shape.is_generic and shape.origin == wanted
    if ok and group.is_dict:
        ok = len(shape.args) == 2 and shape.args[0].text in ("str", "builtins.str")
    elif ok:
        ok = len(shape.args) == 1
    if not ok:
        example = "dict[str, pd.Series]" if group.is_dict else "list[pd.Series]"
        raise DecoratorError(
            f"parameter {param!r} receives group(...), so annotate it as {example}; it is "
            f"annotated {annotation}",
            call.location,
        )


def _element_type(dependency: Dependency) -> Any:
    shape = shape_of(without_optional(dependency.type))
    if shape is None or not shape.args:
        return None
    return shape.args[-1]


def bound_node(
    node: NodeSpec, name: str, p: Parameterization, ctx: RuleContext, call: Call
) -> NodeSpec:
    """`node` with its parameters bound as `p` says, renamed to `name`."""
    deps: dict[str, Dependency] = {}
    for dep in node.dependencies:
        binding = p.bindings.get(dep.name)
        if dep.name in p.unknowable or isinstance(binding, Value):
            continue
        if isinstance(binding, Source):
            new = [
                Dependency(binding.name, dep.type, dep.optional, binding.location or dep.location)
            ]
        elif isinstance(binding, Group):
            element = _element_type(dep)
            new = [
                Dependency(m.name, element, dep.optional, m.location or dep.location)
                for m in binding.members()
                if isinstance(m, Source)
            ]
        else:  # unbound, or configuration(...) which Hamilton leaves as the parameter itself
            new = [dep]
        for d in new:
            deps.setdefault(d.name, d)
    base = node.compute
    return replace(
        node,
        name=name,
        dependencies=tuple(deps.values()),
        doc=format_doc(ctx.function.doc, name, p, call),
        compute=None if base is None else _bound_compute(base, node, p, ctx.config),
    )


def _bound_compute(
    base: Callable[..., Any], node: NodeSpec, p: Parameterization, config: Mapping[str, Any]
) -> Callable[..., Any]:
    from .dependencies import resolve_runtime

    params = [d.name for d in node.dependencies]

    def compute(**kwargs: Any) -> Any:
        arguments: dict[str, Any] = {}
        for param in params:
            binding = p.bindings.get(param)
            if isinstance(binding, (Source, Value, Group)):
                try:
                    arguments[param] = resolve_runtime(binding, kwargs, config)
                except KeyError:  # an optional source nobody supplied: the default applies
                    continue
            elif param in kwargs:
                arguments[param] = kwargs[param]
        return base(**arguments)

    return compute


def _only_node(call: Call, nodes: list[NodeSpec]) -> NodeSpec:
    if len(nodes) != 1:
        raise DecoratorError(
            f"@{call.name} expands a single node, but the decorators below it already make "
            f"{len(nodes)} ({', '.join(n.name for n in nodes)}); Hamilton refuses this",
            call.location,
        )
    return nodes[0]


def expand(
    call: Call, nodes: list[NodeSpec], ctx: RuleContext, outputs: Sequence[Parameterization]
) -> list[NodeSpec]:
    node = _only_node(call, nodes)
    validate(call, ctx.function, outputs)
    out = []
    for p in outputs:
        if p.output is None:
            out.append(bound_node(node, node.name, p, ctx, call))
        else:
            named = bound_node(node, p.output, p, ctx, call)
            out.append(replace(named, location=ctx.name_location(p.output, call)))
    return out


def _output_name(call: Call, ctx: RuleContext, name: Any) -> str | None:
    if skip_unknown(ctx, call, name, "an output name"):
        return None
    if not isinstance(name, str):
        raise DecoratorError(f"output names are strings, got {name!r}", call.location)
    return name


# --- the decorators ------------------------------------------------------------------------------


def _keywords_only(call: Call, example: str) -> None:
    if call.args:
        raise DecoratorError(
            f"@{call.name} takes keyword arguments only: @{call.name}({example})", call.location
        )


@rule("parameterize", phase=Phase.EXPAND)
def parameterize(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@parameterize(out={"p": source("x")}, other=({"p": value(1)}, "doc"))`."""
    _keywords_only(call, "out_a={'p': source('x')}")
    outputs = []
    for output, spec in call.kwargs.items():
        if skip_unknown(ctx, call, spec, f"the bindings of {output!r}"):
            continue
        doc = None
        if isinstance(spec, tuple):
            if len(spec) != 2:
                raise DecoratorError(
                    f"{output}=(bindings, 'doc') takes exactly two items, got {len(spec)}",
                    call.location,
                )
            spec, doc = spec
            doc = None if isinstance(doc, Unknown) else doc
        outputs.append(_bindings(call, ctx, output, spec, doc))
    return expand(call, nodes, ctx, outputs)


@rule("parameterize_values", "parametrized", phase=Phase.EXPAND)
def parameterize_values(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@parameterize_values(parameter="p", assigned_output={("out", "doc"): 1, ...})`."""
    bound = bind_arguments(call, ["parameter", "assigned_output"])
    parameter = ctx.known(bound["parameter"], "parameter", call)
    assigned = ctx.known(bound["assigned_output"], "assigned_output", call)
    if not isinstance(assigned, Mapping):
        raise DecoratorError(
            "assigned_output must be a dict of (output name, doc) to value", call.location
        )
    outputs = []
    for key, literal in assigned.items():
        if skip_unknown(ctx, call, key, "an output"):
            continue
        if not isinstance(key, tuple) or len(key) != 2:
            raise DecoratorError(
                f"assigned_output keys are (output name, doc) pairs, got {key!r}", call.location
            )
        name = _output_name(call, ctx, key[0])
        if name is not None:
            doc = None if isinstance(key[1], Unknown) else key[1]
            outputs.append(Parameterization(name, {parameter: Value(literal)}, doc))
    return expand(call, nodes, ctx, outputs)


@rule("parameterize_sources", "parameterized_inputs", phase=Phase.EXPAND)
def parameterize_sources(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@parameterize_sources(out={"p": "node_x"}, ...)`: every binding is a source."""
    _keywords_only(call, "out_a={'p': 'upstream_node'}")
    if not call.kwargs:
        raise DecoratorError(
            f"@{call.name} needs at least one output: @{call.name}(out={{'p': 'node'}})",
            call.location,
        )
    outputs = []
    for output, mapping in call.kwargs.items():
        if skip_unknown(ctx, call, mapping, f"the bindings of {output!r}"):
            continue
        if not isinstance(mapping, Mapping) or not mapping:
            raise DecoratorError(
                f"{output} needs a non-empty dict of parameter name to node name", call.location
            )
        p = Parameterization(output)
        for param, upstream in mapping.items():
            if skip_unknown(ctx, call, upstream, f"the source of {param!r}"):
                p.unknowable.append(str(param))
            elif not isinstance(upstream, str):
                raise DecoratorError(
                    f"{output}: {param!r} must name a node as a string, got {upstream!r}",
                    call.location,
                )
            else:
                p.bindings[str(param)] = Source(upstream, getattr(upstream, "location", None))
        outputs.append(p)
    return expand(call, nodes, ctx, outputs)


@rule("parametrized_input", phase=Phase.EXPAND)
def parametrized_input(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """Legacy `@parametrized_input(parameter="p", variable_inputs={"node": ("out", "doc")})`."""
    bound = bind_arguments(call, ["parameter", "variable_inputs"])
    parameter = ctx.known(bound["parameter"], "parameter", call)
    inputs = ctx.known(bound["variable_inputs"], "variable_inputs", call)
    if not isinstance(inputs, Mapping):
        raise DecoratorError(
            "variable_inputs must be a dict of node name to (output name, doc)", call.location
        )
    outputs = []
    for upstream, target in inputs.items():
        if skip_unknown(ctx, call, target, f"the output for {upstream!r}"):
            continue
        if not isinstance(target, tuple) or len(target) != 2:
            raise DecoratorError(
                f"variable_inputs values are (output name, doc) pairs, got {target!r}",
                call.location,
            )
        name = _output_name(call, ctx, target[0])
        if name is not None:
            source = Source(upstream, getattr(upstream, "location", None))
            doc = None if isinstance(target[1], Unknown) else target[1]
            outputs.append(Parameterization(name, {parameter: source}, doc))
    return expand(call, nodes, ctx, outputs)


@rule("inject", phase=Phase.EXPAND)
def inject(call: Call, nodes: list[NodeSpec], ctx: RuleContext) -> list[NodeSpec]:
    """`@inject(p=source("x"), q=group(...))`: bind parameters, keep the node's own name."""
    _keywords_only(call, "p=source('upstream')")
    return expand(call, nodes, ctx, [_bindings(call, ctx, None, dict(call.kwargs))])


@rule("parameterize_extract_columns", phase=Phase.EXPAND)
def parameterize_extract_columns(
    call: Call, nodes: list[NodeSpec], ctx: RuleContext
) -> list[NodeSpec]:
    """`@parameterize_extract_columns(ParameterizedExtract(("a", "b"), {"p": source("x")}), ...)`.

    Each extract makes a dataframe node `<fn>__<i>` with its bindings, and one node per column.
    """
    kwargs = dict(call.kwargs)
    reassign = kwargs.pop("reassign_columns", True)
    if kwargs:
        raise DecoratorError(
            f"@parameterize_extract_columns got unexpected argument(s) {', '.join(kwargs)}",
            call.location,
        )
    check_dataframe_output(call, ctx)
    node = _only_node(call, nodes)
    out: list[NodeSpec] = []
    for index, extract in enumerate(call.args):
        if skip_unknown(ctx, call, extract, "a ParameterizedExtract"):
            continue
        columns, mapping = _extract_arguments(call, ctx, extract)
        name = f"{node.name}__{index}"
        p = _bindings(call, ctx, name, mapping)
        frame = bound_node(node, name, p, ctx, call)
        if frame.compute is not None and reassign is True:
            frame = replace(frame, compute=_renaming_columns(frame.compute, columns))
        frame = replace(frame, location=call.location)
        parts = column_parts(call, ctx, columns, frame)
        out.extend(split_off(call, ctx, frame, parts, lambda df, c: df[c]))
    return out


def _extract_arguments(call: Call, ctx: RuleContext, extract: Any) -> tuple[list[Any], Any]:
    if not isinstance(extract, Call) or extract.name != "ParameterizedExtract":
        raise DecoratorError(
            f"@parameterize_extract_columns takes ParameterizedExtract(columns, bindings) "
            f"arguments, got {extract!r}",
            call.location,
        )
    bound = bind_arguments(extract, ["outputs", "input_mapping"])
    columns = ctx.known(bound["outputs"], "the columns of a ParameterizedExtract", extract)
    if isinstance(columns, str) or not isinstance(columns, (tuple, list)):
        raise DecoratorError(
            f"ParameterizedExtract takes a tuple of column names first, got {columns!r}",
            extract.location or call.location,
        )
    return list(columns), ctx.known(bound["input_mapping"], "the bindings", extract)


def _renaming_columns(base: Callable[..., Any], columns: list[Any]) -> Callable[..., Any]:
    names = [c[0] if isinstance(c, tuple) else c for c in columns]

    def compute(**kwargs: Any) -> Any:
        frame = base(**kwargs)
        frame.columns = names
        return frame

    return compute


__all__ = ["Parameterization", "bound_node", "expand", "format_doc"]
