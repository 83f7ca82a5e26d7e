"""Editor features over stdio on a generated workspace: completion, rename, code actions, code
lens, call hierarchy, inlay hints, document highlights (issue 15: <= 5 ms p95 at 20,000 nodes).

    .venv/bin/python bench/bench_editor.py --modules 100 --functions 200   # ~20,000 nodes

The workspace comes from `bench/gen_dataflow.py` (as bench_lsp.py's does); `livedag serve` is
started as an editor starts it, one module is opened, and each request is sent `--queries` times
at different places of that module (or of the driver script for driver strings), timed from the
client: request written to response read.  Every request runs after the previous answered, with
no edit pending, so the figures are the request's own cost.  On a machine shared with other work
the client's clock also counts the time the server waited for a core, so each request's server
CPU time is reported too (`*_server_cpu`, from the server's threads' schedstat on Linux: the
request's own cost, reading and writing the JSON included).  `*_answered` is the time until the
answer's last byte was read, before the client decodes it: the server's answer time.  The plain
figure adds this client's decoding (Python's json.loads of a 900-edit rename, ~90 KB, is ~1 ms;
a Node client's JSON.parse ~0.4 ms).  Figures are printed as one JSON line, never asserted.

Renames are timed by size too: the random places give few that make 100 edits or more, so each
such place is renamed again `--edit-renames` times, each after an edit (a function taking the
node added, its diagnostics awaited, then `--pause` seconds as a user opening the rename box);
those go to the size buckets and to `rename_after_edit`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_lsp import SERVER, Client, _pct, _pos  # noqa: E402
from bench_workspace import generate  # noqa: E402


def _server_cpu_s(pid: int) -> float | None:
    """CPU seconds the server's threads have run so far (Linux schedstat, nanoseconds)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e9


def _defs(text: str) -> list[tuple[int, str, int]]:
    """(offset of the first parameter, its name, offset of the def name) per plain function."""
    found = []
    index = text.find("\ndef ")
    while index >= 0:
        name_at = index + 5
        open_at = text.index("(", name_at)
        close_at = text.index(")", open_at)
        params = text[open_at + 1 : close_at]
        first = params.split(":", 1)[0].strip()
        if first and first != "x" and first.isidentifier():
            found.append((open_at + 1, first, name_at))
        index = text.find("\ndef ", close_at)
    return found


async def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="livedag-bench-editor-"))
    paths = generate(root, args.modules, args.functions, with_driver=True)
    edited = paths[len(paths) // 2]
    text = edited.read_text()
    uri = edited.resolve().as_uri()
    driver = root / "run.py"
    driver_text = driver.read_text()
    driver_uri = driver.resolve().as_uri()

    client = Client(SERVER, root)
    await client.start()
    await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": {
                # As VS Code: a rename that renames a DataFrame column is confirmed by the user.
                "workspace": {
                    "workspaceEdit": {"documentChanges": True, "changeAnnotationSupport": {}}
                },
                "textDocument": {
                    "publishDiagnostics": {"versionSupport": True},
                    # VS Code resolves an item's documentation when it shows it.
                    "completion": {
                        "completionItem": {
                            "resolveSupport": {"properties": ["documentation"]}
                            if args.lazy_docs
                            else {"properties": []}
                        }
                    },
                },
            },
            "initializationOptions": {"debounceMs": 0},
        },
    )
    started = time.perf_counter()
    await client.notify("initialized", {})
    for doc_uri, doc_text in ((uri, text), (driver_uri, driver_text)):
        await client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": doc_uri,
                    "languageId": "python",
                    "version": 1,
                    "text": doc_text,
                }
            },
        )
    await client.note("textDocument/publishDiagnostics", uri, 1, started)
    indexed = time.perf_counter() - started
    await asyncio.sleep(args.settle)

    rnd = random.Random(5)
    defs = _defs(text)
    doc = {"uri": uri}
    samples: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}

    def bucket(name: str) -> list[float]:
        return samples.setdefault(name, [])

    pid = client.proc.pid
    big: list[tuple[int, str]] = []  # places whose rename made 100 edits or more
    version = 1

    async def timed(name: str, method: str, params: Any) -> Any:
        """The request's answer; its time goes to `name`, or to `name_refusal` when it failed
        (a refused rename is an answer too, and must be as quick)."""
        cpu = _server_cpu_s(pid)
        started = time.perf_counter()
        failed = False
        try:
            return await client.request(method, params)
        except RuntimeError:
            failed = True
            raise
        finally:
            key = f"{name}_refusal" if failed else name
            bucket(key).append(time.perf_counter() - started)
            if client.last_received is not None:
                bucket(key + "_answered").append(client.last_received - started)
            after = _server_cpu_s(pid)
            if cpu is not None and after is not None:
                bucket(key + "_server_cpu").append(after - cpu)

    for _ in range(args.queries):
        param_at, param, def_at = rnd.choice(defs)
        # completion: 3 characters of a parameter typed, and right after "(" (nothing typed)
        result = await timed(
            "completion_parameter_prefix3",
            "textDocument/completion",
            {"textDocument": doc, "position": _pos(text, param_at + 3)},
        )
        sizes["completion_parameter_prefix3_items"] = len(result["items"])
        result = await timed(
            "completion_parameter_empty",
            "textDocument/completion",
            {"textDocument": doc, "position": _pos(text, param_at)},
        )
        sizes["completion_parameter_empty_items"] = len(result["items"])
        inside = driver_text.index("execute(['") + len("execute(['") + 2
        await timed(
            "completion_driver_string",
            "textDocument/completion",
            {"textDocument": {"uri": driver_uri}, "position": _pos(driver_text, inside)},
        )
        at_param = {"textDocument": doc, "position": _pos(text, param_at + 1)}
        try:
            await timed("prepare_rename", "textDocument/prepareRename", at_param)
        except RuntimeError:  # refused (a name its decorators derive from): timed all the same
            bucket("prepare_rename_refused").append(0.0)
        try:
            edit = await timed(
                "rename", "textDocument/rename", {**at_param, "newName": "renamed_x"}
            )
            changes = edit.get("changes") or {
                change["textDocument"]["uri"]: change["edits"] for change in edit["documentChanges"]
            }
            count = sizes["rename_edits_last"] = sum(len(v) for v in changes.values())
            # A rename costs what it renames: also timed by size (an input that 400 functions
            # take renames 800 places; most nodes have a few consumers).
            size = "rename_under_100_edits" if count < 100 else "rename_100_edits_or_more"
            if count >= 100:
                big.append((param_at, param))
            bucket(size).append(samples["rename"][-1])
            bucket(size + "_server_cpu").append(samples["rename_server_cpu"][-1])
            bucket(size + "_answered").append(samples["rename_answered"][-1])
            sizes["rename_edits_max"] = max(sizes.get("rename_edits_max", 0), count)
        except RuntimeError:
            bucket("rename_refused").append(0.0)
        at_def = {"textDocument": doc, "position": _pos(text, def_at + 1)}
        items = await timed("call_hierarchy_prepare", "textDocument/prepareCallHierarchy", at_def)
        if items:
            await timed(
                "call_hierarchy_incoming", "callHierarchy/incomingCalls", {"item": items[0]}
            )
            await timed(
                "call_hierarchy_outgoing", "callHierarchy/outgoingCalls", {"item": items[0]}
            )
        await timed("document_highlight", "textDocument/documentHighlight", at_param)
        line = text.count("\n", 0, def_at)
        visible = {
            "start": {"line": line, "character": 0},
            "end": {"line": line + 60, "character": 0},
        }
        await timed(
            "inlay_hints_60_lines",
            "textDocument/inlayHint",
            {"textDocument": doc, "range": visible},
        )

    # A large rename after an edit, as a user makes one: a function that takes the node is
    # added, the diagnostics come, the user opens the rename box (a pause), the rename runs.
    # Timed into the same buckets as above (the random places give few large renames).
    for number in range(args.edit_renames if big else 0):
        param_at, param = big[number % len(big)]
        version += 1
        added = (
            f"\n\ndef bench_taker_{number}({param}: pd.Series) -> pd.Series:\n    return {param}\n"
        )
        since = time.perf_counter()
        await client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text + added}],
            },
        )
        await client.note("textDocument/publishDiagnostics", uri, version, since)
        # The new version's code lenses: VS Code asks for them 250 ms or more after a change
        # (its code lens debounce), Neovim on CursorHold or InsertLeave.
        await asyncio.sleep(args.pause)
        await timed("code_lens_list_after_edit", "textDocument/codeLens", {"textDocument": doc})
        await asyncio.sleep(args.pause)
        at_param = {"textDocument": doc, "position": _pos(text, param_at + 1)}
        try:  # as VS Code asks: prepareRename when the user presses F2, rename when they confirm
            await timed("prepare_rename_after_edit", "textDocument/prepareRename", at_param)
            edit = await timed(
                "rename_after_edit",
                "textDocument/rename",
                {**at_param, "newName": f"renamed_{number}"},
            )
        except RuntimeError:
            bucket("rename_after_edit_refused").append(0.0)
            continue
        count = sum(len(v) for v in (edit.get("changes") or {}).values()) or sum(
            len(change["edits"]) for change in edit.get("documentChanges", [])
        )
        size = "rename_under_100_edits" if count < 100 else "rename_100_edits_or_more"
        bucket(size).append(samples["rename_after_edit"][-1])
        bucket(size + "_server_cpu").append(samples["rename_after_edit_server_cpu"][-1])
        bucket(size + "_answered").append(samples["rename_after_edit_answered"][-1])
    sizes["rename_100_edits_or_more_samples"] = len(samples.get("rename_100_edits_or_more", []))

    for _ in range(max(args.queries // 6, 1)):  # the same version again: a scroll, a refresh
        lenses = await timed("code_lens_list", "textDocument/codeLens", {"textDocument": doc})
    sizes["code_lenses"] = len(lenses)
    for lens in rnd.sample(lenses, min(len(lenses), args.queries)):
        await timed("code_lens_resolve", "codeLens/resolve", lens)

    # A typo, then its quick fixes (the did-you-mean names and a stub).
    first_param = defs[len(defs) // 2][1]
    typo = first_param.replace("_f", "f_", 1)  # two letters swapped: a likely typo (LD002)
    typed = text + f"\n\ndef bench_typo({typo}: pd.Series) -> pd.Series:\n    return {typo}\n"
    since = time.perf_counter()
    version += 1
    await client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": typed}]},
    )
    await client.note("textDocument/publishDiagnostics", uri, version, since)
    diagnostics = next(
        params["diagnostics"]
        for _, method, params in reversed(client.notes)
        if method == "textDocument/publishDiagnostics" and params.get("uri") == uri
    )
    found = [d for d in diagnostics if d.get("code") == "LD002"]
    await asyncio.sleep(args.pause)  # the user sees the squiggle, then presses Ctrl+.
    if found:
        for _ in range(args.queries):
            actions = await timed(
                "code_action_ld002",
                "textDocument/codeAction",
                {
                    "textDocument": doc,
                    "range": found[0]["range"],
                    "context": {"diagnostics": [found[0]]},
                },
            )
        sizes["code_actions"] = len(actions or [])
    else:
        out_note = f"no LD002 published for the typo {typo!r}: code actions not measured"
        print(out_note, file=sys.stderr)
    await client.stop()

    nodes = args.modules * args.functions
    out: dict[str, Any] = {
        "modules": args.modules,
        "functions": nodes,
        "first_diagnostics_s": round(indexed, 2),
        "queries": args.queries,
        "completion_documentation": "resolved lazily" if args.lazy_docs else "inline",
    }
    for name, values in samples.items():
        if name.endswith("_refused"):
            out[name] = len(values)
            continue
        out[name] = {
            "p50_ms": _pct(values, 0.5),
            "p95_ms": _pct(values, 0.95),
            "max_ms": _pct(values, 1.0),
        }
    out["sizes"] = sizes
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=100)
    parser.add_argument("--functions", type=int, default=200)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument(
        "--inline-docs",
        dest="lazy_docs",
        action="store_false",
        help="a client that cannot resolve completion documentation (Neovim): sent inline",
    )
    parser.add_argument("--settle", type=float, default=2.0, help="seconds idle after indexing")
    parser.add_argument(
        "--edit-renames",
        type=int,
        default=20,
        help="large renames (100 edits or more) each after an edit, added to the rename buckets",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=0.3,
        help="seconds between an edit's diagnostics and a rename",
    )
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
