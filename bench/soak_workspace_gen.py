"""A small generator of Hamilton-style modules for the soak benchmark (no file outside the repo).

Each function depends on one to three earlier nodes or inputs; a few carry `@tag`,
`@config.when`, `@extract_columns` or `@check_output`, so expansion and the graph rules run.
"""

from __future__ import annotations

import random
from pathlib import Path

HEADER = (
    '"""Soak module {prefix}."""\n'
    "import pandas as pd\n"
    "from hamilton.function_modifiers import check_output, config, extract_columns, tag\n\n\n"
)


def module_source(
    functions: int, seed: int, prefix: str, upstream: list[str]
) -> tuple[str, list[str]]:
    """The text of one module and the node names it defines."""
    rnd = random.Random(seed)
    names = ["raw_a", "raw_b", "raw_c", *upstream]
    parts = [HEADER.format(prefix=prefix)]
    for i in range(functions):
        name = f"{prefix}_f{i}"
        deps = rnd.sample(names, k=min(len(names), rnd.randint(1, 3)))
        params = ", ".join(f"{d}: pd.Series" for d in deps)
        body = " + ".join(deps)
        kind = rnd.random()
        if kind < 0.06:
            cols = [f"{name}_c{j}" for j in range(2)]
            frame = ", ".join(f"{c!r}: {deps[0]}" for c in cols)
            parts.append(
                f"@extract_columns({', '.join(repr(c) for c in cols)})\n"
                f"def {name}({params}) -> pd.DataFrame:\n    return pd.DataFrame({{{frame}}})\n\n\n"
            )
            names += cols
            continue
        if kind < 0.12:
            parts.append(
                f'@config.when(mode="batch")\ndef {name}__batch({params}) -> pd.Series:\n'
                f"    return {body}\n\n\n"
                f'@config.when(mode="stream")\ndef {name}__stream({params}) -> pd.Series:\n'
                f"    return {body} * 2\n\n\n"
            )
        elif kind < 0.24:
            parts.append(
                f'@tag(owner="team-{rnd.randint(1, 5)}")\ndef {name}({params}) -> pd.Series:\n'
                f"    return {body}\n\n\n"
            )
        elif kind < 0.30:
            parts.append(
                f'@check_output(range=(0, 1000), importance="warn")\n'
                f"def {name}({params}) -> pd.Series:\n    return ({body}).clip(0, 1000)\n\n\n"
            )
        else:
            parts.append(f"def {name}({params}) -> pd.Series:\n    return {body}\n\n\n")
        names.append(name)
    return "".join(parts), names


def generate(root: Path, modules: int, functions: int) -> list[Path]:
    """`modules` modules, each building on the previous one's nodes, and a driver over all."""
    paths = []
    upstream: list[str] = []
    for i in range(modules):
        source, names = module_source(functions, seed=i, prefix=f"m{i}", upstream=upstream[-20:])
        path = root / f"m{i}.py"
        path.write_text(source)
        paths.append(path)
        upstream = [n for n in names if n.startswith(f"m{i}_")]
    imports = "\n".join(f"import m{i}" for i in range(modules))
    mods = ", ".join(f"m{i}" for i in range(modules))
    (root / "run.py").write_text(
        f"from hamilton import driver\n{imports}\n\n"
        f"dr = driver.Builder().with_modules({mods}).with_config({{'mode': 'batch'}}).build()\n"
        f"dr.execute(['m{modules - 1}_f{functions - 1}'], "
        "inputs={'raw_a': 1, 'raw_b': 2, 'raw_c': 3})\n"
    )
    return paths
