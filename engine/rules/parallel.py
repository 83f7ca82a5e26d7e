"""Dynamic execution types: `Parallelizable[T]` and `Collect[T]` (Hamilton's `hamilton.htypes`).

They make no nodes of their own; they give the node a function makes its role, as Hamilton's
`Node.from_fn` does:

- EXPAND when the return annotation is `Parallelizable[...]`: the nodes downstream run once per
  element of its result;
- COLLECT when any annotation, return included, is `Collect[...]` (this wins over EXPAND): it
  gathers those runs back into one value;
- STANDARD otherwise, including bare `Parallelizable`/`Collect` (no type argument), and the
  types wrapped in anything (`Annotated[...]`, `Optional[...]`, unions), which Hamilton does not
  look into.

Nodes that decorators derive from the function's node keep its role (they are copies of it, as in
Hamilton); nodes a decorator makes afresh are STANDARD.

The annotation is recognised from what the front end gives (`TypeRef.qualified`, else its text):
`hamilton.htypes.Parallelizable[int]` from either front end, whatever the import alias
(`P[int]`, `ht.Parallelizable[int]`, `"Parallelizable[int]"`), and livedag's own
`livedag.engine.htypes`.  An annotation the static front end could not resolve is recognised by
its last name (`Parallelizable[Unresolved]`); a type alias (`Ints = Parallelizable[int]`) is
only seen at runtime.
"""

from __future__ import annotations

from ..specs import FunctionSpec, NodeRole, TypeRef

_MODULES = ("hamilton.htypes", "livedag.engine.htypes")
PARALLELIZABLE = "Parallelizable"
COLLECT = "Collect"


def _outer_head(text: str) -> str | None:
    """`X` when `text` is exactly `X[...]` (its first `[` closes at the very end), else None."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    opening = text.find("[")
    if opening <= 0 or not text.endswith("]"):
        return None
    depth = 0
    quote = ""
    for index in range(opening, len(text)):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return text[:opening].strip() if index == len(text) - 1 else None
    return None


def dynamic_marker(annotation: TypeRef | None) -> str | None:
    """`"Parallelizable"` or `"Collect"` when the annotation is that type applied to an element
    type, else None."""
    if annotation is None:
        return None
    head = _outer_head(annotation.key)
    if head is None:
        return None
    module, _, name = head.rpartition(".")
    if name not in (PARALLELIZABLE, COLLECT):
        return None
    if annotation.qualified is not None:  # resolved: it must be the real one
        return name if module in _MODULES else None
    return name


def node_role(spec: FunctionSpec) -> NodeRole:
    """The role of the node `spec` makes on its own (see the module docstring)."""
    annotations = [p.annotation for p in spec.parameters]
    annotations.append(spec.returns)
    if any(dynamic_marker(a) == COLLECT for a in annotations):
        return NodeRole.COLLECT
    if dynamic_marker(spec.returns) == PARALLELIZABLE:
        return NodeRole.EXPAND
    return NodeRole.STANDARD
