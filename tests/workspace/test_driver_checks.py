"""LD009/LD010 judge only what can be known: drivers that choose modules or config at run time.

When a driver's modules cannot all be read, its outputs are not checked (one LD008 information
says so, or nothing when it asks for nothing).  When its config is not all known, a name some
config could make is neither a missing output (LD009), a missing input (LD010) nor a typo
(LD002); a name no config makes still is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livedag.engine.codes import Code
from livedag.engine.specs import Severity
from livedag.server.workspace import Workspace

Project = Callable[..., Path]  # the `project` fixture of conftest.py

LOADERS = """
    def raw(path: str) -> list:
        return [path]

    def cleaned(raw: list) -> list:
        return raw
"""

EVALUATION = """
    from hamilton.function_modifiers import config

    @config.when(task="classify")
    def y_validation__classify(cleaned: list) -> list:
        return cleaned

    @config.when(task="regress")
    def y_validation__regress(cleaned: list) -> list:
        return cleaned

    def score(y_validation: list, threshold: float) -> float:
        return len(y_validation) * threshold
"""


def _problems(root: Path, name: str = "run.py") -> list[tuple[str, Severity, str]]:
    snapshot = Workspace([root]).index()
    return [(p.code, p.severity, p.message) for p in snapshot.problems_for(root / name)]


def test_modules_chosen_at_run_time_leave_the_outputs_unjudged(project: Project) -> None:
    root = project(
        loaders=LOADERS,
        run="""
            from hamilton import driver
            import loaders

            def main(store):
                if store == "a":
                    import store_a as chosen
                else:
                    import store_b as chosen
                dr = driver.Builder().with_modules(loaders, chosen).build()
                dr.visualize_execution(["pushed"], "dag.png", {})
                dr.execute(["pushed"])
        """,
    )
    ((code, severity, message),) = _problems(root)
    assert (code, severity) == (Code.UNKNOWABLE, Severity.INFO)
    assert "chosen" in message and "'pushed'" in message


def test_a_module_outside_the_workspace_is_not_known_either(project: Project) -> None:
    root = project(
        loaders=LOADERS,
        run="""
            from hamilton import driver
            import loaders
            from team_package import shared

            dr = driver.Driver({}, loaders, shared)
            dr.execute(["from_shared"])
        """,
    )
    ((code, _, message),) = _problems(root)
    assert code == Code.UNKNOWABLE and "team_package.shared (not in the workspace)" in message


def test_nothing_is_said_when_nothing_is_asked(project: Project) -> None:
    root = project(
        loaders=LOADERS,
        run="""
            from hamilton import driver
            import loaders

            def build(extra):
                return driver.Builder().with_modules(loaders, *extra).build()
        """,
    )
    assert _problems(root) == []


def test_an_output_some_config_makes_is_not_judged_a_real_typo_still_is(
    project: Project,
) -> None:
    root = project(
        loaders=LOADERS,
        evaluation=EVALUATION,
        run="""
            from hamilton import driver
            import loaders, evaluation

            def main(task):
                dr = driver.Driver({"task": task}, loaders, evaluation)
                dr.execute(["y_validation", "scoree"], inputs={"path": "x", "threshold": 1.0})
        """,
    )
    found = {code: (severity, message) for code, severity, message in _problems(root)}
    assert set(found) == {Code.UNKNOWN_OUTPUT, Code.UNKNOWABLE}
    assert (
        found[Code.UNKNOWN_OUTPUT][0] is Severity.ERROR
        and found[Code.UNKNOWABLE][0] is Severity.INFO
    )
    assert (
        "'scoree'" in found[Code.UNKNOWN_OUTPUT][1]
        and "did you mean 'score'" in found[Code.UNKNOWN_OUTPUT][1]
    )
    assert "'y_validation'" in found[Code.UNKNOWABLE][1] and "task" in found[Code.UNKNOWABLE][1]


def test_inputs_a_config_may_make_or_supply_are_not_missing(project: Project) -> None:
    template = """
        from hamilton import driver
        import loaders, evaluation

        def main(task, config):
            dr = driver.Driver({CONFIG}, loaders, evaluation)
            dr.execute(["score"], inputs={"path": "x"})
    """
    # `task` is not known: y_validation may be made, `threshold` is still missing.
    root = project(
        loaders=LOADERS,
        evaluation=EVALUATION,
        run=template.replace("{CONFIG}", '{"task": task}'),
    )
    ((code, _, message),) = _problems(root)
    assert code == Code.MISSING_INPUT and "'threshold'" in message and "y_validation" not in message
    # The whole config comes from elsewhere: it may supply any input.
    project(run=template.replace("{CONFIG}", "config"))
    assert _problems(root) == []
    # A literal config: what it leaves out is really missing.
    project(run=template.replace("{CONFIG}", '{"task": "classify"}'))
    ((code, _, message),) = _problems(root)
    assert code == Code.MISSING_INPUT and "'threshold'" in message


def test_a_name_some_config_makes_is_no_typo_while_the_config_is_not_known(
    project: Project,
) -> None:
    evaluation = """
        from hamilton.function_modifiers import config

        def validation_label(cleaned: list) -> str:
            return "label"

        @config.when(task="classify")
        def validation_labels__classify(cleaned: list) -> list:
            return cleaned

        def score(validation_labels: list) -> float:
            return float(len(validation_labels))
    """
    run = """
        from hamilton import driver
        import loaders, evaluation

        def main(task):
            dr = driver.Driver({CONFIG}, loaders, evaluation)
    """
    root = project(
        loaders=LOADERS, evaluation=evaluation, run=run.replace("{CONFIG}", "{'task': task}")
    )
    assert _problems(root, "evaluation.py") == []
    project(run=run.replace("{CONFIG}", "{'task': 'cluster'}"))  # no variant: a likely typo
    ((code, severity, message),) = _problems(root, "evaluation.py")
    assert (code, severity) == (Code.UNKNOWN_DEPENDENCY, Severity.WARNING)
    assert "did you mean 'validation_label'" in message


def test_one_diagnostic_for_an_output_asked_by_visualize_and_execute(project: Project) -> None:
    root = project(
        loaders=LOADERS,
        run="""
            from hamilton import driver
            import loaders

            dr = driver.Builder().with_modules(loaders).build()
            wanted = ["cleand"]
            dr.visualize_execution(wanted, "dag.png", {}, inputs={"path": "x"})
            dr.execute(wanted, inputs={"path": "x"})
        """,
    )
    ((code, _, message),) = _problems(root)
    assert code == Code.UNKNOWN_OUTPUT and "'cleand'" in message


COUNTING = """
    def counts(table: list) -> int:
        return len(table)
"""
MATERIALIZE = """
    from hamilton import driver
    from hamilton.io.materialization import from_, to
    import counting

    dr = driver.Builder().with_modules(counting).build()
    dr.materialize({materializers})
"""


def _materialized(project: Project, materializers: str) -> list[tuple[str, str]]:
    run = MATERIALIZE.replace("{materializers}", materializers)
    problems = _problems(project(counting=COUNTING, run=run))
    return sorted((p[0].value, p[2].split(";")[0]) for p in problems)


def test_materialize_asks_for_its_savers_dependencies_and_its_loaders_provide(
    project: Project,
) -> None:
    loaded = 'from_.json(path="t.json", target="table"), to.json(id="s", dependencies=["counts"])'
    assert _materialized(project, loaded) == []
    assert _materialized(project, 'to.json(id="s", dependencies=["counts"]), inputs={}') == [
        ("LD010", "the requested outputs need input(s) 'table' that this call does not supply")
    ]
    typo = 'to.json(id="s", dependencies=["countz"]), inputs={"table": []}'
    [(code, message)] = _materialized(project, typo)
    assert code == "LD009" and "'countz'" in message
    extra = 'additional_vars=["countz"], inputs={"table": []}'
    assert [code for code, _ in _materialized(project, extra)] == ["LD009"]


def test_a_savers_own_nodes_may_be_asked_for(project: Project) -> None:
    saver = 'to.json(id="out", dependencies=["counts"], path="o.json"), inputs={"table": []}'
    asked = 'additional_vars=["out", "out_build_result", "counts"]'
    assert _materialized(project, f"{saver}, {asked}") == []
    elsewhere = '*materializers, additional_vars=["out_build_result"], inputs={"table": []}'
    assert _materialized(project, elsewhere) == []  # what the materializers make is unknown


def test_materializers_built_elsewhere_leave_the_inputs_unjudged(project: Project) -> None:
    run = """
        from hamilton import driver
        import loaders

        def run(materializers):
            dr = driver.Builder().with_modules(loaders).build()
            return dr.materialize(*materializers, additional_vars=["cleaned"])
    """
    assert _problems(project(loaders=LOADERS, run=run)) == []
