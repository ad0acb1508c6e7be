"""Open data (开放数据, 第四条(四), R11): the published results, the credit records of serious
violations and the draws, as CSV (UTF-8 with BOM, for Excel) and JSON for other platforms.
The fields are defined once, here; the files, data/fields.html and data/FIELDS.md follow."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from shuangsui.core.reference import NO_PROBLEM, DrawStatus
from shuangsui.core.spreadsheet import safe_cell


@dataclass(frozen=True)
class Field:
    """One documented field of a dataset: name, type, meaning (Chinese) and an example."""

    name: str
    type: str
    zh: str
    example: str


F = Field
RESULT_FIELDS = (
    F("draw_id", "文本", "抽查任务编号，对应抽取过程页面 draws/<编号>.html", "2026-WH-1A2B3C4D5E"),
    F("kind", "文本", "抽查类型：年度计划、专项治理、暗访暗查、综合督导", "年度计划"),
    F("department", "文本", "实施抽查的科室", "危险化学品监管科"),
    F(
        "inspecting_body",
        "文本",
        "检查机关（含科室）",
        "淄博高新技术产业开发区安全生产监督管理局（危险化学品监管科）",
    ),
    F(
        "uscc",
        "文本（18位）",
        "生产经营单位统一社会信用代码（GB 32100-2015）",
        "91370303MAEHTY375Y",
    ),
    F("name", "文本", "生产经营单位名称", "淄博运顺石灰石有限公司"),
    F("industry", "文本", "行业领域", "非煤矿山"),
    F("address", "文本，可空", "生产经营地址（登记信息）", "山东省淄博市高新区柳泉路395号"),
    F("started_on", "日期 YYYY-MM-DD", "检查开始日期", "2026-12-10"),
    F("ended_on", "日期 YYYY-MM-DD", "检查结束日期", "2026-12-11"),
    F(
        "item_codes",
        "文本",
        "检查事项编号，多项以“;”分隔；“全部”表示全部适用事项均未发现问题",
        "SC-02;SC-07",
    ),
    F(
        "items",
        "文本",
        "各检查事项及其结果，多项以“；”分隔",
        "SC-02 双重预防机制建设情况：责令限期整改",
    ),
    F(
        "outcome",
        "文本",
        "检查结果（取各事项中最重者）：未发现问题、责令限期整改、立案查处",
        "责令限期整改",
    ),
    F("findings", "文本，可空", "发现的问题，多项以“；”分隔", "未建立隐患排查治理台账"),
    F("rectification", "文本", "整改情况：无需整改、整改中、已整改", "已整改"),
    F(
        "serious",
        "是/否（JSON 中为 true/false）",
        "是否存在严重安全生产违法行为（纳入社会信用记录）",
        "否",
    ),
    F("penalty_ref", "文本，可空", "行政处罚决定书文号", "淄高新安监罚〔2026〕12号"),
    F("decided_on", "日期，可空", "行政处罚决定日期", "2026-12-20"),
    F(
        "inspectors",
        "文本",
        "执法检查人员姓名、执法证号及分工，多人以“；”分隔",
        "毕红（鲁37031723055，组长）",
    ),
    F("version", "整数", "公示版本号，1 为首次公示，更正后递增", "1"),
    F("published_on", "日期 YYYY-MM-DD", "本版本的公示日期", "2026-12-15"),
    F(
        "change_note",
        "文本，可空",
        "更正说明：本版本更正了什么、为什么（首次公示为空）",
        "更正检查结束日期",
    ),
    F("page", "文本（相对网址）", "该单位公示页面", "results/91370303MAEHTY375Y.html"),
)
RESULT_JSON_EXTRA = (
    F("items[].code", "文本", "检查事项编号（随机抽查事项清单）或“全部”", "SC-07"),
    F("items[].name", "文本", "检查事项名称", "事故隐患排查治理机制建立健全及隐患整改情况"),
    F("items[].outcome", "文本", "该事项的检查结果", "责令限期整改"),
    F("items[].finding", "文本，可空", "该事项发现的问题", "未建立隐患排查治理台账"),
    F("items[].rectification", "文本，可空", "该事项的整改情况", "整改中"),
    F("items[].rectified_on", "日期，可空", "整改完成日期", "2026-12-30"),
    F("inspectors[].name", "文本", "执法检查人员姓名", "毕红"),
    F("inspectors[].cert_no", "文本", "行政执法证号", "鲁37031723055"),
    F("inspectors[].role", "文本", "组长或组员", "组长"),
)
CREDIT_FIELDS = (
    F("uscc", "文本（18位）", "统一社会信用代码", "91370391MAP3UF2D99"),
    F("name", "文本", "生产经营单位名称", "淄博安元精细化工有限公司"),
    F("violation", "文本", "严重违法行为（检查发现的问题）", "未取得安全使用许可证使用危险化学品"),
    F("decision", "文本，可空", "处理决定（行政处罚决定书文号）", "淄高新安监罚〔2026〕12号"),
    F("deciding_body", "文本", "作出决定的机关", "淄博高新技术产业开发区安全生产监督管理局"),
    F("decided_on", "日期，可空", "决定日期", "2026-12-20"),
    F("draw_id", "文本", "发现该行为的抽查任务编号", "2026-WH-1A2B3C4D5E"),
    F("published_on", "日期 YYYY-MM-DD", "公示日期", "2026-12-21"),
    F("version", "整数", "所依据的公示版本号", "1"),
)
DRAW_FIELDS = (
    F("draw_id", "文本", "抽查任务编号", "2026-WH-1A2B3C4D5E"),
    F("year", "整数", "年度", "2026"),
    F("round", "整数，可空", "年度计划中的第几次抽查", "1"),
    F("kind", "文本", "抽查类型", "年度计划"),
    F("department", "文本", "科室", "危险化学品监管科"),
    F(
        "status",
        "文本",
        f"状态代码：{'、'.join(DrawStatus)}",
        DrawStatus.APPROVED.value,
    ),
    F("status_zh", "文本", "状态（中文）", "已批准"),
    F(
        "committed_at",
        "时间（UTC，ISO 8601）",
        "公布承诺值、冻结候选名录的时间",
        "2026-11-26T02:00:00Z",
    ),
    F("drawn_on", "日期，可空", "抽取日期（北京时间）", "2026-11-26"),
    F("algorithm", "文本", "抽取算法版本", "shuangsui-draw-v1"),
    F("code_version", "文本", "抽取所用程序版本", "shuangsui 0.1.0 (git 1a2b3c4d5e6f)"),
    F("pool_sha256", "文本（64位十六进制）", "候选名录 pool.csv 的 SHA-256", "0900f010bc72…"),
    F("pool_size", "整数", "候选名录中的单位数", "420"),
    F("commitment", "文本（64位十六进制）", "抽取前公布的承诺值 SHA-256(secret)", "3e20942a0306…"),
    F(
        "public_value",
        "文本，可空",
        "混入种子的公开随机数（如福彩开奖号码）",
        "2026325 福彩3D 4 7 1",
    ),
    F(
        "secret",
        "文本，可空",
        "抽取后公开的秘密值；承诺阶段或暗访暗查结果公示前为空",
        "241f4d3d6f75…",
    ),
    F("seed", "文本，可空", "种子 SHA-256(secret|public_value)", "385a8cd0b2dd…"),
    F("units", "整数", "抽取的单位数", "20"),
    F("published_units", "整数", "已公示检查结果的单位数", "18"),
    F("redraw_of", "文本，可空", "本次为重新抽取时，被重新抽取的任务编号", ""),
    F("redraw_reason", "文本，可空", "重新抽取的理由", ""),
    F("page", "文本（相对网址）", "抽取过程页面", "draws/2026-WH-1A2B3C4D5E.html"),
    F(
        "files",
        "对象",
        "可下载的验证文件（commitment、record、pool 的相对网址），未公开时为空",
        '{"record": "draws/…/record.json"}',
    ),
)
DATASETS = (
    (
        "results",
        "抽查结果",
        "每个单位每次抽查一条记录（最新公示版本）；results.csv 为带 BOM 的 UTF-8，"
        "可直接用 Excel 打开；results.json 中 items、inspectors 为数组，其余同 CSV。",
        ("results.csv", "results.json"),
        RESULT_FIELDS + RESULT_JSON_EXTRA,
    ),
    (
        "credit_records",
        "严重违法行为（社会信用记录）",
        "第七条（六）：存在严重安全生产非法违法行为的生产经营单位，"
        "按规定纳入社会信用记录。可供国家企业信用信息公示系统等平台归集。",
        ("credit_records.csv", "credit_records.json"),
        CREDIT_FIELDS,
    ),
    (
        "draws",
        "抽查任务与抽取承诺",
        "每次抽取的承诺值、候选名录哈希、种子及验证文件地址。",
        ("draws.json",),
        DRAW_FIELDS,
    ),
)
# How the CSV files guard against formula injection (core.spreadsheet), for data/fields.html
# and data/FIELDS.md.
CSV_NOTE = (
    "为防止电子表格软件将单元格内容作为公式执行（CSV 注入），CSV 文件中的文本字段均以英文双引号"
    "括起；以“=”“+”“-”“@”、制表符或回车符开头的文本，在其前加一个英文单引号（'），"
    "打开时按文本显示。以程序读取时，对以“'”开头、且去除开头连续的“'”后以上述字符开头的单元格，"
    "删除开头的一个“'”，即得原值。JSON 文件中的值均为原值，不加单引号。"
)
CSV_RESULT_COLUMNS = tuple(f.name for f in RESULT_FIELDS)
CSV_CREDIT_COLUMNS = tuple(f.name for f in CREDIT_FIELDS)


def json_bytes(obj) -> bytes:
    """A published JSON file: UTF-8, indented, keys in the order given, a final newline."""
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


def _csv_cell(value) -> str | int:
    """A value as a published CSV cell: None empty, an integer as is, text made safe to
    open in a spreadsheet (core.spreadsheet)."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return safe_cell(str(value))


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines (RFC 4180), every text cell
    quoted and one that would start a formula prefixed with ' (CSV_NOTE)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    w.writerow(columns)
    for r in rows:
        w.writerow([_csv_cell(r.get(c)) for c in columns])
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")


def data_files(latest: list[dict], draws: list[dict], *, publisher: str) -> dict[str, bytes]:
    """data/results.csv and .json, data/credit_records.csv and .json, data/draws.json:
    `latest` the latest published version of each result, `draws` the draws' views."""
    credit = [credit_record(c) for c in latest if c["serious"]]
    meta = {"publisher": publisher, "updated_on": updated_on(latest), "fields": "fields.html"}
    return {
        "data/results.csv": csv_bytes(CSV_RESULT_COLUMNS, [result_row(c) for c in latest]),
        "data/results.json": json_bytes(
            {"dataset": "“双随机、一公开”抽查结果", **meta, "count": len(latest), "records": latest}
        ),
        "data/credit_records.csv": csv_bytes(CSV_CREDIT_COLUMNS, credit),
        "data/credit_records.json": json_bytes(
            {
                "dataset": "严重安全生产违法行为（社会信用记录）",
                **meta,
                "count": len(credit),
                "records": credit,
            }
        ),
        "data/draws.json": json_bytes(
            {
                "dataset": "抽查任务与抽取承诺",
                **meta,
                "count": len(draws),
                "records": [draw_record(v) for v in draws],
            }
        ),
    }


def updated_on(latest: list[dict]) -> str | None:
    """The date of the latest publication (None before the first)."""
    return max((c["published_on"] for c in latest), default=None)


def result_row(c: dict) -> dict:
    """One result (content) as a flat row of results.csv."""
    items = c["items"]
    return {
        **{
            k: c.get(k)
            for k in (
                "draw_id",
                "kind",
                "department",
                "inspecting_body",
                "uscc",
                "name",
                "industry",
                "address",
                "started_on",
                "ended_on",
                "outcome",
                "rectification",
                "penalty_ref",
                "decided_on",
                "version",
                "published_on",
                "change_note",
            )
        },
        "item_codes": ";".join(i["code"] or "" for i in items),
        "items": "；".join(
            f"{i['code']} {i['name'] or ''}：{i['outcome']}".replace(" ：", "：") for i in items
        ),
        "findings": "；".join(i["finding"] for i in items if i.get("finding")) or None,
        "serious": "是" if c["serious"] else "否",
        "inspectors": "；".join(
            f"{i['name']}（{i['cert_no']}，{i['role']}）" for i in c["inspectors"]
        ),
        "page": f"results/{c['uscc']}.html",
    }


def credit_record(c: dict) -> dict:
    """A serious violation (严重违法行为) for the credit record (R7): the findings of the
    items 立案查处 (the case), else of every item with a problem."""
    findings = [
        i["finding"] for i in c["items"] if i.get("finding") and i.get("outcome") == "立案查处"
    ] or [i["finding"] for i in c["items"] if i.get("finding") and i.get("outcome") != NO_PROBLEM]
    return {
        "uscc": c["uscc"],
        "name": c["name"],
        "violation": "；".join(findings) or c["outcome"],
        "decision": c.get("penalty_ref"),
        "deciding_body": (c.get("inspecting_body") or "").split("（")[0] or None,
        "decided_on": c.get("decided_on"),
        "draw_id": c["draw_id"],
        "published_on": c["published_on"],
        "version": c["version"],
    }


def draw_record(v: dict) -> dict:
    """A draw for draws.json."""
    return {
        "draw_id": v["draw_id"],
        "year": v["year"],
        "round": v["round"],
        "kind": v["kind"],
        "department": v["department"],
        "status": v["status"],
        "status_zh": v["status_zh"],
        "committed_at": v["committed_at"],
        "drawn_on": v["drawn_on"],
        "algorithm": v["algorithm"],
        "code_version": v["code_version"],
        "pool_sha256": v["pool_sha256"],
        "pool_size": v["pool_size"],
        "commitment": v["commitment"],
        "public_value": v["public_value"],
        "secret": v["secret"],
        "seed": v["seed"],
        "units": v["units"],
        "published_units": v["published_units"],
        "redraw_of": v["redraw_of"],
        "redraw_reason": v["redraw_reason"],
        "page": f"draws/{v['draw_id']}.html",
        "files": v["files"],
    }
