"""`Layered`: a name-keyed table versions share, against a plain dict doing the same."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from livedag.engine import layered
from livedag.engine.layered import Layered

KEYS = st.sampled_from(["a", "b", "c", "d", "e", "f"])
STEPS = st.lists(st.tuples(st.booleans(), KEYS, st.integers(0, 9)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(start=st.dictionaries(KEYS, st.integers(0, 9)), versions=st.lists(STEPS, max_size=6))
def test_each_version_reads_as_a_dict_and_earlier_ones_stay_as_they_were(
    start: dict[str, int], versions: list[list[tuple[bool, str, int]]]
) -> None:
    saved = layered.FOLD_AT
    layered.FOLD_AT = 3  # fold often, so both paths run
    try:
        table: Layered[str, int] = Layered.of(dict(start))
        expected = dict(start)
        history = [(table, dict(expected))]
        for steps in versions:
            table = table.edited()
            expected = dict(expected)
            for put, key, value in steps:
                if put:
                    table.set(key, value)
                    expected[key] = value
                else:
                    table.remove(key)
                    expected.pop(key, None)
            history.append((table, dict(expected)))
        for version, wanted in history:  # every version, the old ones included
            assert dict(version.items()) == wanted
            assert len(version) == len(wanted) and set(version) == set(wanted)
            for key in "abcdefg":
                assert (key in version) == (key in wanted)
                assert version.get(key) == wanted.get(key)
                assert version.get(key, -1) == wanted.get(key, -1)
    finally:
        layered.FOLD_AT = saved


def test_a_plain_dict_is_taken_not_copied_and_never_changed() -> None:
    base = {"a": 1}
    first = Layered.of(base)
    second = first.edited()
    second.set("a", 2)
    second.remove("a")
    second.set("b", 3)
    assert base == {"a": 1} and dict(first) == {"a": 1} and dict(second) == {"b": 3}
    assert Layered.of(second) is second
