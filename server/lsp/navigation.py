"""Go to definition and find references, across files and through decorators.

Definition on a parameter (or a `source("x")` string, or a driver's `execute(["x"])` string) goes
to the node that produces it: the `def` name, or the decorator string that names it.  References on
a node's name go to every consumer: the parameters and decorator strings that ask for it, and the
driver strings that request or supply it.  Locations come from the graph rules, so nothing here
knows what any decorator does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from livedag.engine.specs import Location
from lsprotocol import types

from .convert import JsonArray
from .locate import Locator, Role, Target
from .session import Session

if TYPE_CHECKING:
    from livedag.server.workspace import DataflowView
    from pygls.lsp.server import LanguageServer


def definitions(view: DataflowView, target: Target) -> list[Location]:
    """Where the node(s) a target names are defined."""
    if target.role in (Role.FUNCTION, Role.NODE):
        return [target.location]
    found = [n.location for n in view.graph.definitions(target.name) if n.location is not None]
    if not found:  # an external input: where a driver supplies it
        for _, use in view.drivers:
            found += [loc for s in use.inputs if s == target.name and (loc := _loc(s)) is not None]
    return found


def references(view: DataflowView, target: Target, include_declaration: bool) -> list[Location]:
    """Every consumer of the node(s) a target names, and optionally their definitions."""
    names = target.nodes if target.role is Role.FUNCTION else (target.name,)
    found: list[Location] = []
    graph = view.graph
    for name in names:
        for _, dep in graph.consumers(name):
            if dep.location is not None:
                found.append(dep.location)
        for _, use in view.drivers:
            for s in (*use.outputs, *use.inputs):
                if s == name and (loc := _loc(s)) is not None:
                    found.append(loc)
        if include_declaration:
            found += [n.location for n in graph.definitions(name) if n.location is not None]
    if include_declaration and target.role is Role.FUNCTION:
        found.append(target.location)
    return found


def _loc(value: object) -> Location | None:
    return getattr(value, "location", None)


def _unique(locations: Iterable[Location]) -> list[Location]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for loc in locations:
        key = (loc.path, loc.line, loc.column, loc.end_line, loc.end_column)
        if key not in seen:
            seen.add(key)
            out.append(loc)
    return out


def register(server: LanguageServer, session: Session, locator: Locator) -> None:
    def to_protocol(locations: Iterable[Location]) -> JsonArray:
        """Protocol `Location`s in their JSON form (see `convert.JsonArray`)."""
        out = [session.location_json(loc) for loc in _unique(locations)]
        return JsonArray(loc for loc in out if loc is not None)

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: LanguageServer, params: types.DefinitionParams) -> JsonArray | None:
        pointed = await locator.at_cursor(session, params.text_document.uri, params.position)
        if pointed is None:
            return None
        locations = [loc for view, target in pointed[1] for loc in definitions(view, target)]
        return to_protocol(locations) or None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def find_references(
        ls: LanguageServer, params: types.ReferenceParams
    ) -> JsonArray | None:
        pointed = await locator.at_cursor(session, params.text_document.uri, params.position)
        if pointed is None:
            return None
        include = bool(params.context and params.context.include_declaration)
        locations = [loc for view, t in pointed[1] for loc in references(view, t, include)]
        return to_protocol(locations) or None
