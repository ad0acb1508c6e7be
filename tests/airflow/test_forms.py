"""The trigger forms a clerk fills in: Chinese names, labels and docs, no `null` in a
drop-down, no field that blocks 触发 without saying why.

The rules mirror what Airflow 3.3's form does (airflow/ui/dist, the FlexibleForm): a field
is required when its type does not allow null, and 触发 stays disabled while a required
field is null or ""; a drop-down shows values_display[str(value)], else
values_display["None"], else the bare value (so None shows as "null"); an array field is a
multi-select only with a top-level `examples` or `enum` (items.enum alone gives a text
box); a param without `section` goes to the English "Run Parameters" section."""

import re

import pytest

from conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")
# Where a DAG doc's short technical note for engineers starts (it may stay English).
ENGINEERS = re.compile(r"^(?:---|\*?For engineers|Engineers:)", re.MULTILINE)


@pytest.fixture(scope="module")
def dags():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    return bag.dags


def params_of(dags):
    """(dag_id, name, Param) for every param of every DAG."""
    return [
        (dag_id, name, dag.params.get_param(name))
        for dag_id, dag in sorted(dags.items())
        for name in dag.params
    ]


def types(schema: dict) -> set[str]:
    t = schema.get("type")
    return set(t) if isinstance(t, list) else {t} if t else set()


def required(schema: dict) -> bool:
    """As the form decides it: typed, and null not allowed."""
    return bool(types(schema)) and "null" not in types(schema)


def shown(value, values_display: dict) -> str:
    """The label the form's drop-down shows for value (serialized keys are strings)."""
    key = "null" if value is None else str(value)
    return values_display.get(key) or values_display.get("None") or key


def test_every_dag_has_a_chinese_name_and_a_chinese_doc_for_the_clerk(dags):
    assert len(dags) >= 8
    for dag_id, dag in dags.items():
        assert dag.dag_display_name != dag_id and CJK.search(dag.dag_display_name), dag_id
        clerk_part = ENGINEERS.split(dag.doc_md)[0]
        heading = clerk_part.strip().splitlines()[0]
        assert heading.startswith("###") and CJK.search(heading), dag_id
        # Written for a clerk: mostly Chinese, not an English text with Chinese terms
        # (code, task ids and an English gloss in brackets aside).
        prose = re.sub(r"`[^`]*`|\([A-Za-z_, -]+\)", "", clerk_part)
        letters = re.findall(r"[A-Za-z]", prose)
        assert len(CJK.findall(clerk_part)) > 3 * len(letters), dag_id


def test_every_param_has_a_chinese_title_description_and_section(dags):
    for dag_id, name, p in params_of(dags):
        where = f"{dag_id}.{name}"
        assert CJK.search(p.schema.get("title") or ""), where
        assert CJK.search(p.description or p.schema.get("description_md") or ""), where
        # No section: the form files it under its English default, "Run Parameters".
        assert CJK.search(p.schema.get("section") or ""), where


def test_no_required_field_blocks_the_trigger_button_without_saying_why(dags):
    from airflow.sdk.definitions._internal.types import NOTSET

    for dag_id, name, p in params_of(dags):
        where = f"{dag_id}.{name}"
        schema = p.schema
        if not required(schema) or types(schema) == {"boolean"}:
            continue
        # The form marks a required field (*); its description says so in words.
        says = p.description or p.schema.get("description_md") or ""
        assert "必填" in says or "必选" in says, where
        if "string" in types(schema) and p.value is not NOTSET:
            # An empty default is a required field left empty: a grey 触发, no message.
            assert isinstance(p.value, str) and p.value.strip(), where
            assert len(p.value) >= schema.get("minLength", 0), where


def test_required_params_without_default_are_only_on_manual_dags(dags):
    for dag_id, name, p in params_of(dags):
        if not p.has_value and required(p.schema):
            assert dags[dag_id].timetable.can_be_scheduled is False, f"{dag_id}.{name}"


def test_every_default_and_every_choice_passes_the_params_own_schema(dags):
    from airflow.sdk import Param
    from airflow.sdk.exceptions import ParamValidationError

    for dag_id, name, p in params_of(dags):
        # What a trigger with the defaults sends, and each choice the drop-down offers.
        values = [p.value] if p.has_value or "null" in types(p.schema) else []
        for value in [*values, *p.schema.get("enum", [])]:
            try:
                Param(value, schema=p.schema).resolve()
            except ParamValidationError as e:
                pytest.fail(f"{dag_id}.{name}: {value!r} is refused: {e}")


def test_every_choice_has_its_label_and_none_is_never_shown_as_null(dags):
    from airflow.serialization.serialized_objects import DagSerialization

    for dag_id, dag in dags.items():
        # What the UI receives: the serialized DAG, whose dict keys are str(key).
        served = DagSerialization.from_dict(DagSerialization.to_dict(dag)).params
        for name in dag.params:
            schema = served.get_param(name).dump()["schema"]
            choices = schema.get("enum") or schema.get("examples") or []
            if not choices:
                continue
            where = f"{dag_id}.{name}"
            labels = schema.get("values_display")
            assert labels, f"{where}: a drop-down without values_display"
            for value in choices:
                key = "None" if value is None else str(value)
                # Its own label, not the fallback (the None entry's label or the bare value).
                assert key in labels, f"{where}: no label for {value!r}"
                assert CJK.search(shown(value, labels)), f"{where}: {value!r}"
            assert "null" not in {shown(v, labels) for v in choices}, where


def test_industries_is_a_multi_select_of_the_industries(dags):
    from shuangsui.core.reference import INDUSTRIES

    p = dags["double_random_draw"].params.get_param("industries")
    assert "array" in types(p.schema)
    assert p.schema["items"] == {"type": "string", "enum": list(INDUSTRIES)}
    # The form's multi-select takes its options from `examples`, not from items.enum.
    assert p.schema["examples"] == list(INDUSTRIES)
    # Clearing the selection sends null: the type allows it, and the draw reads "all".
    assert "null" in types(p.schema)


def test_every_array_of_choices_is_a_multi_select(dags):
    for dag_id, name, p in params_of(dags):
        if "array" in types(p.schema) and "enum" in (p.schema.get("items") or {}):
            assert p.schema.get("examples") == p.schema["items"]["enum"], f"{dag_id}.{name}"


def test_source_labels_name_each_public_source_as_the_public_knows_it(dags):
    from shuangsui.draw.sources import GAMES

    for dag_id in ("annual_plan", "double_random_draw"):
        p = dags[dag_id].params.get_param("source")
        for kind in p.schema["enum"]:
            if kind is not None:
                assert p.schema["values_display"][kind].startswith(GAMES[kind].name)
    labels = dags["double_random_draw"].params.get_param("source").schema["values_display"]
    assert labels["fc3d"] == "福彩3D（每日21:15开奖，开奖后录入）"
    assert "自动读取" in labels["beacon"] and "仅演示" in labels["demo"]
