"""The LD diagnostic codes, described once for every report that lists them (SARIF rules, help).

The server and the command report the same codes; this table is their user-facing description.
"""

from __future__ import annotations

from dataclasses import dataclass

from livedag.engine.specs import Severity


@dataclass(frozen=True)
class Code:
    code: str
    name: str  # a short PascalCase identifier, as SARIF `rule.name` wants it
    severity: Severity  # the usual severity (LD002 is an error when inputs are declared)
    summary: str
    help: str


CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code(
            "LD001",
            "Cycle",
            Severity.ERROR,
            "The dataflow has a cycle.",
            "Nodes depend on each other in a circle, so none of them can be computed. The "
            "message names the whole cycle; break it by renaming or removing one dependency.",
        ),
        Code(
            "LD002",
            "UnknownDependency",
            Severity.WARNING,
            "A dependency names no node or declared input.",
            "An error when the dataflow declares its inputs in [tool.livedag]; otherwise a "
            "warning only when the name looks like a typo of an existing node.",
        ),
        Code(
            "LD003",
            "DuplicateNode",
            Severity.ERROR,
            "The same node is defined twice.",
            "Two functions or decorators make a node of the same name; Hamilton refuses to "
            "build such a graph. Rename one of them.",
        ),
        Code(
            "LD004",
            "TypeMismatch",
            Severity.ERROR,
            "Producer and consumer disagree on the type.",
            "The annotation of a parameter does not match the return annotation of the node "
            "it depends on.",
        ),
        Code(
            "LD005",
            "MissingAnnotation",
            Severity.ERROR,
            "A function has no return type annotation.",
            "Hamilton refuses functions without a return annotation; add `-> <type>`.",
        ),
        Code(
            "LD006",
            "DecoratorMisuse",
            Severity.ERROR,
            "A decorator is used in a way Hamilton rejects.",
            "Wrong arguments, targets that do not exist, or two decorators that cannot be "
            "combined; the message says which.",
        ),
        Code(
            "LD007",
            "SyntaxError",
            Severity.ERROR,
            "Syntax error.",
            "The block does not parse, so its functions are out of the graph until it does.",
        ),
        Code(
            "LD008",
            "Unknowable",
            Severity.INFO,
            "A decorator argument cannot be known without running code.",
            "livedag never runs your code; lineage below this decorator is partial.",
        ),
        Code(
            "LD009",
            "UnknownOutput",
            Severity.ERROR,
            "A driver asks for an output no function defines.",
            "The name in execute([...]) / final_vars matches no node of the driver's dataflow.",
        ),
        Code(
            "LD010",
            "MissingInput",
            Severity.WARNING,
            "A driver does not supply an input its outputs need.",
            "The requested outputs depend on an external input that is neither in inputs={...} "
            "nor in the config.",
        ),
        Code(
            "LD012",
            "AnalysisFailure",
            Severity.WARNING,
            "livedag could not analyse a function or statement.",
            "A bug in livedag, not in your code: the analysis of this one function or statement "
            "failed, so it is out of the graph; the rest of the file is analysed as usual. "
            "Please report it with the message and, if you can, the code that causes it.",
        ),
    )
}
