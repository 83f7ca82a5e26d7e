"""@check_output / @check_output_custom: node shapes, misuse, and the checks really running."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest
from livedag.engine.rules import expand_function
from livedag.engine.specs import Call, FunctionSpec, Location, Symbol, Unknown
from livedag.engine.validators import DataValidationError
from rulekit import at, deps, execute, expand, hamilton_rejects, live_nodes, livedag_codes, spec

WHERE = Location("m.py", 3, 0, 3, 30)


def check(**kwargs: object) -> Call:
    return Call("check_output", (), kwargs, location=WHERE)


def series_fn(*decorators: Call, returns: str = "pd.Series") -> FunctionSpec:
    return spec(*decorators, name="spend", params=[("raw", "pd.Series")], returns=returns)


# --- shapes --------------------------------------------------------------------------------------


def test_each_check_is_a_node_between_raw_and_the_checked_node() -> None:
    nodes = expand(series_fn(check(range=(0, 1), allow_nans=False, importance="fail")))
    assert list(nodes) == [
        "spend_range_validator",
        "spend_allow_nans_validator",
        "spend",
        "spend_raw",
    ]
    assert deps(nodes["spend_raw"]) == ["raw"]
    assert deps(nodes["spend_range_validator"]) == ["spend_raw"]
    assert deps(nodes["spend"]) == [
        "spend_raw",
        "spend_range_validator",
        "spend_allow_nans_validator",
    ]


def test_check_nodes_are_located_at_the_decorator_and_raw_at_the_def() -> None:
    fn = series_fn(check(range=(0, 1)))
    nodes = expand(fn)
    assert nodes["spend_range_validator"].location == WHERE
    assert nodes["spend_raw"].location == fn.location
    assert {d.location for d in nodes["spend"].dependencies} == {WHERE}


def test_tags_written_above_the_check_land_on_the_checked_node_only() -> None:
    nodes = expand(series_fn(Call("tag", (), {"owner": "ds"}), check(range=(0, 1))))
    assert nodes["spend"].user_tags == {"owner": "ds"}
    assert nodes["spend_raw"].user_tags == {}
    assert nodes["spend_range_validator"].user_tags == {}


def test_no_checks_still_splits_off_the_raw_node() -> None:
    assert list(expand(series_fn(check()))) == ["spend", "spend_raw"]


def test_scalar_and_string_checks_apply_by_return_type() -> None:
    assert "f_range_validator" in expand(spec(check(range=(0, 9))))
    assert "f_contains_validator" in expand(spec(check(contains="@"), returns="str"))


def test_an_annotation_we_cannot_see_through_is_not_judged() -> None:
    assert "f_range_validator" in expand(spec(check(range=(0, 1)), returns="MoneySeries"))


def test_target_selects_among_the_functions_nodes() -> None:
    fn = spec(
        check(range=(0, 1), target_=at("a")),
        Call("extract_columns", ("a", "b")),
        returns="pd.DataFrame",
    )
    nodes = expand(fn, {})
    assert {"a_raw", "a_range_validator", "a", "b"} <= set(nodes)
    assert "b_raw" not in nodes


def test_custom_validators_named_statically_when_their_class_is_known() -> None:
    known = Call("hamilton.data_quality.default_validators.DataInRangeValidatorPandasSeries")
    ours = Symbol("livedag.engine.validators.AllowNoneValidator")
    unevaluated = Unknown(
        "calling `ContainsValidator` needs running code",
        callee="livedag.engine.validators.ContainsValidator",
    )
    nodes = expand(series_fn(Call("check_output_custom", (known, ours, unevaluated))))
    assert {
        "spend_range_validator",
        "spend_allow_none_validator",
        "spend_contains_validator",
    } <= set(nodes)


def test_a_user_class_that_shares_a_builtin_class_name_is_not_guessed() -> None:
    mine = Symbol("my_checks.RangeValidator")
    out = expand_function(series_fn(Call("check_output_custom", (mine,))), {})
    assert [p.code for p in out.problems] == ["LD008"]


def test_two_checks_with_one_name_are_numbered_like_hamilton() -> None:
    pair = (Symbol("livedag.engine.validators.RangeValidator"),) * 2
    nodes = expand(series_fn(Call("check_output_custom", pair)))
    assert {"spend_range_validator", "spend_range_validator_1"} <= set(nodes)


def test_an_unnamable_custom_validator_is_ld008_and_the_rest_stays() -> None:
    out = expand_function(
        series_fn(Call("check_output_custom", (Unknown("a call"),), location=WHERE)), {}
    )
    assert [p.code for p in out.problems] == ["LD008"]
    assert out.problems[0].severity.value == "info"
    assert [n.name for n in out.nodes] == ["spend", "spend_raw"]


# --- misuse (LD006) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "returns", "says"),
    [
        ({"rnge": (0, 1)}, "pd.Series", "no check named 'rnge'"),
        ({"contains": "@"}, "int", "does not apply"),
        ({"range": (0, 1)}, "pd.DataFrame", "does not apply"),
        ({"allow_nans": True}, "pd.Series", "max_fraction_nans"),
        ({"max_fraction_nans": 2}, "pd.Series", "between 0 and 1"),
        ({"range": (0, 1), "importance": "error"}, "pd.Series", "'warn' or 'fail'"),
        ({"range": (0, 1), "target_": "nope"}, "pd.Series", "nope"),
    ],
)
def test_misuse_is_ld006_with_advice(kwargs: dict[str, object], returns: str, says: str) -> None:
    out = expand_function(series_fn(check(**kwargs), returns=returns), {})
    assert [p.code for p in out.problems] == ["LD006"]
    assert says in out.problems[0].message
    assert [n.name for n in out.nodes] == ["spend"]  # the function stays in the graph


def test_two_checks_on_one_node_clash_and_say_how_to_merge_them() -> None:
    out = expand_function(series_fn(check(range=(0, 1)), check(allow_nans=False)), {})
    assert [p.code for p in out.problems] == ["LD006"]
    assert "single decorator" in out.problems[0].message


def test_custom_takes_only_validators_and_target() -> None:
    out = expand_function(series_fn(Call("check_output_custom", (), {"range": (0, 1)})), {})
    assert [p.code for p in out.problems] == ["LD006"]


def test_unknown_target_is_ld008() -> None:
    out = expand_function(series_fn(check(range=(0, 1), target_=Unknown("a name"))), {})
    assert [p.code for p in out.problems] == ["LD008"]


MISUSES = {
    "unknown check": "@check_output(rnge=(0, 1))\ndef f(a: int) -> int:\n    return a\n",
    "str check on int": "@check_output(contains='x')\ndef f(a: int) -> int:\n    return a\n",
    "allow_nans=True": (
        "@check_output(allow_nans=True)\ndef f(a: pd.Series) -> pd.Series:\n    return a\n"
    ),
    "stacked": (
        "@check_output(range=(0, 1))\n@check_output(values_in=[1])\n"
        "def f(a: int) -> int:\n    return a\n"
    ),
}


@pytest.mark.parametrize("body", MISUSES.values(), ids=MISUSES.keys())
def test_what_hamilton_rejects_livedag_reports(tmp_path: Path, body: str) -> None:
    module = "import pandas as pd\nfrom hamilton.function_modifiers import check_output\n" + body
    assert hamilton_rejects(tmp_path, module)
    assert "LD006" in livedag_codes(tmp_path, module)


# --- the checks run ------------------------------------------------------------------------------

LIVE = """
import pandas as pd
from hamilton.function_modifiers import check_output

@check_output(range=(0, 10), allow_nans=False, importance="fail")
def hard(raw: pd.Series) -> pd.Series:
    return raw

@check_output(range=(0, 10), importance="warn")
def soft(raw: pd.Series) -> pd.Series:
    return raw

@check_output(values_in=[1, 2, 3], data_type=int, importance="fail")
def level(n: int) -> int:
    return n
"""


def test_passing_checks_pass_the_value_through(tmp_path: Path) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    data = pd.Series([1.0, 5.0])
    assert execute(nodes, "hard", {"raw": data}).equals(data)
    assert execute(nodes, "level", {"n": 2}) == 2


def test_a_failed_fail_check_raises_naming_the_node_and_the_check(tmp_path: Path) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    with pytest.raises(DataValidationError) as failed:
        execute(nodes, "hard", {"raw": pd.Series([1.0, None, 50.0])})
    message = str(failed.value)
    assert "'hard'" in message and "range_validator" in message
    assert "allow_nans_validator" in message  # every failed check is listed
    with pytest.raises(DataValidationError, match="values_in_validator"):
        execute(nodes, "level", {"n": 7})


def test_a_failed_warn_check_logs_and_the_run_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = live_nodes(tmp_path, LIVE)
    with caplog.at_level(logging.WARNING, logger="livedag.validation"):
        result = execute(nodes, "soft", {"raw": pd.Series([1.0, 50.0])})
    assert list(result) == [1.0, 50.0]
    (record,) = [r for r in caplog.records if r.name == "livedag.validation"]
    assert record.levelno == logging.WARNING and "soft:range_validator" in record.getMessage()


CUSTOM = """
import pandas as pd
from hamilton.data_quality.base import DataValidator, ValidationResult
from hamilton.function_modifiers import check_output_custom


class Positive(DataValidator):
    def __init__(self, column: str, importance: str):
        super().__init__(importance=importance)
        self.column = column

    def applies_to(self, datatype: type) -> bool:
        return True

    def description(self) -> str:
        return f"{self.column} is positive."

    @classmethod
    def name(cls) -> str:
        return "positive"

    def validate(self, dataset: pd.DataFrame) -> ValidationResult:
        bad = int((dataset[self.column] <= 0).sum())
        return ValidationResult(passes=bad == 0, message=f"{bad} non-positive values")


@check_output_custom(Positive("amount", importance="warn"), Positive("quantity", "fail"))
def order_lines(raw_lines: pd.DataFrame) -> pd.DataFrame:
    return raw_lines
"""


def test_custom_validators_are_named_by_their_name_method_at_run_time(tmp_path: Path) -> None:
    nodes = {n.name: n for n in live_nodes(tmp_path, CUSTOM)}
    assert deps(nodes["order_lines"]) == [
        "order_lines_raw",
        "order_lines_positive",
        "order_lines_positive_1",
    ]


def test_custom_validators_run_with_their_own_importance(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nodes = live_nodes(tmp_path, CUSTOM)
    good = pd.DataFrame({"id": [1], "amount": [3.0], "quantity": [1]})
    assert execute(nodes, "order_lines", {"raw_lines": good}) is good
    negative_amount = pd.DataFrame({"id": [1], "amount": [-3.0], "quantity": [1]})
    with caplog.at_level(logging.WARNING, logger="livedag.validation"):
        execute(nodes, "order_lines", {"raw_lines": negative_amount})  # a warn check
    assert "order_lines:positive" in caplog.text
    negative_quantity = pd.DataFrame({"id": [1], "amount": [3.0], "quantity": [0]})
    with pytest.raises(DataValidationError, match="order_lines:positive"):
        execute(nodes, "order_lines", {"raw_lines": negative_quantity})


def test_hamiltons_own_validator_objects_run_too(tmp_path: Path) -> None:
    fixture = Path(__file__).parents[1] / "fixtures" / "dataflows" / "validation_objects.py"
    nodes = live_nodes(tmp_path, fixture.read_text())
    amounts = pd.DataFrame({"amount": [10.0, 20.0]})
    assert list(execute(nodes, "line_amount", {"raw_lines": amounts})) == [10.0, 20.0]
    too_big = pd.DataFrame({"amount": [10.0, 2000.0]})
    with pytest.raises(DataValidationError, match=r"line_amount:range_validator.*\(0.0,1000.0\)"):
        execute(nodes, "line_amount", {"raw_lines": too_big})
