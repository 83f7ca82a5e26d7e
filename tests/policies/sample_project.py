"""A small project with PII, an anonymizer and a public report, for the policy tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

PII_POLICY = """
[[tool.livedag.policies]]
name = "pii-stays-internal"
from = { PII = "true" }
must_not_reach = { visibility = "public" }
unless_through = { anonymizer = "true" }
message = "hash or drop it first"
"""

LOADING = """
import pandas as pd
from hamilton.function_modifiers import extract_columns, tag

@extract_columns("email", "age")
@tag(PII="true")
def people(path: str) -> pd.DataFrame:
    return pd.read_csv(path)
"""

FEATURES = """
import pandas as pd
from hamilton.function_modifiers import tag

def age_bucket(age: pd.Series) -> pd.Series:
    return age // 10

@tag(anonymizer="true")
def email_hash(email: pd.Series) -> pd.Series:
    return email.map(hash)

def domain(city: pd.Series) -> pd.Series:
    return city
"""

REPORTS = """
import pandas as pd
from hamilton.function_modifiers import tag

@tag(visibility="public", owner="bi")
def public_report(email_hash: pd.Series, domain: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"e": email_hash})
"""


def write(root: Path, policies: str = PII_POLICY, **files: str) -> Path:
    modules = [name for name in files]
    (root / "pyproject.toml").write_text(
        "[[tool.livedag.dataflows]]\n"
        f'name = "flow"\nmodules = {modules!r}\n' + textwrap.dedent(policies)
    )
    for name, text in files.items():
        (root / f"{name}.py").write_text(textwrap.dedent(text).lstrip())
    return root
