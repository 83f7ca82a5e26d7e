"""Driver scripts found statically: modules, config, requested outputs and supplied inputs."""

from __future__ import annotations

import pytest
from livedag.engine.specs import Unknown
from livedag.server.analyzer import DriverUse

from tests.analyzer.helpers import analyze


def test_builder_chain_with_execute() -> None:
    found = analyze(
        "from hamilton import driver\nimport features, model\n\n"
        "def main() -> None:\n"
        "    config = {'region': 'US'}\n"
        "    dr = driver.Builder().with_modules(features, model).with_config(config).build()\n"
        "    dr.execute(['score', 'age'], inputs={'raw': 1})\n"
    )
    (use,) = found.drivers
    assert use.modules == ("features", "model")
    assert use.config == {"region": "US"}
    assert use.outputs == ("score", "age") and use.inputs == ("raw",)
    assert (use.outputs[1].location.line, use.outputs[1].location.column) == (7, 25)
    assert use.location.line == 6


def test_driver_class_with_final_vars_and_module_constants() -> None:
    found = analyze(
        "import hamilton.driver\nfrom pipelines import features\n"
        "OUTPUTS = ['a']\nCONFIG = dict(mode='batch')\n"
        "dr = hamilton.driver.Driver(CONFIG, features)\n"
        "if __name__ == '__main__':\n    dr.execute(final_vars=OUTPUTS + ['b'], inputs=dict(x=1))\n"
    )
    (use,) = found.drivers
    assert use.modules == ("pipelines.features",)
    assert use.config == {"mode": "batch"}
    assert use.outputs == ("a", "b") and use.inputs == ("x",)


def test_livedag_driver_and_aliases() -> None:
    found = analyze(
        "from livedag.engine import driver as d\nimport features\n"
        "d.Builder().with_modules(features).with_config(load()).build().execute(['z'])\n"
    )
    (use,) = found.drivers
    assert use.outputs == ("z",)
    assert all(isinstance(v, Unknown) for v in use.config.values())


def test_a_dataflow_module_has_no_drivers() -> None:
    assert analyze("def execute(x: int) -> int:\n    return x\n").drivers == ()


# --- what a driver chooses at run time ------------------------------------------------------------


def _one(source: str) -> DriverUse:
    (use,) = analyze(source).drivers
    return use


@pytest.mark.parametrize(
    ("modules", "known", "unread"),
    [
        ("*get_data_loader()", (), ("*get_data_loader()",)),
        ("QUERIES[query], loaders", ("loaders",), ("QUERIES[query]",)),
        ("*[loaders, pick()]", ("loaders",), ("*[loaders, pick()]",)),
        ("loaders", ("loaders",), ()),
    ],
)
def test_module_arguments_that_need_running_code_are_named(
    modules: str, known: tuple[str, ...], unread: tuple[str, ...]
) -> None:
    use = _one(
        f"""
        from hamilton import driver
        import loaders
        QUERIES = {{"q1": loaders}}

        def run(query):
            dr = driver.Builder().with_modules({modules}).build()
            dr.execute(["final_data"])
        """
    )
    assert use.modules == known and use.unknown_modules == unread


def test_a_module_variable_set_on_two_paths_is_not_known() -> None:
    script = """
        from hamilton import driver
        import features, lance, pinecone

        def main(store):
            if store == "lance":
                chosen = lance
                same = features
            else:
                chosen = pinecone
                same = features
            dr = driver.Driver({}, same, chosen)
            dr.execute(["push"])
    """
    use = _one(script)
    assert use.modules == ("features",) and use.unknown_modules == ("chosen",)


def test_a_config_built_in_a_function_is_read_and_follows_its_changes() -> None:
    use = _one(
        """
        from hamilton import driver
        import summaries

        def job(extra):
            config = dict(file_type="pdf")
            config.update({"model": "small"})
            config["depth"] = 2
            dr = driver.Builder().with_config(config).with_modules(summaries).build()
            config.update(extra)  # after the build: the driver keeps what it got
            dr.execute(["raw_text"])
        """
    )
    assert use.config == {"file_type": "pdf", "model": "small", "depth": 2}


def test_a_config_changed_by_code_that_must_run_is_not_known() -> None:
    use = _one(
        """
        from hamilton import driver
        import logic

        if __name__ == "__main__":
            dag_config = {"test_size_fraction": 0.5}
            dag_config.update(get_model_config("svm"))
            dr = driver.Driver(dag_config, logic)
        """
    )
    assert list(use.config) == ["**dag_config"] and isinstance(use.config["**dag_config"], Unknown)


def test_inputs_with_an_unreadable_part_are_not_all_known() -> None:
    use = _one(
        """
        from hamilton import driver
        import science

        def test_pipeline(dummy_data, dummy_inputs):
            dr = driver.Builder().with_modules(science).build()
            dr.execute(["evaluate_model"], inputs=dict(table=dummy_data, **dummy_inputs))
        """
    )
    assert use.inputs == ("table",) and use.inputs_unknown


def test_each_output_is_asked_once_where_it_is_first_named() -> None:
    use = _one(
        """
        from hamilton import driver
        import queries

        dr = driver.Builder().with_modules(queries).build()
        columns = ["raw_text", "summary"]
        dr.visualize_execution(columns, "./dag.dot", {}, inputs={"a": 1})
        dr.execute(columns + ["extra"], inputs={"a": 1})
        """
    )
    assert use.outputs == ("raw_text", "summary", "extra") and use.inputs == ("a",)
    assert {o.location.line for o in use.outputs[:2]} == {6}


def test_a_driver_imported_inside_the_task_function_is_found() -> None:
    use = _one(
        """
        from airflow.decorators import task

        @task
        def train(features_path: str):
            from absenteeism import train_model
            from hamilton import driver as hd

            dr = hd.Driver({"task": "binary"}, train_model)
            dr.execute(final_vars=["model_results"], inputs={"features_path": features_path})
        """
    )
    assert use.modules == ("absenteeism.train_model",) and use.config == {"task": "binary"}


@pytest.mark.parametrize(
    ("construction", "allowed"),
    [
        ("driver.Builder().with_modules(base, patch).allow_module_overrides().build()", True),
        ("driver.Builder().allow_module_overrides().with_modules(base, patch).build()", True),
        ("driver.Driver({}, base, patch, allow_module_overrides=True)", True),
        ("driver.Driver({}, base, patch, allow_module_overrides=False)", False),
        ("driver.Builder().with_modules(base, patch).build()", False),
    ],
)
def test_allowing_module_overrides_is_recorded(construction: str, allowed: bool) -> None:
    use = _one(f"from hamilton import driver\nimport base, patch\n\ndr = {construction}\n")
    assert use.modules == ("base", "patch") and use.allow_module_overrides is allowed
