"""Plain data shared by both front ends and the graph rules.

A front end (live modules, or source text) describes each function as a `FunctionSpec` whose
decorators are `Call` records: which decorator, with which arguments.  The graph rules
(`livedag.engine.rules`) turn a FunctionSpec into `NodeSpec`s.  Nothing here knows what any
decorator means.

Conventions:
- `Location` lines are 1-based, columns 0-based and counted in code points (not bytes, not UTF-16
  units); converting to LSP positions is the server's job.
- Fields that only the runtime can fill (live functions, types, compute callables) are excluded from
  equality, so a static spec and a runtime spec of the same code compare equal where it matters.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .codes import Code, Severity


@dataclass(frozen=True, slots=True)
class Location:
    """A source range: 1-based lines, 0-based code-point columns, end exclusive."""

    path: str | None
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.path or '<unknown>'}:{self.line}:{self.column + 1}"

    def stays_with(self, other: Location | None) -> bool:
        """Equal now and bound to stay equal: a front end whose locations move with the text
        (the editor's) says whether two of them move together.  Caches that keep an old object
        in place of an equal new one ask this, not `==`."""
        return self == other


def same_place(a: Location | None, b: Location | None) -> bool:
    """`a.stays_with(b)`, for locations that may be missing."""
    return a is b or (a is not None and a.stays_with(b))


class LocatedStr(str):
    """A string literal that remembers where it was written.

    It behaves exactly like `str` (equality, hashing, formatting), so the rules pass it along as a
    node name without knowing; `location_of` reads the location back where a node is named.
    """

    __slots__ = ("location",)
    location: Location | None

    def __new__(cls, value: str, location: Location | None = None) -> LocatedStr:
        obj = super().__new__(cls, value)
        obj.location = location
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (LocatedStr, (str(self), self.location))


def location_of(value: object) -> Location | None:
    """The location a value was written at, if the front end recorded it."""
    return getattr(value, "location", None)


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A type annotation.

    `text` is how the user wrote it (`pd.Series`); `qualified` is its full name when a front end
    could resolve it (`pandas.Series`); `obj` is the live type (runtime front end only).

    `fields` describes a TypedDict class, so rules can see into it without the live class: its
    fields as (name, type) pairs in the order `typing.get_type_hints` gives them (inherited ones
    first, `Required`/`NotRequired`/`Annotated` unwrapped).  None means "not a TypedDict, or the
    front end could not tell".  One level only: the field types carry no fields of their own.
    """

    text: str
    qualified: str | None = None
    obj: Any = field(default=None, compare=False, hash=False, repr=False)
    fields: tuple[tuple[str, TypeRef], ...] | None = field(
        default=None, compare=False, hash=False, repr=False
    )

    @property
    def key(self) -> str:
        """What two annotations are compared by (full name when known)."""
        return self.qualified or self.text

    def __str__(self) -> str:
        return self.text


# --- Decorator arguments -------------------------------------------------------------------------
# Decorator arguments are plain Python constants (str, int, float, bool, None, bytes, tuple, list,
# dict, set, frozenset) or one of the records below.


@dataclass(frozen=True, slots=True)
class ClassInfo:
    """A class the static front end read but does not run, for rules that name nodes after a
    class's methods (a custom validator's `name()`).

    `bases` are the classes it derives from: a ClassInfo for one the front end could read too,
    else the qualified name as far as it was resolved.  `methods` pairs each method defined in
    the class body with the constant its body returns (`def name(cls): return "positive"`), or
    with an `Unknown` when the body does anything else.
    """

    name: str
    bases: tuple[ClassInfo | str, ...] = ()
    methods: tuple[tuple[str, Any], ...] = ()

    def method(self, name: str) -> tuple[bool, Any]:
        """(whether this class itself defines `name`, what its body returns)."""
        for method, value in self.methods:
            if method == name:
                return True, value
        return False, None

    def mro(self) -> list[ClassInfo | str] | None:
        """Python's method resolution order (C3); a base known only by name counts as having
        no bases of its own.  None when the bases admit no consistent order (Python refuses
        such a class)."""
        return _c3(self)


def _c3(cls: ClassInfo | str) -> list[ClassInfo | str] | None:
    if isinstance(cls, str):
        return [cls]
    sequences: list[list[ClassInfo | str]] = []
    for base in cls.bases:
        found = _c3(base)
        if found is None:
            return None
        sequences.append(found)
    sequences.append(list(cls.bases))
    order: list[ClassInfo | str] = [cls]
    while any(sequences):
        sequences = [s for s in sequences if s]
        head = next(
            (s[0] for s in sequences if not any(s[0] in other[1:] for other in sequences)), None
        )
        if head is None:
            return None
        order.append(head)
        sequences = [s[1:] if s[0] == head else s for s in sequences]
    return order


@dataclass(frozen=True, slots=True)
class Unknown:
    """An argument a front end could not evaluate without running code (LD008 where it matters)."""

    reason: str
    location: Location | None = field(default=None, compare=False)
    # When the value is the result of calling something that is not a decorator helper: the
    # qualified name of what is called (e.g. a validator class), so rules can still name it,
    # and what the front end could read of that class when it is the user's own.
    callee: str | None = None
    callee_class: ClassInfo | None = None

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


# The values below print as the user wrote them (`a`, `int`, `source('x')`), never as records:
# every message that shows a decorator argument with `{value!r}` then speaks the user's language.


@dataclass(frozen=True, slots=True, repr=False)
class Symbol:
    """A named Python object that is not a function or module, e.g. a type passed to a decorator.

    `name` is its qualified name as far as it is known (`numpy.int64`, `pd.DataFrame`).
    """

    name: str
    obj: Any = field(default=None, compare=False, hash=False, repr=False)
    location: Location | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return self.name.removeprefix("builtins.")


@dataclass(frozen=True, slots=True, repr=False)
class FunctionRef:
    """A function passed as an argument (`@does(_sum)`, `step(_normalize)`, `subdag(load)`).

    `spec` is the referenced function's FunctionSpec when the front end could find it.
    """

    name: str
    module: str | None = None
    spec: FunctionSpec | None = field(default=None, compare=False)
    obj: Any = field(default=None, compare=False, hash=False, repr=False)
    location: Location | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, repr=False)
class ModuleRef:
    """A module passed as an argument (`@subdag(features_module, ...)`)."""

    name: str
    functions: tuple[FunctionSpec, ...] | None = field(default=None, compare=False)
    obj: Any = field(default=None, compare=False, hash=False, repr=False)
    location: Location | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Call:
    """A call of a known helper or decorator, as plain data.

    `name` is the canonical name in Hamilton's public API: `tag`, `extract_columns`,
    `config.when`, `load_from.csv`, `check_output`, `source`, `value`, `group`, `step`, ... .  A
    decorator livedag does not know keeps the full dotted name it resolved to (or the text as
    written) and is ignored by the rules.  `methods` holds chained calls such as
    `step(f).named("x").when(k=1)` → `Call("step", (f,), {}, methods=(Call("named", ("x",)),
    Call("when", (), {"k": 1})))`.  `star_args`/`star_kwargs` are `Unknown` when a `*x`/`**x` could
    not be expanded.  `bare` says the decorator was written without parentheses (`@name`), i.e. the
    decorator object itself was applied to the function; some decorators accept only one form.
    """

    name: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    methods: tuple[Call, ...] = ()
    location: Location | None = None
    known: bool = True
    bare: bool = False

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Call):
            return NotImplemented
        return (
            self.name == other.name
            and self.args == other.args
            and dict(self.kwargs) == dict(other.kwargs)
            and self.methods == other.methods
            and self.known == other.known
            and self.bare == other.bare
        )

    def __hash__(self) -> int:
        return hash((self.name, len(self.args), tuple(self.kwargs), len(self.methods)))

    def __repr__(self) -> str:
        """As written: `source('x')`, `step(f).named('y')`, `tag` for a bare decorator."""
        if self.bare:
            return self.name
        arguments = [*map(repr, self.args), *(f"{k}={v!r}" for k, v in self.kwargs.items())]
        chained = "".join(f".{method!r}" for method in self.methods)
        return f"{self.name}({', '.join(arguments)}){chained}"


# --- Functions ------------------------------------------------------------------------------


class ParameterKind(enum.Enum):
    POSITIONAL = "positional"  # positional-or-keyword, or positional-only
    KEYWORD_ONLY = "keyword_only"
    VAR_POSITIONAL = "var_positional"
    VAR_KEYWORD = "var_keyword"


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    annotation: TypeRef | None = None
    has_default: bool = False
    default: Any = field(default=None, compare=False)
    kind: ParameterKind = ParameterKind.POSITIONAL
    location: Location | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One Python function as the graph rules see it.

    `decorators` are in source order, outermost first (the order they are written in).  `location`
    is the range of the function's name in its `def`; `extent` the whole `def` statement, from
    `def` to the end of its body (decorators not included), where the front end knows it.  `obj`
    is the live function when the runtime front end built this spec.  `body_is_stub` says whether
    the body does nothing (just `pass` or a docstring, as Hamilton's `@does` requires); None when
    the front end cannot tell.

    `shadowed` marks a definition a later `def` of the same name replaced: Python keeps the
    last one, yet the decorators of this one ran on import, and one that changes *other*
    functions (`@mutate`) still does.  Front ends pass such a definition only when it takes
    part in a module rewrite (`rules.takes_part_in_rewrites`); it makes no node of its own.
    """

    name: str
    module: str
    parameters: tuple[Parameter, ...] = ()
    returns: TypeRef | None = None
    doc: str = ""
    decorators: tuple[Call, ...] = ()
    location: Location | None = field(default=None, compare=False)
    is_async: bool = False
    extent: Location | None = field(default=None, compare=False)
    obj: Any = field(default=None, compare=False, hash=False, repr=False)
    body_is_stub: bool | None = field(default=None, compare=False)
    shadowed: bool = False

    @property
    def is_public(self) -> bool:
        return not self.name.startswith("_")

    @property
    def qualified_name(self) -> str:
        return f"{self.module}.{self.name}" if self.module else self.name


# --- Nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dependency:
    """One input a node asks for. `location` is the parameter (or decorator argument) that asks."""

    name: str
    type: TypeRef | None = None
    optional: bool = False
    location: Location | None = field(default=None, compare=False)


class NodeKind(str, enum.Enum):
    FUNCTION = "function"  # made by a function or a decorator
    INPUT = "input"  # an external input nobody produces
    CONFIG = "config"  # a value of the dataflow's config


class NodeRole(str, enum.Enum):
    """How a node takes part in dynamic execution (Hamilton's `node_role`).

    A FUNCTION node is STANDARD unless its function returns `Parallelizable[...]` (EXPAND: each
    element of its result runs the nodes downstream once) or takes or returns `Collect[...]`
    (COLLECT: gathers those runs back into one value).  The graph rules decide it.
    """

    STANDARD = "standard"
    EXPAND = "expand"
    COLLECT = "collect"


# Tags whose keys start with one of these are livedag's or Hamilton's bookkeeping, not the user's.
INTERNAL_TAG_PREFIXES = ("hamilton.", "livedag.")
INTERNAL_TAG_KEYS = frozenset({"module"})


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node of the dataflow, as produced by the graph rules.

    `compute(**kwargs)` evaluates the node from its dependencies' values (runtime only; None when
    built from source text).  `function` is the name of the Python function that produced it.
    """

    name: str
    type: TypeRef | None = None
    dependencies: tuple[Dependency, ...] = ()
    tags: Mapping[str, Any] = field(default_factory=dict, hash=False)
    doc: str = ""
    function: str | None = None
    module: str | None = None
    location: Location | None = field(default=None, compare=False)
    kind: NodeKind = NodeKind.FUNCTION
    role: NodeRole = NodeRole.STANDARD
    compute: Callable[..., Any] | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def user_tags(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.tags.items()
            if k not in INTERNAL_TAG_KEYS and not k.startswith(INTERNAL_TAG_PREFIXES)
        }

    @property
    def dependency_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dependencies)


# --- Problems -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Related:
    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A diagnostic in the making: one of the LD codes (`codes.Code`), with where it applies."""

    code: Code
    severity: Severity
    message: str
    location: Location | None = None
    related: tuple[Related, ...] = ()
    node: str | None = None
