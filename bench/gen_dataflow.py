"""Synthetic Hamilton-style dataflow modules of a realistic shape, for the benchmarks.

`gen_module(n, seed, prefix, inputs, upstream)` returns the source of one module with `n` public
functions named `<prefix>_f<i>` and the node names known after it (inputs, upstream and the new
nodes, in order).  Each function is a pandas transform of one to three earlier nodes; about one in
five carries a decorator the way real dataflows mix them: `@tag`, `@extract_columns`,
`@config.when` variants (config key `mode`: `batch` / `stream`), `@parameterize` and
`@check_output`.  A parameterized function's own parameter is `x` (the benchmarks' edits leave
such functions alone), and the last function is always a plain node.  The same seed always gives
the same text.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

HEADER = '''"""Generated dataflow module {prefix} (benchmarks only)."""

import pandas as pd
from hamilton.function_modifiers import (
    check_output,
    config,
    extract_columns,
    parameterize,
    source,
    tag,
    value,
)

'''


def _signature(deps: Sequence[str]) -> str:
    return ", ".join(f"{d}: pd.Series" for d in deps)


def gen_module(
    n: int,
    seed: int = 0,
    prefix: str = "m0",
    inputs: Sequence[str] = ("raw_a", "raw_b", "raw_c"),
    upstream: Sequence[str] = (),
) -> tuple[str, list[str]]:
    rnd = random.Random(seed)
    known = [*inputs, *upstream]
    out = [HEADER.format(prefix=prefix)]
    for i in range(n):
        name = f"{prefix}_f{i}"
        deps = rnd.sample(known, k=min(len(known), rnd.randint(1, 3)))
        params, total = _signature(deps), " + ".join(deps)
        roll = rnd.random() if i < n - 1 else 1.0  # the last one is a plain node to ask for
        if roll < 0.07:
            columns = [f"{name}_c{j}" for j in range(3)]
            listed = ", ".join(repr(c) for c in columns)
            frame = ", ".join(f"{c!r}: {deps[0]}" for c in columns)
            out.append(
                f"@extract_columns({listed})\n"
                f"def {name}({params}) -> pd.DataFrame:\n"
                f'    """Frame {name}, split into columns."""\n'
                f"    return pd.DataFrame({{{frame}}})\n\n\n"
            )
            known.extend(columns)  # the frame itself is not a Series to build on
            continue
        if roll < 0.13:
            for mode, body in (("batch", total), ("stream", f"({total}) * 1.0")):
                out.append(
                    f'@config.when(mode="{mode}")\n'
                    f"def {name}__{mode}({params}) -> pd.Series:\n"
                    f'    """{name} for {mode} runs."""\n'
                    f"    return {body}\n\n\n"
                )
        elif roll < 0.17:
            shifted = [f"{name}_by{k}" for k in (1, 2)]
            cases = ", ".join(
                f"{s}=dict(x=source({deps[0]!r}), shift=value({k}))"
                for s, k in zip(shifted, (1, 2), strict=True)
            )
            out.append(
                f"@parameterize({cases})\n"
                f"def {name}(x: pd.Series, shift: int) -> pd.Series:\n"
                f'    """{name}: x shifted."""\n'
                f"    return x + shift\n\n\n"
            )
            known.extend(shifted)
            continue
        elif roll < 0.20:
            out.append(
                '@check_output(range=(-1e9, 1e9), importance="warn")\n'
                f"def {name}({params}) -> pd.Series:\n"
                f'    """{name}, checked."""\n'
                f"    return {total}\n\n\n"
            )
        elif roll < 0.32:
            owner = rnd.choice(("data-eng", "data-science", "analytics"))
            out.append(
                f'@tag(owner="{owner}", source="{prefix}")\n'
                f"def {name}({params}) -> pd.Series:\n"
                f'    """{name}, owned by {owner}."""\n'
                f"    return {total}\n\n\n"
            )
        else:
            out.append(
                f"def {name}({params}) -> pd.Series:\n"
                f'    """{name} from {", ".join(deps)}."""\n'
                f"    return {total}\n\n\n"
            )
        known.append(name)
    return "".join(out).rstrip("\n") + "\n", known
