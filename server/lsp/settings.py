"""The server's settings: parsed from what the client sends into one typed value with defaults.

Clients send settings as `initializationOptions` and with `workspace/didChangeConfiguration`,
either flat or under a `livedag` key.  A value of the wrong shape is not fatal: the setting falls
back to its default and the user is told which setting is wrong and what it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from livedag.engine.codes import Code
from lsprotocol import types

SEVERITY_NAMES: dict[str, types.DiagnosticSeverity | None] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
    "off": None,
}
DEFAULT_MAX_FILE_BYTES = 5_000_000
INLAY_HINT_MODES = ("all", "inputs", "off")


@dataclass(frozen=True)
class Settings:
    """What the user can set.

    `config` overrides the config every dataflow is built with (for `@config.when`); `severities`
    maps an LD code to the severity to publish it with (None: do not publish it);
    `max_file_bytes` keeps editor buffers larger than that out of analysis; `debounce_ms` waits
    that long after a keystroke before analysing (0: analyse as soon as the server is idle).
    """

    config: Mapping[str, Any] | None = None
    severities: Mapping[Code, types.DiagnosticSeverity | None] = field(default_factory=dict)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    debounce_ms: int = 0
    inlay_hints: str = "all"  # "all", "inputs" (inputs and config only) or "off"


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a client's raw JSON value, and one message per value that was ignored."""
    errors: list[str] = []
    if raw is None:
        return Settings(), errors
    if isinstance(raw, Mapping) and isinstance(raw.get("livedag"), Mapping):
        raw = raw["livedag"]
    if not isinstance(raw, Mapping):
        errors.append(
            f"livedag settings must be a JSON object, got {type(raw).__name__}; using the defaults"
        )
        return Settings(), errors

    config: Mapping[str, Any] | None = None
    if raw.get("config") is not None:
        if isinstance(raw["config"], Mapping):
            config = dict(raw["config"])
        else:
            errors.append('livedag.config must be an object such as {"region": "US"}; ignoring it')

    severities: dict[Code, types.DiagnosticSeverity | None] = {}
    raw_severities = raw.get("severities")
    if raw_severities is not None and not isinstance(raw_severities, Mapping):
        errors.append(
            'livedag.severities must be an object such as {"LD002": "warning"}; ignoring it'
        )
    elif raw_severities is not None:
        for code, name in raw_severities.items():
            known = Code.parse(code) if isinstance(code, str) else None
            if known is None:
                errors.append(
                    f"livedag.severities: {code!r} is not a livedag code "
                    f"({', '.join(c.value for c in Code)}); ignoring it"
                )
            elif not isinstance(name, str) or name.lower() not in SEVERITY_NAMES:
                errors.append(
                    f"livedag.severities.{code} must be one of "
                    f"{', '.join(SEVERITY_NAMES)}, got {name!r}; using its default severity"
                )
            else:
                severities[known] = SEVERITY_NAMES[name.lower()]

    max_file_bytes = _positive_int(
        raw, "maxFileBytes", DEFAULT_MAX_FILE_BYTES, errors, allow_zero=False
    )
    debounce_ms = _positive_int(raw, "debounceMs", 0, errors, allow_zero=True)
    inlay_hints = raw.get("inlayHints", "all")
    if inlay_hints not in INLAY_HINT_MODES:
        errors.append(
            f"livedag.inlayHints must be one of {', '.join(INLAY_HINT_MODES)}, got "
            f"{inlay_hints!r}; using all"
        )
        inlay_hints = "all"
    return Settings(config, severities, max_file_bytes, debounce_ms, inlay_hints), errors


def _positive_int(
    raw: Mapping[str, Any], key: str, default: int, errors: list[str], *, allow_zero: bool
) -> int:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        least = "0" if allow_zero else "1"
        errors.append(
            f"livedag.{key} must be a whole number of at least {least}, got {value!r}; "
            f"using {default}"
        )
        return default
    return value
