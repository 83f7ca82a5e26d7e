"""The server's pure parts, tested directly: settings parsing and position conversion."""

from __future__ import annotations

from pathlib import Path

from livedag.engine.codes import Code
from livedag.engine.specs import Location
from livedag.server.lsp.convert import Positions, SourceLines, path_to_uri, uri_to_path
from livedag.server.lsp.node_facts import is_pii
from livedag.server.lsp.settings import DEFAULT_MAX_FILE_BYTES, Settings, parse_settings
from lsprotocol import types


def test_settings_default_when_absent_and_read_flat_or_nested() -> None:
    assert parse_settings(None) == (Settings(), [])
    flat, errors = parse_settings({"config": {"region": "eu"}, "severities": {"LD002": "Hint"}})
    nested, _ = parse_settings({"livedag": {"config": {"region": "eu"}}})
    assert errors == []
    assert flat.config == {"region": "eu"} == nested.config
    assert flat.severities == {Code.UNKNOWN_DEPENDENCY: types.DiagnosticSeverity.Hint}
    off, _ = parse_settings({"severities": {"LD008": "off"}})
    assert off.severities == {Code.UNKNOWABLE: None}


def test_bad_settings_fall_back_with_a_message_naming_the_setting() -> None:
    settings, errors = parse_settings(
        {
            "config": ["region"],
            "severities": {
                "LD002": "loud",
                "E501": "error",
                "LD099": "error",
                "LD001": "warning",
            },
            "maxFileBytes": "big",
            "debounceMs": -1,
        }
    )
    assert settings.config is None
    assert settings.severities == {Code.CYCLE: types.DiagnosticSeverity.Warning}
    assert settings.max_file_bytes == DEFAULT_MAX_FILE_BYTES and settings.debounce_ms == 0
    assert len(errors) == 6
    assert any("livedag.severities.LD002" in e and "'loud'" in e for e in errors)
    assert any("'E501' is not a livedag code" in e for e in errors)
    # well-formed but unknown: refused too, and the message lists the codes there are
    assert any("'LD099' is not a livedag code" in e and "LD012" in e for e in errors)
    assert parse_settings("yes")[1] == [
        "livedag settings must be a JSON object, got str; using the defaults"
    ]


def test_columns_convert_between_code_points_and_client_units() -> None:
    text = 'x = "é😀"; age = 1\nplain = 2\n'
    lines = SourceLines(text)
    utf16, utf8, utf32 = Positions("utf-16"), Positions("utf-8"), Positions("utf-32")
    col = text.index("age")  # code points
    assert utf16.to_client(lines, 0, col) == col + 1  # the emoji is two UTF-16 units
    assert utf8.to_client(lines, 0, col) == col + 4  # é is 2 bytes, the emoji 4
    assert utf32.to_client(lines, 0, col) == col
    for positions in (utf16, utf8, utf32):
        assert positions.from_client(lines, 0, positions.to_client(lines, 0, col)) == col
    rng = utf16.range_json(Location("f.py", 2, 0, 2, 5), lines)
    assert (rng["start"]["line"], rng["start"]["character"], rng["end"]["character"]) == (1, 0, 5)
    assert utf16.to_client(lines, 99, 3) == 3  # past the end: unchanged, never an error


def test_uris_and_paths() -> None:
    path = Path("/tmp/a dir/flow.py")
    assert uri_to_path(path_to_uri(path)) == path
    assert uri_to_path("untitled:Untitled-1") is None


def test_pii_tags() -> None:
    assert is_pii({"pii": "true"}) and is_pii({"PII": True}) and is_pii({"classification": "PII"})
    assert not is_pii({"pii": "false"}) and not is_pii({"owner": "x"})
