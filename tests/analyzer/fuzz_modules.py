"""Real-world-style dataflow modules for the edit fuzzer, generated from a seed.

Each module is what a team writes with Hamilton: imports (aliases, `from ... import`, relative),
a docstring, constants (lists, dicts, `dict(...)`, a multi-line SQL string whose lines start at
column 0), a TypedDict, decorated functions (tags, extracted columns, parameterized outputs,
config variants, checks, pipes) with docstrings (some with column-0 example lines), bodies with
brackets, comments and nested functions, code under `if`/`try`, and sometimes a driver script.
Written for livedag's tests; nothing here is taken from Hamilton's repository.
"""

from __future__ import annotations

import random

_NOUNS = [
    "revenue", "cost", "margin", "visits", "signups", "churn", "age", "income", "score",
    "spend", "clicks", "orders", "refunds", "région", "taux", "price", "units", "rate",
]  # fmt: skip
_TYPES = ["pd.Series", "pd.DataFrame", "int", "float", "np.ndarray", "dict", "str", "bool"]
_OWNERS = ["data-science", "growth", "finance", "équipe-ml", "platform"]


def _names(rng: random.Random, count: int) -> list[str]:
    chosen = rng.sample(_NOUNS, k=min(count, len(_NOUNS)))
    suffixes = ["", "_raw", "_clean", "_per_day", "_norm", "_v2", "_total"]
    out: list[str] = []
    for index in range(count):
        base = chosen[index % len(chosen)]
        name = f"{base}{rng.choice(suffixes)}"
        while name in out:
            name += "_x"
        out.append(name)
    return out


def _header(rng: random.Random, module: int) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.8:
        doc = [f'"""Features for pipeline {module}.', ""]
        if rng.random() < 0.4:
            doc += ["Usage:", "", "dr = driver.Builder().with_modules(this).build()", ""]
        lines += [*doc, '"""', ""]
    if rng.random() < 0.3:
        lines.append("from __future__ import annotations")
    lines += ["import logging", "from typing import Any, Dict, List, Optional, TypedDict", ""]
    lines += ["import numpy as np", "import pandas as pd"]
    style = rng.choice(["names", "module", "alias"])
    if style == "names":
        lines.append(
            "from hamilton.function_modifiers import (\n    check_output,\n    config,\n"
            "    extract_columns,\n    parameterize,\n    source,\n    tag,\n    value,\n)"
        )
    elif style == "module":
        lines.append("from hamilton import function_modifiers")
    else:
        lines.append("from hamilton import function_modifiers as fm")
    if rng.random() < 0.3:
        lines.append("from . import helpers")
    lines += ["", "logger = logging.getLogger(__name__)", ""]
    return lines


def _decorator(rng: random.Random, style: str, name: str, columns: list[str]) -> list[str]:
    prefix = {"names": "", "module": "function_modifiers.", "alias": "fm."}[style]
    kind = rng.choice(["tag", "tag", "columns", "parameterize", "config", "check", "none"])
    if kind == "tag":
        owner = rng.choice(_OWNERS)
        extra = rng.choice(["", ', pii="true"', ", **TAGS", ', source="crm"'])
        return [f'@{prefix}tag(owner="{owner}"{extra})']
    if kind == "columns":
        cols = ", ".join(f'"{c}"' for c in columns[:3])
        return [f"@{prefix}extract_columns({cols})"]
    if kind == "parameterize":
        return [
            f"@{prefix}parameterize(",
            f'    {name}_a=dict(x={prefix}source("{columns[0]}"), k={prefix}value(1)),',
            f'    {name}_b={{"x": {prefix}source("{columns[-1]}"), "k": {prefix}value(2)}},',
            ")",
        ]
    if kind == "config":
        return [f'@{prefix}config.when(region="{rng.choice(["US", "EU"])}")']
    if kind == "check":
        return [f'@{prefix}check_output(range=(0, 100), importance="warn")']
    return []


def _docstring(rng: random.Random, name: str) -> list[str]:
    roll = rng.random()
    if roll < 0.3:
        return []
    if roll < 0.6:
        return [f'    """The {name.replace("_", " ")}."""']
    lines = ['    """Computes the value.', ""]
    if rng.random() < 0.5:  # an example at column 0, as some teams write them
        lines += [
            "Example:",
            f"def {name}_example(x):",
            "    return x",
            "result = compute(",
            "    1,",
            ")",
            "else: nothing",
            "",
        ]
    return [*lines, '    """']


def _body(rng: random.Random, params: list[str], returns: str) -> list[str]:
    first = params[0] if params else "0"
    options = [
        [f"    return {first}"],
        [f"    total = {' + '.join(params) or '0'}", "    return total"],
        [
            "    values = [",
            f"        {first},",
            "        # a comment inside brackets",
            "    ]",
            "    return values[0]",
        ],
        [
            "    def _inner(v):",
            "        return v * 2  # nested",
            f"    return _inner({first})",
        ],
        [
            f"    if {first} is None:",
            "        raise ValueError('missing value; état inconnu')",
            "    else:",
            f"        return {first}",
        ],
        [
            f'    logger.info("computing %s", "{returns}")',
            f"    return {{'k': {first}, \"é\": 1}}['k']",
        ],
    ]
    return rng.choice(options)


def _function(rng: random.Random, style: str, name: str, inputs: list[str]) -> list[str]:
    params = rng.sample(inputs, k=min(len(inputs), rng.randint(0, 3)))
    returns = rng.choice(_TYPES)
    annotated = [f"{p}: {rng.choice(_TYPES)}" for p in params]
    if rng.random() < 0.15:
        annotated.append("scale: float = 1.0")
    lines = _decorator(rng, style, name, inputs or ["a", "b"])
    signature = f"def {name}({', '.join(annotated)}) -> {returns}:"
    if len(signature) > 80 and annotated:
        lines += [f"def {name}(", *(f"    {a}," for a in annotated), f") -> {returns}:"]
    else:
        lines.append(signature)
    lines += _docstring(rng, name)
    lines += _body(rng, params, returns)
    return lines


def _constants(rng: random.Random) -> list[str]:
    lines = ['TAGS = {"team": "analytics"}', 'COLUMNS = ["a", "b", "c"]']
    if rng.random() < 0.5:
        lines.append('SETTINGS = dict(file_type="pdf", retries=3, **TAGS)')
    if rng.random() < 0.5:
        lines += ['QUERY = """', "SELECT id, amount", "FROM orders", "WHERE amount > 0", '"""']
    if rng.random() < 0.3:
        lines += ["THRESHOLDS: Dict[str, float] = {", '    "low": 0.1,', '    "high": 0.9,', "}"]
    return [*lines, ""]


def _extras(rng: random.Random, style: str, names: list[str]) -> list[str]:
    lines: list[str] = []
    if rng.random() < 0.4:
        lines += ["", "", "class Result(TypedDict):", "    total: float", "    count: int"]
    if rng.random() < 0.3:
        lines += [
            "",
            "",
            "try:",
            "    import polars as pl",
            "except ImportError:  # optional",
            "    pl = None",
        ]
    if rng.random() < 0.3:
        lines += [
            "",
            "",
            "if pl is not None:",
            "",
            f"    def {names[0]}_polars(frame: pd.DataFrame) -> pd.DataFrame:",
            "        return frame",
        ]
    if rng.random() < 0.3:
        lines += [
            "",
            "",
            'if __name__ == "__main__":',
            "    from hamilton import driver",
            "    import sys",
            "",
            "    dr = driver.Builder().with_modules(sys.modules[__name__])"
            '.with_config(dict(region="US")).build()',
            f'    print(dr.execute(["{names[-1]}"]))',
        ]
    return lines


def make_module(seed: int) -> str:
    """One module; the same seed always gives the same text."""
    rng = random.Random(seed)
    style_line = _header(rng, seed)
    style = "names"
    for line in style_line:
        if line.startswith("from hamilton import function_modifiers as fm"):
            style = "alias"
        elif line.startswith("from hamilton import function_modifiers"):
            style = "module"
    lines = [*style_line, *_constants(rng)]
    names = _names(rng, rng.randint(4, 12))
    available: list[str] = ["raw_data", "region"]
    for name in names:
        lines += ["", "", *_function(rng, style, name, available)]
        available.append(name)
        if rng.random() < 0.2:
            lines += ["", "# " + rng.choice(["TODO: tidy up", "ça marche", "see ticket 123"])]
    lines += _extras(rng, style, names)
    text = "\n".join(lines) + "\n"
    return text if rng.random() < 0.85 else text.replace("\n", "\r\n")


MODULES = [make_module(seed) for seed in range(48)]
