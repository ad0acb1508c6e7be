# mypy: disable-error-code="arg-type,index,call-arg"
# (TaskFlow wiring: a task called in a DAG body returns an XComArg, not its return type.)
"""
### Annual inspection plan (年度监督检查计划)

Stores a 科室's plan for a year — planned units, rounds (≥3), the random share (≥30%),
the key share per draw (≥50%), the yearly frequency per risk class, the team size, the
public random source (公开随机源) its draws name — from a file (CSV/.xlsx/JSON, one row per
科室) or from this form. The scheduled draws take their parameters from it: each names the
first draw of the plan's source at least 10 minutes after its commit. Every change is
audited.

File columns (Chinese or English headers): 年度 `year`, 科室 `department`, 计划检查户数
`planned_units`, 抽查次数 `rounds`, 随机抽查比例 `random_share`, 重点企业比例 `key_share`,
抽查频次 `frequency` (`A:1;B:1;C:1;D:2`), 每组人数 `team_size`, 公开随机源 `source`
(`fc3d` or 福彩3D, `pl3` 体彩排列三, `pl5` 体彩排列五; empty or absent: `fc3d`).
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from shuangsui.core.reference import DEPARTMENTS  # constants only
from shuangsui.draw import sources  # constants only
from shuangsui_airflow.defaults import DEFAULT_ARGS, START
from shuangsui_airflow.run import current_run


@dag(
    schedule=None,
    start_date=START,
    catchup=False,
    tags=["plan"],
    doc_md=__doc__,
    default_args=DEFAULT_ARGS,
    params={
        "file": Param(None, type=["null", "string"], title="Plan file (instead of the form)"),
        "year": Param(None, type=["null", "integer"], minimum=2017, title="年度"),
        "department": Param(None, type=["null", "string"], enum=[None, *DEPARTMENTS], title="科室"),
        "planned_units": Param(None, type=["null", "integer"], minimum=1, title="计划检查户数"),
        "rounds": Param(3, type="integer", minimum=3, title="随机抽查次数 (≥3)"),
        "random_share": Param(
            0.3, type="number", minimum=0.3, maximum=1, title="随机抽查比例 (≥0.3)"
        ),
        "key_share": Param(
            0.5, type="number", minimum=0.5, maximum=1, title="每次重点企业比例 (≥0.5)"
        ),
        "frequency": Param(
            {"A": 1, "B": 1, "C": 1, "D": 1}, type="object", title="每年抽查频次（按风险等级）"
        ),
        "team_size": Param(2, type="integer", minimum=2, title="每组人数"),
        "source": Param(
            "fc3d",
            type="string",
            enum=sources.kinds(),
            title="公开随机源",
            description="本计划各次抽取所用的未来开奖号码：每次承诺公布后开奖的第一期",
        ),
    },
)
def annual_plan():
    @task
    def save_plans(params) -> int:
        """Validate and store the plan(s); returns how many changed."""
        from shuangsui.draw import plan

        run = current_run()
        if params.get("file"):
            plans, source = plan.read_plans(params["file"]), params["file"]
        else:
            plans, source = [plan.from_dict(params)], f"form:{run.run_id}"
        return plan.save(run.engine(), plans, source=source, actor="annual_plan", now=run.now)

    save_plans()


annual_plan()
