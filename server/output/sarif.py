"""SARIF 2.1.0 for GitHub code scanning: one run, one rule per LD code, one result per problem.

Columns are counted in Unicode code points (`columnKind`), which is how livedag counts them;
artifact URIs are relative to the folder lint ran in (`%SRCROOT%`) when the file lies inside it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from livedag.engine.codes import Code
from livedag.engine.specs import Location, Problem, Severity

from .graph import display_path

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/livedag/livedag"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def to_sarif(problems: Sequence[Problem], *, version: str, cwd: Path | None = None) -> str:
    base = (cwd or Path.cwd()).resolve()
    rules = sorted(Code, key=lambda code: code.value)
    index = {code: i for i, code in enumerate(rules)}
    results = [_result(p, index, base) for p in problems]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "livedag",
                        "version": version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(code) for code in rules],
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _rule(code: Code) -> dict[str, Any]:
    return {
        "id": code.value,
        "name": code.rule_name,
        "shortDescription": {"text": code.summary},
        "fullDescription": {"text": code.help},
        "help": {"text": code.help},
        "defaultConfiguration": {"level": _LEVEL[code.severity]},
        "properties": {"tags": ["lineage", "hamilton"]},
    }


def _result(problem: Problem, index: dict[Code, int], base: Path) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": problem.code.value,
        "level": _LEVEL[problem.severity],
        "message": {"text": problem.message},
    }
    if problem.code in index:
        result["ruleIndex"] = index[problem.code]
    if problem.location is not None:
        result["locations"] = [_location(problem.location, base)]
    related = [r for r in problem.related if r.location.path]
    if related:
        result["relatedLocations"] = [
            {**_location(r.location, base), "id": i, "message": {"text": r.message}}
            for i, r in enumerate(related)
        ]
    return result


def _location(loc: Location, base: Path) -> dict[str, Any]:
    artifact: dict[str, Any]
    shown = display_path(loc.path, base)
    if shown is None:
        artifact = {"uri": "unknown"}
    elif Path(shown).is_absolute():
        artifact = {"uri": Path(shown).as_uri()}
    else:
        artifact = {"uri": shown, "uriBaseId": "%SRCROOT%"}
    region = {
        "startLine": max(loc.line, 1),
        "startColumn": loc.column + 1,
        "endLine": max(loc.end_line, loc.line, 1),
        "endColumn": max(loc.end_column + 1, 1),
    }
    if region["endLine"] == region["startLine"] and region["endColumn"] < region["startColumn"]:
        region["endColumn"] = region["startColumn"]
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}
