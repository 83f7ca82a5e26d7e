"""The LD diagnostic codes: one entry per kind of problem, referenced by name.

Whatever finds a problem says which one with a member of `Code` (`Code.CYCLE`), never with its
spelling: the spelling (`"LD001"`) is the code's `value`, written only where a problem leaves
livedag (LSP diagnostics, `livedag lint` lines, JSON, SARIF, GitHub annotations) and read back,
with `Code.parse`, where a user names a code (`[tool.livedag] select`, `livedag.severities`).
Each entry also carries what every report that lists the codes needs: its usual severity, a
one-line summary and a help text (SARIF rules, docs/design.md's table).
"""

from __future__ import annotations

import enum
import functools


class Severity(str, enum.Enum):
    """How loudly a problem is reported; each code has a usual one (`Code.severity`)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@functools.total_ordering
class Code(enum.Enum):
    """A kind of problem livedag reports; `value` is its spelling, such as "LD001"."""

    _value_: str
    severity: Severity  # the usual severity (LD002 is an error when inputs are declared)
    summary: str
    help: str

    def __new__(cls, code: str, severity: Severity, summary: str, help: str) -> Code:
        member = object.__new__(cls)
        member._value_ = code
        member.severity = severity
        member.summary = summary
        member.help = help
        return member

    def __str__(self) -> str:
        return self._value_

    def __lt__(self, other: Code) -> bool:
        """Codes sort by number, as reports list them."""
        if not isinstance(other, Code):
            return NotImplemented
        return self._value_ < other._value_

    @property
    def rule_name(self) -> str:
        """A short PascalCase identifier, as SARIF `rule.name` wants it (UnknownOutput)."""
        return "".join(word.capitalize() for word in self.name.split("_"))

    @classmethod
    def parse(cls, text: str) -> Code | None:
        """The code spelled `text` exactly ("LD001"), or None when livedag has no such code."""
        return next((code for code in cls if code.value == text), None)

    CYCLE = (
        "LD001",
        Severity.ERROR,
        "The dataflow has a cycle.",
        "Nodes depend on each other in a circle, so none of them can be computed. The "
        "message names the whole cycle; break it by renaming or removing one dependency.",
    )
    UNKNOWN_DEPENDENCY = (
        "LD002",
        Severity.WARNING,
        "A dependency names no node or declared input.",
        "An error when the dataflow declares its inputs in [tool.livedag]; otherwise a "
        "warning only when the name looks like a typo of an existing node.",
    )
    DUPLICATE_NODE = (
        "LD003",
        Severity.ERROR,
        "The same node is defined twice.",
        "Two functions or decorators make a node of the same name; Hamilton refuses to "
        "build such a graph. Rename one of them.",
    )
    TYPE_MISMATCH = (
        "LD004",
        Severity.ERROR,
        "Producer and consumer disagree on the type.",
        "The annotation of a parameter does not match the return annotation of the node "
        "it depends on.",
    )
    MISSING_ANNOTATION = (
        "LD005",
        Severity.ERROR,
        "A function has no return type annotation.",
        "Hamilton refuses functions without a return annotation; add `-> <type>`.",
    )
    DECORATOR_MISUSE = (
        "LD006",
        Severity.ERROR,
        "A decorator is used in a way Hamilton rejects.",
        "Wrong arguments, targets that do not exist, or two decorators that cannot be "
        "combined; the message says which.",
    )
    SYNTAX_ERROR = (
        "LD007",
        Severity.ERROR,
        "Syntax error.",
        "The block does not parse, so its functions are out of the graph until it does.",
    )
    UNKNOWABLE = (
        "LD008",
        Severity.INFO,
        "A decorator argument cannot be known without running code.",
        "livedag never runs your code; lineage below this decorator is partial.",
    )
    UNKNOWN_OUTPUT = (
        "LD009",
        Severity.ERROR,
        "A driver asks for an output no function defines.",
        "The name in execute([...]) / final_vars matches no node of the driver's dataflow.",
    )
    MISSING_INPUT = (
        "LD010",
        Severity.WARNING,
        "A driver does not supply an input its outputs need.",
        "The requested outputs depend on an external input that is neither in inputs={...} "
        "nor in the config.",
    )
    POLICY_VIOLATION = (
        "LD011",
        Severity.ERROR,
        "A policy of [tool.livedag.policies] does not hold.",
        "The message names the policy. A must_not_reach violation is reported at the parameter "
        "that joins the forbidden path, with the whole path as related information; a "
        "require_tags or allowed_values one at the node. Each policy may set its own severity.",
    )
    ANALYSIS_FAILURE = (
        "LD012",
        Severity.WARNING,
        "livedag could not analyse a function or statement.",
        "A bug in livedag, not in your code: the analysis of this one function or statement "
        "failed, so it is out of the graph; the rest of the file is analysed as usual. "
        "Please report it with the message and, if you can, the code that causes it.",
    )
