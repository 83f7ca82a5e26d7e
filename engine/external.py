"""The nodes no function makes: external inputs and config values, typed by who asks for them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .specs import Dependency, NodeKind, NodeSpec, TypeRef

# Tag on a synthesized INPUT node that every consumer may leave out (all have defaults).
OPTIONAL_TAG = "livedag.optional"
_ANY = TypeRef("Any", "typing.Any", Any)


def config_node(name: str, asking: Sequence[Dependency]) -> NodeSpec:
    """A config value, typed like an input (Any when nobody annotates it)."""
    typed = next((d.type for d in asking if d.type is not None), _ANY)
    return NodeSpec(name=name, type=typed, kind=NodeKind.CONFIG)


def input_node(name: str, asking: Sequence[Dependency]) -> NodeSpec:
    """An external input typed by its first annotated consumer (Hamilton's choice)."""
    typed = next((d.type for d in asking if d.type is not None), None)
    optional = all(d.optional for d in asking)
    return NodeSpec(
        name=name,
        type=typed,
        kind=NodeKind.INPUT,
        tags={OPTIONAL_TAG: True} if optional else {},
    )
