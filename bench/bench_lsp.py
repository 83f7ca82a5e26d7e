"""Language-server benchmark over stdio: first diagnostics, keystroke latency, request latency.

    .venv/bin/python bench/bench_lsp.py --modules 40 --functions 100     # a 40 x 100 workspace
    .venv/bin/python bench/bench_lsp.py --modules 1 --functions 4000     # one 4,000-function module

The workspace is generated with `bench/gen_dataflow.py` (as bench_workspace.py does),
then `livedag serve` is started as an editor would start it and measured from the client side:

- first diagnostics: from `initialized` (with one file opened right away) until the server
  publishes that file's diagnostics;
- keystroke: each edit appends a function asking for a likely typo of an existing node, so every
  version has a new diagnostic; the time is until `publishDiagnostics` for that version arrives;
- hover / definition / references on parameters of the edited module, min/p50/p95;
- with --custom also documentSymbol, livedag/graph (focused and whole) and livedag/lineage
  (upstream, and "tagged owner": every owner's reach, megabytes of JSON) on that module.

Also, over the keystrokes: the server's CPU time per keystroke (from /proc, idle-time work such as
warming and garbage collection included) and the share of the machine's time stolen by its host
(a virtual machine's neighbours), which explains wall-clock spikes no code change can remove.

Figures are printed as one JSON line, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_workspace import generate  # noqa: E402

SERVER = [sys.executable, "-m", "livedag.server.lsp.server"]


class Client:
    """JSON-RPC over the server's stdio; notifications recorded with their arrival time."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.command, self.cwd = command, cwd
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.notes: list[tuple[float, str, Any]] = []
        self.arrived = asyncio.Event()
        # When each response's last byte was read (before decoding), by request id; and that
        # time for the last request answered.
        self.received: dict[int, float] = {}
        self.last_received: float | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.command,
            cwd=self.cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            length = 0
            while True:
                line = await self.proc.stdout.readline()
                if not line:
                    return
                if not line.strip():
                    break
                key, _, value = line.decode().partition(":")
                if key.lower() == "content-length":
                    length = int(value)
            body = await self.proc.stdout.readexactly(length)
            received = time.perf_counter()  # the answer is all here; decoding it is the client's
            msg = json.loads(body)
            now = time.perf_counter()
            if "id" in msg and "method" not in msg:
                self.received[msg["id"]] = received
                future = self.pending.pop(msg["id"], None)
                if future is not None and not future.done():
                    future.set_result(msg)
            elif "id" in msg:  # a request from the server: accept it
                await self._send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            else:
                self.notes.append((now, msg["method"], msg.get("params")))
                self.arrived.set()

    async def _send(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        data = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        await self.proc.stdin.drain()

    async def request(self, method: str, params: Any) -> Any:
        ident = next(self.ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[ident] = future
        await self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        msg = await asyncio.wait_for(future, 120)
        self.last_received = self.received.pop(ident, None)
        if "error" in msg:
            raise RuntimeError(msg["error"])
        return msg.get("result")

    async def notify(self, method: str, params: Any) -> None:
        await self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def note(self, method: str, uri: str, version: int | None, since: float) -> float:
        """Arrival time of the first `method` notification for `uri` (and version) after `since`."""
        while True:
            for at, name, params in self.notes:
                if (
                    at >= since
                    and name == method
                    and params.get("uri") == uri
                    and (version is None or params.get("version") == version)
                ):
                    return at
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 120)

    async def stop(self) -> None:
        await self.request("shutdown", None)
        await self.notify("exit", None)
        await asyncio.wait_for(self.proc.wait(), 10)
        self.reader.cancel()


def _process_cpu_s(pid: int) -> float | None:
    """CPU seconds a process has used so far (Linux), None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory so far, in MB (Linux), None where /proc cannot tell."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _machine_ticks() -> tuple[int, int] | None:
    """(steal, total) CPU ticks of the machine so far (Linux), None elsewhere."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        return values[7], sum(values)
    except (OSError, ValueError, IndexError):
        return None


def _pos(text: str, offset: int) -> dict[str, int]:
    line = text.count("\n", 0, offset)
    return {"line": line, "character": offset - (text.rfind("\n", 0, offset) + 1)}


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


async def open_one(
    server: list[str], root: Path, uri: str, text: str, capabilities: dict[str, Any]
) -> tuple[Client, float]:
    """A server started and initialized on `root` with `uri` opened, as an editor starts it;
    and the seconds from `initialized` until that document's first diagnostics."""
    client = Client(server, root)
    await client.start()
    await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": capabilities,
        },
    )
    started = time.perf_counter()
    await client.notify("initialized", {})
    await client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
    )
    first = await client.note("textDocument/publishDiagnostics", uri, 1, started) - started
    return client, first


async def run(args: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="livedag-bench-lsp-"))
    paths = generate(root, args.modules, args.functions, with_driver=args.modules > 1)
    edited = paths[len(paths) // 2]
    text = edited.read_text()
    uri = edited.resolve().as_uri()

    server = shlex.split(args.server) if args.server else SERVER
    caps = {
        "textDocument": {
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
            "hover": {"contentFormat": ["markdown"]},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
        },
        "window": {"workDoneProgress": True},
    }
    client, first = await open_one(server, root, uri, text, caps)
    await asyncio.sleep(args.settle)  # the user reads before typing (background work may run)

    prefix = edited.stem
    names = [f"{prefix}_f{i}" for i in range(1, args.functions, 7)]
    rnd = random.Random(3)
    keystroke = []
    cpu_before, ticks_before = _process_cpu_s(client.proc.pid), _machine_ticks()
    for edit in range(args.edits):
        dep = rnd.choice(names)
        old_len = len(text)
        addition = (
            f"\n\ndef bench_new_{edit}({dep}: pd.Series, {dep}x: pd.Series) -> pd.Series:\n"
            f"    return {dep} + {dep}x\n"
        )
        version = edit + 2
        at = _pos(text, old_len)
        text += addition
        t0 = time.perf_counter()
        await client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": at, "end": at}, "text": addition}],
            },
        )
        arrived = await client.note("textDocument/publishDiagnostics", uri, version, t0)
        keystroke.append(arrived - t0)
        await asyncio.sleep(args.gap)  # a typist's pause, so edits are measured one by one
    cpu_after, ticks_after = _process_cpu_s(client.proc.pid), _machine_ticks()

    queries: dict[str, list[float]] = {"hover": [], "definition": [], "references": []}
    offsets = [text.index(f"({name}: pd.Series") + 2 for name in names if f"({name}: pd" in text]
    for offset in itertools.islice(itertools.cycle(offsets), args.queries):
        position = {"textDocument": {"uri": uri}, "position": _pos(text, offset)}
        for method, params in (
            ("hover", position),
            ("definition", position),
            ("references", {**position, "context": {"includeDeclaration": False}}),
        ):
            t0 = time.perf_counter()
            await client.request(f"textDocument/{method}", params)
            queries[method].append(time.perf_counter() - t0)
    if args.custom:
        await _custom_requests(client, uri, names, args.queries, queries)
    peak_rss = _peak_rss_mb(client.proc.pid)
    await client.stop()

    out: dict[str, Any] = {
        "modules": args.modules,
        "functions_per_module": args.functions,
        "first_diagnostics_s": round(first, 3),
        "keystroke_diagnostics_min_ms": _pct(keystroke, 0.0),
        "keystroke_diagnostics_p50_ms": _pct(keystroke, 0.5),
        "keystroke_diagnostics_p95_ms": _pct(keystroke, 0.95),
    }
    if cpu_before is not None and cpu_after is not None:  # includes the server's idle work
        out["server_cpu_per_keystroke_ms"] = round(1000 * (cpu_after - cpu_before) / args.edits, 2)
    if peak_rss is not None:
        out["server_peak_rss_mb"] = peak_rss
    if ticks_before and ticks_after and ticks_after[1] > ticks_before[1]:
        steal = (ticks_after[0] - ticks_before[0]) / (ticks_after[1] - ticks_before[1])
        out["machine_steal_percent"] = round(100 * steal, 1)
    for method, samples in queries.items():
        if samples:
            out[f"{method}_min_ms"] = _pct(samples, 0.0)
            out[f"{method}_p50_ms"] = _pct(samples, 0.5)
            out[f"{method}_p95_ms"] = _pct(samples, 0.95)
    if args.samples:
        out["keystroke_samples_ms"] = [round(1000 * k, 1) for k in keystroke]
        for method, samples in queries.items():
            out[f"{method}_samples_ms"] = [round(1000 * q, 1) for q in samples]
    out["mean_keystroke_ms"] = round(1000 * statistics.fmean(keystroke), 2)
    return out


async def _custom_requests(
    client: Client, uri: str, names: list[str], count: int, queries: dict[str, list[float]]
) -> None:
    """documentSymbol and the graph preview's requests, on the document after the edits."""
    known = await client.request("livedag/graph", {"uri": uri})
    present = [n for n in names if n in {node["name"] for node in known["nodes"]}]
    small = (
        ("documentSymbol", "textDocument/documentSymbol", lambda n: {"textDocument": {"uri": uri}}),
        ("graph_focus", "livedag/graph", lambda n: {"uri": uri, "node": n, "depth": 2}),
        (
            "lineage_upstream",
            "livedag/lineage",
            lambda n: {"uri": uri, "question": "upstream", "node": n},
        ),
    )
    for name in itertools.islice(itertools.cycle(present), count):
        for key, method, params in small:
            t0 = time.perf_counter()
            await client.request(method, params(name))
            queries.setdefault(key, []).append(time.perf_counter() - t0)
    # The whole dataflow and every owner's reach are megabytes of JSON: a few of each.
    for key, method, whole in (
        ("graph_whole", "livedag/graph", {"uri": uri}),
        (
            "lineage_tagged_owner",
            "livedag/lineage",
            {"uri": uri, "question": "tagged", "tag": "owner"},
        ),
    ):
        for _ in range(5):
            t0 = time.perf_counter()
            await client.request(method, whole)
            queries.setdefault(key, []).append(time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=40)
    parser.add_argument("--functions", type=int, default=100)
    parser.add_argument("--edits", type=int, default=40)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between edits")
    parser.add_argument(
        "--settle",
        type=float,
        default=0.0,
        help="seconds between the first diagnostics and the first keystroke (default 0: at once)",
    )
    parser.add_argument(
        "--samples", action="store_true", help="also print every keystroke and request time"
    )
    parser.add_argument(
        "--custom",
        action="store_true",
        help="also time documentSymbol, livedag/graph and livedag/lineage",
    )
    parser.add_argument(
        "--server",
        help="command that starts the server (default: this interpreter's livedag server); "
        'e.g. "python -m cProfile -o /tmp/lsp.prof -m livedag.server.lsp.server" to profile it',
    )
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
