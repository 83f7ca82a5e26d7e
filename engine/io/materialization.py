"""`to.<format>(...)` and `from_.<format>(...)`: save and load data around a dataflow without
decorating its functions (Hamilton's `hamilton.io.materialization`).

    from livedag.engine.io.materialization import to, from_

    dr.materialize(
        from_.csv(target="raw", path="in.csv"),          # `raw` is now loaded from in.csv
        to.json(id="report_json", dependencies=["report"], path="out.json"),
        additional_vars=["summary"],
    )

Each factory adds nodes to a copy of the dataflow, shaped as Hamilton shapes them:
- `to.<format>(id=..., dependencies=[...], combine=..., **arguments)`: a saver node `id` that
  saves the one dependency (or, with `combine=<result builder>`, a node `<id>_build_result`
  joining them) and yields the saving metadata;
- `from_.<format>(target=..., **arguments)`: a loader node `load_data.<target>` yielding
  `(data, metadata)` and a node `<target>` (replacing what was there) yielding the data.
Arguments are literals, `value(...)` or `source("node")` (livedag's or Hamilton's).  The adapter
class is chosen by the saved or loaded node's type, as `save_to`/`load_from` choose it
(`rules.adapter_catalog`), among the ones livedag runs (`livedag.engine.adapters`).  Factories
made by apache-hamilton's own `to`/`from_` are accepted too: their adapter classes (including ones
registered with Hamilton's registry) are then Hamilton's, chosen by Hamilton's rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .. import adapters as runtime_adapters
from ..dataflow import Dataflow
from ..introspect import type_ref
from ..rules.adapter_catalog import LOADERS, SAVERS, AdapterClass, check_arguments, choose_adapter
from ..rules.registry import DecoratorError
from ..specs import Call, Dependency, NodeKind, NodeSpec, TypeRef


def combined_name(saver_id: str) -> str:
    """The node a saver with `combine=` builds its result in (`dr.materialize` may ask for it)."""
    return f"{saver_id}_build_result"


LOADER_TAG = "hamilton.data_loader"
SAVER_TAG = "hamilton.data_saver"
_METADATA_TYPE = TypeRef("dict[str, Any]", "dict", dict)

# argument name -> ("source", node name) or ("value", literal)
Arguments = dict[str, tuple[str, Any]]
Saver = Callable[[Any, dict[str, Any]], Any]
Loader = Callable[[dict[str, Any]], tuple[Any, dict[str, Any]]]


class MaterializationError(ValueError):
    """A materializer or extractor cannot be added to this dataflow; the message says why."""


def _argument(name: str, raw: Any, what: str) -> tuple[str, Any]:
    """A factory argument as ("source", node) or ("value", literal)."""
    if isinstance(raw, Call) and raw.name in ("source", "value") and len(raw.args) == 1:
        return raw.name, raw.args[0]
    kind = type(raw).__name__
    if type(raw).__module__.startswith("hamilton.function_modifiers"):
        if kind == "UpstreamDependency":
            return "source", raw.source
        if kind == "LiteralDependency":
            return "value", raw.value
        raise MaterializationError(
            f"{what}: argument {name!r} is {kind}; pass a literal, value(...) or source(...)"
        )
    if isinstance(raw, Call) and raw.name in ("configuration", "group"):
        raise MaterializationError(
            f"{what}: argument {name!r} is {raw.name}(...); pass a literal, value(...) or "
            f"source(...)"
        )
    return "value", raw


def _arguments(raw: Mapping[str, Any], what: str) -> Arguments:
    return {name: _argument(name, value, what) for name, value in raw.items()}


def _values(arguments: Arguments, values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: values[ref] if kind == "source" else ref for name, (kind, ref) in arguments.items()
    }


def _source_dependencies(arguments: Arguments, required: Sequence[str]) -> list[Dependency]:
    """Source arguments as dependencies: the adapter's required ones first, then the rest."""
    ordered = [n for n in required if n in arguments] + [n for n in arguments if n not in required]
    return [
        Dependency(arguments[n][1], None, optional=n not in required)
        for n in ordered
        if arguments[n][0] == "source"
    ]


# --- the factories -------------------------------------------------------------------------------


class MaterializerFactory:
    """What `to.<format>(...)` makes: saves `dependencies` (joined by `result_builder` when there
    are several) as node `id`."""

    def __init__(
        self,
        id: str,
        format: str,
        result_builder: Any,
        dependencies: Sequence[Any],
        **data_saver_kwargs: Any,
    ):
        self.id = id
        self.format = format
        self.result_builder = result_builder
        self.dependencies = list(dependencies)
        self.data_saver_kwargs = dict(data_saver_kwargs)

    def __repr__(self) -> str:
        return f"to.{self.format}(id={self.id!r}, dependencies={self.dependencies!r})"


class ExtractorFactory:
    """What `from_.<format>(...)` makes: loads node `target` instead of computing or asking
    for it."""

    def __init__(self, target: str, format: str, **data_loader_kwargs: Any):
        self.target = target
        self.format = format
        self.data_loader_kwargs = dict(data_loader_kwargs)

    def __repr__(self) -> str:
        return f"from_.{self.format}(target={self.target!r})"


class _Formats(type):
    """`to.csv`, `from_.json`, ...: one factory function per format Hamilton knows."""

    _catalog: Mapping[str, Any]
    _family: str

    def __getattr__(cls, fmt: str) -> Callable[..., Any]:
        if fmt.startswith("__") or fmt not in cls._catalog:
            raise AttributeError(
                f"{cls._family} has no format {fmt!r}; formats: {', '.join(sorted(cls._catalog))}"
            )
        return cls._factory(fmt)

    def __dir__(cls) -> list[str]:
        return sorted(cls._catalog)


class to(metaclass=_Formats):  # noqa: N801 - Hamilton's name
    """`to.<format>(id=..., dependencies=[...], combine=None, **arguments)`: a materializer."""

    _catalog = SAVERS
    _family = "to"

    @staticmethod
    def _factory(fmt: str) -> Callable[..., MaterializerFactory]:
        def materializer(
            id: str, dependencies: Sequence[Any], combine: Any = None, **kwargs: Any
        ) -> MaterializerFactory:
            return MaterializerFactory(id, fmt, combine, dependencies, **kwargs)

        materializer.__name__ = fmt
        materializer.__doc__ = f"Save to {fmt}: to.{fmt}(id=..., dependencies=[...], ...)"
        return materializer


class from_(metaclass=_Formats):  # noqa: N801 - Hamilton's name
    """`from_.<format>(target=..., **arguments)`: an extractor."""

    _catalog = LOADERS
    _family = "from_"

    @staticmethod
    def _factory(fmt: str) -> Callable[..., ExtractorFactory]:
        def extractor(target: str, **kwargs: Any) -> ExtractorFactory:
            return ExtractorFactory(target, fmt, **kwargs)

        extractor.__name__ = fmt
        extractor.__doc__ = f"Load from {fmt}: from_.{fmt}(target=..., ...)"
        return extractor


def is_materializer(factory: Any) -> bool:
    """A `to.<format>` factory, livedag's or Hamilton's."""
    return all(hasattr(factory, a) for a in ("id", "dependencies", "data_saver_kwargs"))


def is_extractor(factory: Any) -> bool:
    """A `from_.<format>` factory, livedag's or Hamilton's."""
    return all(hasattr(factory, a) for a in ("target", "data_loader_kwargs"))


def check_factories(factories: Sequence[Any], where: str) -> None:
    """Refuse anything that is not a materializer or extractor, saying what was given."""
    if len(factories) == 1 and isinstance(factories[0], (list, tuple)):
        raise MaterializationError(
            f"{where} received a sequence; unpack it with `*`, e.g. {where}(*[to.json(...), ...])"
        )
    wrong = [f for f in factories if not (is_materializer(f) or is_extractor(f))]
    if wrong:
        raise MaterializationError(
            f"{where} takes to.<format>(...) and from_.<format>(...) factories; got "
            f"{', '.join(repr(w) for w in wrong)}"
        )


# --- choosing the adapter ------------------------------------------------------------------------


def _runtime_classes(
    catalog: Mapping[str, tuple[AdapterClass, ...]], fmt: str, runnable: Mapping[str, Any]
) -> list[AdapterClass]:
    return [c for c in catalog.get(fmt, ()) if c.name in runnable]


def _livedag_saver(
    fmt: str, saved: NodeSpec, arguments: Arguments, what: str
) -> tuple[Saver, AdapterClass]:
    ref = saved.type
    classes = _runtime_classes(SAVERS, fmt, runtime_adapters.SAVERS)
    chosen = choose_adapter(classes, ref, loading=False) if classes else None
    if not isinstance(chosen, AdapterClass):
        saves = sorted({t for c in classes for t in c.types})
        raise MaterializationError(
            f"{what}: livedag cannot save {ref or 'an unannotated value'} to {fmt}"
            + (f" (it saves {', '.join(saves)} there)" if saves else "")
            + "; pick another format, or materialize with Hamilton's own `to`"
        )
    _check(chosen, arguments, what)
    name = chosen.name

    def save(data: Any, values: dict[str, Any]) -> Any:
        return runtime_adapters.save(name, data, values)

    return save, chosen


def _livedag_loader(
    fmt: str, target: NodeSpec, arguments: Arguments, what: str
) -> tuple[Loader, AdapterClass]:
    classes = _runtime_classes(LOADERS, fmt, runtime_adapters.LOADERS)
    chosen = choose_adapter(classes, target.type, loading=True) if classes else None
    if not isinstance(chosen, AdapterClass):
        loads = sorted({t for c in classes for t in c.types})
        raise MaterializationError(
            f"{what}: livedag cannot load {fmt} into {target.type or 'an unannotated node'}"
            + (f" (it loads {', '.join(loads)})" if loads else "")
            + "; pick another format, or load with Hamilton's own `from_`"
        )
    _check(chosen, arguments, what)
    name = chosen.name

    def load(values: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        return runtime_adapters.load(name, values)

    return load, chosen


def _check(chosen: AdapterClass, arguments: Arguments, what: str) -> None:
    try:
        check_arguments(chosen, list(arguments), what, Call(what))
    except DecoratorError as exc:
        raise MaterializationError(str(exc)) from None


def _hamilton_class(classes: Sequence[type], live: Any, what: str) -> type:
    from hamilton.function_modifiers.adapters import resolve_adapter_class

    chosen = resolve_adapter_class(live, list(classes))
    if chosen is None:
        raise MaterializationError(
            f"{what}: none of {', '.join(c.__name__ for c in classes)} handles {live}"
        )
    return chosen


def _required(cls: Any) -> tuple[str, ...]:
    if isinstance(cls, AdapterClass):
        return cls.required
    getter = getattr(cls, "get_required_arguments", None)
    return tuple(getter()) if callable(getter) else ()


# --- adding the nodes ----------------------------------------------------------------------------


def _saved_type(combine: Any) -> Any:
    """The type a result builder makes (Hamilton's `output_type()`, else known builders')."""
    output_type = getattr(combine, "output_type", None)
    if callable(output_type):
        made = output_type()
        if made is not Any:
            return made
    from .. import base

    if isinstance(combine, base.PandasDataFrameResult) or type(combine).__name__ == (
        "PandasDataFrameResult"
    ):
        import pandas

        return pandas.DataFrame
    if isinstance(combine, base.DictResult) or type(combine).__name__ == "DictResult":
        return dict
    return Any


def materializer_nodes(
    factory: Any, flow: Dataflow, output_names: Callable[[Sequence[Any]], list[str]]
) -> list[NodeSpec]:
    """The nodes one `to.<format>` adds: the joining node (with `combine`) and the saver."""
    what = repr(factory)
    names = output_names(factory.dependencies)
    missing = [n for n in names if n not in flow.nodes]
    if missing:
        raise MaterializationError(
            f"materializer {factory.id!r} depends on {', '.join(map(repr, missing))}, which "
            f"the dataflow does not have"
        )
    nodes: list[NodeSpec] = []
    combine = factory.result_builder
    if combine is None:
        if len(names) != 1:
            raise MaterializationError(
                f"materializer {factory.id!r} saves {len(names)} nodes; pass "
                f"combine=<result builder> (e.g. base.PandasDataFrameResult()) to join them"
            )
        saved = flow.nodes[names[0]]
    else:
        joined_type = _saved_type(combine)
        saved = NodeSpec(
            name=combined_name(factory.id),
            type=type_ref(joined_type) or TypeRef("Any", "typing.Any", Any),
            dependencies=tuple(
                Dependency(n, flow.nodes[n].type) for n in names
            ),  # in the order given
            doc=f"Builds the result for {factory.id} materializer",
            function=type(combine).__name__,
            module=type(combine).__module__,
            compute=_joining(combine),
        )
        nodes.append(saved)
    arguments = _arguments(factory.data_saver_kwargs, what)
    if isinstance(factory, MaterializerFactory):
        save, chosen = _livedag_saver(factory.format, saved, arguments, what)
        required, classname, sink = chosen.required, chosen.name, factory.format
    else:
        live = saved.type.obj if saved.type is not None and saved.type.obj is not None else Any
        cls = _hamilton_class(factory.savers, live, what)
        required = _required(cls)
        classname = cls.__qualname__
        sink = cls.name() if hasattr(cls, "name") else ""

        def save(data: Any, values: dict[str, Any], cls: Any = cls) -> Any:
            return cls(**values).save_data(data)

    deps = _source_dependencies(arguments, required)
    deps.append(Dependency(saved.name, saved.type))
    nodes.append(
        NodeSpec(
            name=factory.id,
            type=_METADATA_TYPE,
            dependencies=tuple(deps),
            tags={SAVER_TAG: True, f"{SAVER_TAG}.sink": sink, f"{SAVER_TAG}.classname": classname},
            doc=f"Saves {saved.name} ({what})",
            function=factory.id,
            compute=_saving(save, saved.name, arguments),
        )
    )
    return nodes


def extractor_nodes(factory: Any, nodes: Mapping[str, NodeSpec]) -> list[NodeSpec]:
    """The nodes one `from_.<format>` adds: `load_data.<target>` and `<target>` itself."""
    what = repr(factory)
    target = nodes.get(factory.target)
    if target is None:
        raise MaterializationError(
            f"{what}: the dataflow has no node {factory.target!r} to load into"
        )
    arguments = _arguments(factory.data_loader_kwargs, what)
    if isinstance(factory, ExtractorFactory):
        load, chosen = _livedag_loader(factory.format, target, arguments, what)
        required, source, classname = chosen.required, factory.format, chosen.name
    else:
        live = target.type.obj if target.type is not None and target.type.obj is not None else Any
        cls = _hamilton_class(factory.loaders, live, what)
        required = _required(cls)
        source, classname = (cls.name() if hasattr(cls, "name") else ""), cls.__qualname__

        def load(values: dict[str, Any], cls: Any = cls, live: Any = live) -> Any:
            return cls(**values).load_data(live)

    tags = {
        LOADER_TAG: True,
        f"{LOADER_TAG}.source": source,
        f"{LOADER_TAG}.classname": classname,
        f"{LOADER_TAG}.node": target.name,
    }
    loaded = TypeRef(f"tuple[{target.type}, dict]" if target.type else "tuple", "tuple", tuple)
    loader = NodeSpec(
        name=f"load_data.{target.name}",
        type=loaded,
        dependencies=tuple(_source_dependencies(arguments, required)),
        tags={**tags, f"{LOADER_TAG}.has_metadata": True},
        doc=f"Loads {target.name} ({what})",
        function=target.name,
        compute=_loading(load, arguments),
    )
    select = NodeSpec(
        name=target.name,
        type=target.type,
        dependencies=(Dependency(loader.name, loaded),),
        tags={**tags, f"{LOADER_TAG}.has_metadata": False},
        doc=target.doc or f"The data part of {loader.name}",
        function=target.name,
        module=target.module if target.kind is NodeKind.FUNCTION else None,
        compute=_first_of(loader.name),
    )
    return [loader, select]


def _joining(combine: Any) -> Callable[..., Any]:
    def join(**values: Any) -> Any:
        return combine.build_result(**values)

    return join


def _saving(save: Saver, data_name: str, arguments: Arguments) -> Callable[..., Any]:
    def saving(**values: Any) -> Any:
        return save(values[data_name], _values(arguments, values))

    return saving


def _loading(load: Callable[[dict[str, Any]], Any], arguments: Arguments) -> Callable[..., Any]:
    def loading(**values: Any) -> Any:
        return load(_values(arguments, values))

    return loading


def _first_of(name: str) -> Callable[..., Any]:
    def first(**values: Any) -> Any:
        return values[name][0]

    return first


def with_materializers(
    flow: Dataflow, factories: Sequence[Any], output_names: Callable[[Sequence[Any]], list[str]]
) -> Dataflow:
    """A new dataflow: `flow` plus the materializers' nodes, with extractors loading their
    targets (which replace the nodes of the same name)."""
    check_factories(factories, "materialize")
    added: dict[str, NodeSpec] = {}
    for factory in factories:
        if is_materializer(factory):
            for made in materializer_nodes(factory, flow, output_names):
                added[made.name] = made
    known = {**flow.nodes, **added}
    for factory in factories:
        if is_extractor(factory) and not is_materializer(factory):
            for made in extractor_nodes(factory, known):
                added[made.name] = made
    original = [
        spec
        for name, spec in flow.nodes.items()
        if spec.kind is NodeKind.FUNCTION and name not in added
    ]
    # A loaded config key is loaded, as in Hamilton (the config value would otherwise win).
    config = {k: v for k, v in flow.config.items() if k not in added}
    return Dataflow.build(
        [*original, *added.values()], config=config, declared_inputs=flow.declared_inputs
    )
