"""The trigger forms (触发表单): the labels of 科室, 行业, 抽查类型 and 公开随机源, as
`values_display` of the DAGs' Params, and the forms of the annual plan, the draw, the
recusal and the report to the 管委会.

How Airflow 3.3's form uses them (the React UI in airflow/ui/dist): a drop-down shows
`values_display[value]`, else `values_display["None"]`, else the value itself; the
serializer turns every key into `str(key)`, so None becomes "None". Every value must
therefore have its label, or it would be shown as the None entry's label."""

from __future__ import annotations

from airflow.sdk import Param

from shuangsui.core.reference import DEPARTMENTS, DRAW_KINDS, INDUSTRIES, KEY_INDUSTRIES
from shuangsui.draw import sources
from shuangsui.draw.sources import GAMES

# Form sections (the UI shows one open at a time)
FILE, WHAT, RULES = "计划文件", "抽取对象", "抽取规则"
SOURCE, PLAN, REDRAW = "公开随机源", "年度计划", "重新抽取"

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


def plan_params() -> dict:
    """The trigger form of annual_plan."""
    return {
        "file": Param(
            None,
            type=["null", "string"],
            title="计划文件",
            description="选填：计划文件的路径（CSV、.xlsx 或 JSON，每个科室一行）。"
            "填了文件，表单其他各项不用；不填则按表单录入一个科室的计划。",
            section=FILE,
        ),
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=2017,
            title="年度",
            description="不用计划文件时必填，如 2026。",
            section=PLAN,
        ),
        "department": Param(
            None,
            type=["null", "string"],
            enum=[None, *DEPARTMENTS],
            values_display=with_none(DEPARTMENT_LABELS, "（未选择：用计划文件时不选）"),
            title="科室",
            description="不用计划文件时必选：这份计划属于哪个科室。",
            section=PLAN,
        ),
        "planned_units": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="计划检查户数",
            description="不用计划文件时必填：本年度计划检查的单位总数。",
            section=PLAN,
        ),
        "rounds": Param(
            3,
            type="integer",
            minimum=3,
            title="随机抽查次数",
            description="必填，每年不少于 3 次（第七条(四)）。",
            section=PLAN,
        ),
        "random_share": Param(
            0.3,
            type="number",
            minimum=0.3,
            maximum=1,
            title="随机抽查比例",
            description="必填，随机抽查户数占计划检查户数的比例，不低于 0.3（第七条(三)）。",
            section=PLAN,
        ),
        "key_share": Param(
            0.5,
            type="number",
            minimum=0.5,
            maximum=1,
            title="每次重点企业比例",
            description="必填，每次抽取中重点行业领域/重点企业的比例，不低于 0.5（第七条(三)）。",
            section=PLAN,
        ),
        "frequency": Param(
            {"A": 1, "B": 1, "C": 1, "D": 1},
            type="object",
            title="每年抽查频次（按风险等级）",
            description="必填：同一单位每年最多被抽中几次，按风险等级 A（最低）到 D（最高）"
            '填写，每级至少 1 次，如 {"A": 1, "B": 1, "C": 1, "D": 2}。',
            section=PLAN,
        ),
        "team_size": Param(
            2,
            type="integer",
            minimum=2,
            title="每组人数",
            description="必填，每个检查组的执法人员人数，不少于 2 人。",
            section=PLAN,
        ),
        "source": Param(
            "fc3d",
            type="string",
            enum=sources.kinds(),
            values_display=SOURCE_LABELS,
            title="公开随机源",
            description="必选：本计划各次抽取所用的公开开奖号码，每次取承诺公布后"
            "（至少 10 分钟后）开奖的第一期。",
            section=SOURCE,
        ),
    }


def draw_params() -> dict:
    """The trigger form of double_random_draw."""
    return {
        "department": Param(
            None,
            type=["null", "string"],
            enum=[None, *DEPARTMENTS],
            values_display=with_none(DEPARTMENT_LABELS, "（未选择：仅按年度计划抽取时可不选）"),
            title="科室",
            description="抽取哪个科室监管的单位，由该科室人员检查。专项抽取必选；"
            "按年度计划抽取时可不选，即所有有计划的科室。",
            section=WHAT,
        ),
        "kind": Param(
            "专项治理",
            type="string",
            enum=list(DRAW_KINDS),
            values_display=KIND_LABELS,
            title="抽查类型",
            description="必选。按年度计划抽取时固定为“年度计划”，此项不用。",
            section=WHAT,
        ),
        "industries": Param(
            [],
            type=["null", "array"],
            items={"type": "string", "enum": list(INDUSTRIES)},
            examples=list(INDUSTRIES),
            values_display=INDUSTRY_LABELS,
            title="行业",
            description="可多选；不选即该科室监管的全部行业。",
            section=WHAT,
        ),
        "units": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="抽取户数",
            description="本次抽取多少家单位。与“抽取比例”二者只填一项。",
            section=RULES,
        ),
        "ratio": Param(
            None,
            type=["null", "number"],
            exclusiveMinimum=0,
            maximum=1,
            title="抽取比例",
            description="按单位池的比例抽取，0 到 1 之间，如 0.1 即 10%（向上取整）。"
            "与“抽取户数”二者只填一项。",
            section=RULES,
        ),
        "key_share": Param(
            0.5,
            type="number",
            minimum=0.5,
            maximum=1,
            title="重点行业领域/重点企业比例",
            description="必填，不低于 0.5（第七条(三)）：抽中的单位中危险化学品、非煤矿山、冶金"
            "等重点行业领域或重点企业所占的比例。",
            section=RULES,
        ),
        "allow_shortfall": Param(
            False,
            type="boolean",
            title="重点比例不足时提交审批",
            description="关闭（默认）：单位池达不到重点比例时不予抽取。打开：照常抽取，"
            "注明差额，由分管领导审批时决定。",
            section=RULES,
        ),
        "team_size": Param(
            2,
            type="integer",
            minimum=2,
            maximum=6,
            title="每组人数",
            description="必填，每个检查组的执法人员人数，2 到 6 人；第一人为组长。",
            section=RULES,
        ),
        "max_per_inspector": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="每人最多检查户数",
            description="选填：每名执法人员本次最多参加检查的单位数。不填则按可选派人数自动确定，使工作量分散。",
            section=RULES,
        ),
        "inspection_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="检查日期",
            description="选填：不填则为触发当日起第 10 个工作日。",
            section=RULES,
        ),
        "source": Param(
            None,
            type=["null", "string"],
            enum=[None, *sources.kinds()],
            values_display=with_none(
                SOURCE_LABELS, "（默认）福彩3D；按年度计划抽取时用计划规定的随机源"
            ),
            title="公开随机源",
            description="抽取种子取自哪一种公开开奖号码。承诺公布时该期尚未开奖；"
            "开奖后由工作人员录入、另一人核对（公开随机信标由系统自动读取）。",
            section=SOURCE,
        ),
        "source_date": Param(
            None,
            type=["null", "string"],
            format="date",
            title="开奖日期",
            description="选填：用哪一天的开奖号码。不填即承诺公布后（至少 10 分钟后）开奖的"
            "第一期；已开奖或 10 分钟内开奖的期次会被拒绝。",
            section=SOURCE,
        ),
        "from_plan": Param(
            False,
            type="boolean",
            title="按年度计划抽取",
            description="打开：按年度监督检查计划中该次的户数、重点比例和每组人数抽取，每个有计划的"
            "科室各一次（选了科室则只抽该科室）；表单中的抽查类型、户数、比例、行业、重点比例"
            "和每组人数不用。",
            section=PLAN,
        ),
        "round": Param(
            None,
            type=["null", "integer"],
            minimum=1,
            title="第几次抽查",
            description="按年度计划抽取时填写，如 2 即年度计划的第 2 次；不填为第 1 次。",
            section=PLAN,
        ),
        "redraw_of": Param(
            None,
            type=["null", "string"],
            title="原抽查任务编号",
            description="选填：重新抽取时填写被驳回或需重做的抽查任务编号，如 2026-FM-1A2B3C4D5E。",
            section=REDRAW,
        ),
        "redraw_reason": Param(
            None,
            type=["null", "string"],
            title="重新抽取理由",
            description="填写了原抽查任务编号时必填，写明为什么重新抽取，记入抽取记录。",
            section=REDRAW,
        ),
    }


def recusal_params() -> dict:
    """The recusal form (回避申请). Genuinely required: no default, so the form marks each
    one (*) and says 此为必填字段."""
    return {
        "draw_id": Param(
            type="string",
            minLength=1,
            title="抽查任务编号",
            description="必填：如 2026-WH-1A2B3C4D5E，见检查通知书、任务单或公示网站。",
            section="回避申请",
        ),
        "uscc": Param(
            type="string",
            minLength=18,
            maxLength=18,
            title="统一社会信用代码",
            description="必填：该执法人员被派去检查的单位的 18 位统一社会信用代码。",
            section="回避申请",
        ),
        "inspector_id": Param(
            type="string",
            minLength=1,
            title="申请回避的人员编号",
            description="必填：执法人员编号，如 ZF013，见执法检查任务单。",
            section="回避申请",
        ),
        "reason": Param(
            type="string",
            minLength=2,
            title="回避事由",
            description="必填：写明与该单位的利害关系，如“近亲属在该单位任职”。",
            section="回避申请",
        ),
    }


def report_params() -> dict:
    """The form of the report to the 管委会 (管委会报告)."""
    return {
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=2017,
            title="年度",
            description="选填：报告哪一年的抽查，如 2026；不填即运行当年。",
            section="报告年度",
        ),
        "min_units": Param(
            3,
            type="integer",
            minimum=2,
            title="至少涉及的单位数",
            description="必填：一个问题在这么多家及以上单位中发现，即列为普遍性问题（至少 2）。",
            section="普遍性问题标准",
        ),
        "min_share": Param(
            0.1,
            type="number",
            minimum=0,
            maximum=1,
            title="或：占被检查单位的比例",
            description="必填：或在不低于这一比例的被检查单位中发现（如 0.1 即 10%），"
            "也列为普遍性问题。",
            section="普遍性问题标准",
        ),
    }
