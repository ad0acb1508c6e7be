"""What the trigger forms show for the bureau's codes (触发表单的显示文字): the labels of
科室, 行业, 抽查类型 and 公开随机源, as `values_display` of the DAGs' Params.

How Airflow 3.3's form uses them (the React UI in airflow/ui/dist): a drop-down shows
`values_display[value]`, else `values_display["None"]`, else the value itself; the
serializer turns every key into `str(key)`, so None becomes "None". Every value must
therefore have its label, or it would be shown as the None entry's label."""

from __future__ import annotations

from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS, INDUSTRIES, KEY_INDUSTRIES
from shuangsui.draw.sources import GAMES

# 科室, with the industries each supervises: the clerk sees what a draw's pool covers.
DEPARTMENT_LABELS: dict[str | None, str] = {
    d: f"{d}（{'、'.join(industries)}）" for d, industries in DEPARTMENTS.items()
}

INDUSTRY_LABELS: dict[str, str] = {
    i: f"{i}（重点行业）" if i in KEY_INDUSTRIES else i for i in INDUSTRIES
}

KIND_LABELS: dict[str, str] = {
    k: "年度计划（按年度监督检查计划）" if k == "年度计划" else k for k in DRAW_KINDS
}


def _source_label(kind: str) -> str:
    game = GAMES[kind]
    if kind == "beacon":
        return f"{game.name}（自动读取，无需录入）"
    if game.at is None:
        return f"{game.name}（仅演示）"
    return f"{game.name}（每日{game.at:%H:%M}开奖，开奖后录入）"


# Every kind, the demo's too: the form offers it only when it is enabled.
SOURCE_LABELS: dict[str | None, str] = {kind: _source_label(kind) for kind in GAMES}


def with_none(labels: dict, none_label: str) -> dict:
    """`labels` and the label of the empty choice (None), for an optional drop-down."""
    return {None: none_label, **labels}
