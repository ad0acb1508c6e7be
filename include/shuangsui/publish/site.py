"""The public site (公示网站) of “双随机、一公开”: the procedure, the verifiable draws and the
published results, as static files anyone can read on a phone, mirror or archive (第四条(三),
第七条(七)); open data for other platforms (第四条(四), R11); and the report of common
problems to the 管委会 (第七条(六), R7).

What is published, and what never is (R10):
- per unit, only the public facts of the publication rows (shuangsui.publish.publication writes
  them): name, USCC, industry, address, the items checked and their outcome, 整改 status,
  penalty decision, the inspecting body, dates, and the inspectors' names and 执法证号
  (public under 行政执法公示). Fields are whitelisted, so a new key in the content is not
  published by accident;
- per draw, the commitment, pool hash and seed and the files to verify it: commitment.json,
  pool.csv and a public copy of record.json without the teams, the recusals and the
  previous teams (inspector ids, and recusals are 回避关系). roster.csv (the roster with the
  conflicts of interest) is never published, so teams are verified by the bureau only;
- a 暗访暗查 (covert) draw shows only its commitment until every drawn unit's result is
  published: its targets, parameters (the inspection date), pool and seed would tell who is
  about to be visited (the seed and the pool are enough to re-compute the targets);
- never: inspector phone, email, id, 科室 or qualifications, conflicts, an enterprise's legal
  representative or risk class. (Its stratum, key K or other O, is in pool.csv: a draw
  cannot be verified without it.) Every file is scanned before anything is written
  (`scan_private` does the same on a folder); a finding stops the build.

The output is deterministic (same data, same bytes): no build time is printed, everything is
sorted, and files are only rewritten when their bytes change. SHA256SUMS lists every file;
a rebuild removes the files an earlier build listed and this one no longer produces.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Engine, and_, case, distinct, func, select

from shuangsui import config, db

COVERT = "暗访暗查"
NO_PROBLEM = "未发现问题"
ISSUED = ("approved", "notified", "in_progress", "closed")
STATUS_ZH = {
    "committed": "已公布承诺，待抽取",
    "drawn": "已抽取，待审批",
    "refused": "未能抽取",
    "approved": "已批准",
    "rejected": "未获批准（另行抽取）",
    "notified": "已通知",
    "in_progress": "检查中",
    "closed": "已办结",
}
CHINA = dt.timedelta(hours=8)  # stored moments are naive UTC
STATIC = Path(__file__).resolve().parents[1] / "templates" / "site"

# The public facts of one unit's result (the publication content); nothing else passes.
CONTENT_KEYS = (
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
    "items",
    "outcome",
    "rectification",
    "serious",
    "penalty_ref",
    "decided_on",
    "inspectors",
    "version",
    "published_on",
    "change_note",
)
ITEM_KEYS = ("code", "name", "outcome", "finding", "rectification", "rectified_on")
INSPECTOR_KEYS = ("name", "cert_no", "role")
# Left out of the public record.json: inspector ids per unit and the recusals (回避关系).
RECORD_OMITTED = ("teams", "current_teams", "previous_inspectors", "recusals")


# --- open data fields (the one place they are defined: files and fields.html follow) ---


@dataclass(frozen=True)
class Field:
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
        "状态代码：committed、drawn、refused、approved、rejected、notified、in_progress、closed",
        "approved",
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
CSV_RESULT_COLUMNS = tuple(f.name for f in RESULT_FIELDS)
CSV_CREDIT_COLUMNS = tuple(f.name for f in CREDIT_FIELDS)


# --- small helpers ---------------------------------------------------------------------


def _china_date(t: dt.datetime | None) -> str | None:
    return (t + CHINA).date().isoformat() if t else None


def _china_time(t: dt.datetime | None) -> str | None:
    return (t + CHINA).strftime("%Y-%m-%d %H:%M") if t else None


def _utc_naive(t: dt.datetime) -> dt.datetime:
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC).replace(tzinfo=None)
    return t


def _parse_utc(s: str | None) -> dt.datetime | None:
    if not s:
        return None
    return _utc_naive(dt.datetime.fromisoformat(s.replace("Z", "+00:00")))


def _iso(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()[:10]
    return str(v)


def _json(obj) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


def _csv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    """UTF-8 with BOM (Excel opens it as UTF-8), CRLF lines (RFC 4180)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in columns])
    return "\ufeff".encode("utf-8") + buf.getvalue().encode("utf-8")


def _shell_quote(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def public_bureau() -> dict:
    """The bureau as the public sees it: no internal mailbox."""
    b = config.bureau()
    return {k: b[k] for k in ("name", "short_name", "address", "contact", "phone")}


def public_content(raw: dict) -> dict:
    """The whitelisted public facts of one publication's content."""
    c = {k: raw.get(k) for k in CONTENT_KEYS}
    c["items"] = [{k: i.get(k) for k in ITEM_KEYS} for i in raw.get("items") or []]
    c["inspectors"] = sorted(
        ({k: i.get(k) for k in INSPECTOR_KEYS} for i in raw.get("inspectors") or []),
        key=lambda i: i["role"] != "组长",
    )  # the lead first
    c["serious"] = bool(raw.get("serious"))
    return c


def public_record(rec: dict) -> dict:
    """record.json as published: without inspector ids per unit and recusals (回避关系),
    and without who decided. What remains still verifies the seed and the targets with
    `shuangsui verify` (the team checks are then skipped: the roster is not public)."""
    out = {k: v for k, v in rec.items() if k not in RECORD_OMITTED}
    if isinstance(out.get("decision"), dict):
        out["decision"] = {k: v for k, v in out["decision"].items() if k != "by"}
    out["public_copy"] = {
        "omitted": list(RECORD_OMITTED) + ["decision.by"],
        "reason": "公开版本：检查组（执法人员编号）与回避情况涉及个人信息和回避关系，不予公开；"
        "检查对象的抽取可用本文件和 pool.csv 完整验证。",
    }
    return out


# --- reading the database --------------------------------------------------------------


@dataclass
class SiteData:
    bureau: dict
    versions: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    pending: dict[tuple[str, str], str | None] = field(default_factory=dict)
    draws: list[dict] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)  # draws/<id>/... to copy

    @property
    def latest(self) -> list[dict]:
        return [v[-1] for _, v in sorted(self.versions.items())]


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def load(engine: Engine, now: dt.datetime) -> SiteData:
    """Everything the site shows, as of `now` (naive UTC, or aware)."""
    now = _utc_naive(now)
    data = SiteData(public_bureau())
    p, d, s, e = db.publication, db.draw, db.draw_selection, db.enterprise
    with engine.connect() as conn:
        for row in conn.execute(
            select(p.c.draw_id, p.c.uscc, p.c.version, p.c.published_at, p.c.content)
            .where(p.c.published_at.is_not(None), p.c.published_at <= now, p.c.content.is_not(None))
            .order_by(p.c.draw_id, p.c.uscc, p.c.version)
        ):
            c = public_content(json.loads(row.content))
            c["version"] = row.version
            c["published_on"] = c["published_on"] or _china_date(row.published_at)
            data.versions.setdefault((row.draw_id, row.uscc), []).append(c)
        newest = (
            select(p.c.draw_id, p.c.uscc, func.max(p.c.version).label("v"))
            .group_by(p.c.draw_id, p.c.uscc)
            .subquery()
        )
        for row in conn.execute(
            select(p.c.draw_id, p.c.uscc, p.c.due_on)
            .join(
                newest,
                and_(
                    newest.c.draw_id == p.c.draw_id,
                    newest.c.uscc == p.c.uscc,
                    newest.c.v == p.c.version,
                ),
            )
            .where(p.c.published_at.is_(None))
        ):
            if (row.draw_id, row.uscc) not in data.versions:
                data.pending[(row.draw_id, row.uscc)] = _iso(row.due_on)
        draws = conn.execute(
            select(d).where(d.c.created_at <= now).order_by(d.c.created_at, d.c.draw_id)
        ).all()
        targets: dict[str, list] = {}
        for row in conn.execute(
            select(
                s.c.draw_id, s.c.uscc, s.c.stratum, s.c.rank, s.c.position, e.c.name, e.c.industry
            )
            .join(e, e.c.uscc == s.c.uscc, isouter=True)
            .order_by(s.c.draw_id, s.c.position)
        ):
            targets.setdefault(row.draw_id, []).append(row)
    for row in draws:
        data.draws.append(_draw_view(data, row, targets.get(row.draw_id, [])))
    data.draws.sort(key=lambda x: (x["sort_key"], x["draw_id"]), reverse=True)
    return data


def _draw_view(data: SiteData, row, targets: list) -> dict:
    """One draw as the public sees it; also queues the files to copy beside its page."""
    folder = Path(row.folder)
    pre = _read_json(folder / "commitment.json") or {}
    rec = _read_json(folder / "record.json") if row.status != "committed" else None
    covert = row.kind == COVERT
    published = [t for t in targets if (row.draw_id, t.uscc) in data.versions]
    drawn = row.status != "committed"
    # A covert draw is revealed once every unit it drew has its result published.
    revealed = drawn and (
        not covert or (row.status in ISSUED and bool(targets) and len(published) == len(targets))
    )
    params = json.loads(row.params)
    committed_at = _parse_utc(pre.get("committed_at")) or row.created_at
    files = {}
    base = f"draws/{row.draw_id}"
    if not covert or revealed:
        for name in ("commitment.json", "pool.csv"):
            raw = _read_bytes(folder / name)
            if raw is not None:
                data.files[f"{base}/{name}"] = raw
                files[name.split(".")[0]] = f"{base}/{name}"
    if revealed and rec is not None:
        data.files[f"{base}/record.json"] = (
            json.dumps(public_record(rec), ensure_ascii=False, indent=2) + "\n"
        ).encode("utf-8")
        files["record"] = f"{base}/record.json"
    shown = targets if (not covert or revealed) else published
    rows = []
    for t in shown:
        key = (row.draw_id, t.uscc)
        latest = data.versions[key][-1] if key in data.versions else None
        rows.append(
            {
                "position": t.position,
                "uscc": t.uscc,
                "name": latest["name"] if latest else (t.name or ""),
                "stratum": t.stratum,
                "rank": t.rank,
                "result": latest,
                "due_on": data.pending.get(key),
                "pending": key in data.pending,
            }
        )
    # the seed and secret as the record publishes them (the database if it is missing)
    seed = (rec or {}).get("seed", row.seed) if revealed else None
    secret = (rec or {}).get("secret", row.secret) if revealed else None
    day = row.drawn_at or committed_at
    return {
        "draw_id": row.draw_id,
        "year": row.year,
        "round": row.round,
        "kind": row.kind,
        "department": row.department,
        "status": row.status,
        "status_zh": STATUS_ZH.get(row.status, row.status),
        "covert": covert,
        "revealed": revealed,
        "drawn": drawn,
        "sort_key": (_china_date(day), committed_at.isoformat()),
        "date": _china_date(day),
        "committed_at": committed_at.isoformat() + "Z",
        "committed_cn": _china_time(committed_at),
        "drawn_cn": _china_time(row.drawn_at) if drawn else None,
        "drawn_on": _china_date(row.drawn_at) if drawn else None,
        "algorithm": pre.get("algorithm") or (rec or {}).get("algorithm"),
        "code_version": row.code_version,
        "pool_sha256": row.pool_sha256,
        "pool_size": row.pool_size,
        "pool_key": (pre.get("pool") or {}).get("key"),
        "commitment": row.commitment,
        "public_value": row.public_value if (not covert or revealed) else None,
        "secret": secret,
        "seed": seed,
        "params": params if (not covert or revealed) else None,
        "units": len(targets) if targets else params.get("units"),
        "published_units": len(published),
        "targets": rows,
        "refusal": row.refusal if revealed else None,
        "redraw_of": row.redraw_of,
        "redraw_reason": row.redraw_reason,
        "decision_reason": row.decision_reason if row.status == "rejected" else None,
        "files": files,
    }


# --- flat records for the open data ----------------------------------------------------


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


# --- rendering -------------------------------------------------------------------------


def environment() -> Environment:
    """Jinja2 for the site's pages (templates/site/), HTML autoescaped, strict."""
    env = Environment(
        loader=PackageLoader("shuangsui", "templates"),
        autoescape=select_autoescape(["html", "html.j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["shellquote"] = _shell_quote
    env.filters["cn_date"] = chinese_date
    return env


def _search_index(latest: list[dict]) -> bytes:
    """The search index as a script (fetch() of file:// fails; a <script src> works)."""
    by_unit: dict[str, dict] = {}
    for c in sorted(latest, key=lambda c: (c["published_on"], c["draw_id"])):
        by_unit[c["uscc"]] = c
    lines = [
        "/* 抽查结果检索索引：每个已公示单位一条（最新一次抽查） */",
        "window.SHUANGSUI_SEARCH = [",
    ]
    for uscc, c in sorted(by_unit.items()):
        entry = {
            "n": c["name"],
            "u": uscc,
            "i": c["industry"],
            "o": c["outcome"],
            "r": c["rectification"],
            "d": c["published_on"],
            "h": f"results/{uscc}.html",
        }
        lines.append(json.dumps(entry, ensure_ascii=False) + ",")
    lines.append("];")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render(data: SiteData) -> dict[str, bytes]:
    """Every file of the site, by path relative to its root."""
    env = environment()
    out: dict[str, bytes] = {}
    latest = data.latest
    common = {"bureau": data.bureau, "draws": data.draws}

    def page(template: str, path: str, **ctx) -> None:
        root = "../" * path.count("/")
        out[path] = (
            env.get_template(f"site/{template}").render(root=root, **common, **ctx).encode("utf-8")
        )

    by_unit: dict[str, list[dict]] = {}
    for key, versions in sorted(data.versions.items()):
        by_unit.setdefault(key[1], []).append(
            {"latest": versions[-1], "history": list(reversed(versions))}
        )
    units = []
    for uscc, results in sorted(by_unit.items()):
        results.sort(
            key=lambda r: (r["latest"]["ended_on"] or "", r["latest"]["draw_id"]), reverse=True
        )
        units.append({"uscc": uscc, "latest": results[0]["latest"], "results": results})
    recent = sorted(
        latest, key=lambda c: (c["published_on"], c["draw_id"], c["uscc"]), reverse=True
    )
    updated = max((c["published_on"] for c in latest), default=None)

    page(
        "index.html.j2",
        "index.html",
        recent=recent[:20],
        total=len(latest),
        units=len(units),
        updated=updated,
    )
    page(
        "results.html.j2",
        "results/index.html",
        units=sorted(units, key=lambda u: (u["latest"]["published_on"], u["uscc"]), reverse=True),
    )
    for u in units:
        page("unit.html.j2", f"results/{u['uscc']}.html", unit=u)
    check_py = (STATIC / "check.py").read_bytes()
    for v in data.draws:
        page("draw.html.j2", f"draws/{v['draw_id']}.html", d=v)
    page("verify.html.j2", "verify.html", check_py=check_py.decode("utf-8"))
    out["check.py"] = check_py
    out.update(data.files)
    for name in ("site.css", "site.js"):
        out[f"assets/{name}"] = (STATIC / name).read_bytes()
    out["assets/search-index.js"] = _search_index(latest)

    # open data
    rows = [result_row(c) for c in latest]
    credit = [credit_record(c) for c in latest if c["serious"]]
    meta = {"publisher": data.bureau["name"], "updated_on": updated, "fields": "fields.html"}
    out["data/results.csv"] = _csv(CSV_RESULT_COLUMNS, rows)
    out["data/results.json"] = _json(
        {"dataset": "“双随机、一公开”抽查结果", **meta, "count": len(latest), "records": latest}
    )
    out["data/credit_records.csv"] = _csv(CSV_CREDIT_COLUMNS, credit)
    out["data/credit_records.json"] = _json(
        {
            "dataset": "严重安全生产违法行为（社会信用记录）",
            **meta,
            "count": len(credit),
            "records": credit,
        }
    )
    out["data/draws.json"] = _json(
        {
            "dataset": "抽查任务与抽取承诺",
            **meta,
            "count": len(data.draws),
            "records": [draw_record(v) for v in data.draws],
        }
    )
    sums = {
        name: hashlib.sha256(out[f"data/{name}"]).hexdigest() for ds in DATASETS for name in ds[3]
    }
    page("fields.html.j2", "data/fields.html", datasets=DATASETS)
    page(
        "data.html.j2",
        "data/index.html",
        datasets=DATASETS,
        sums=sums,
        updated=updated,
        counts={"results": len(latest), "credit_records": len(credit), "draws": len(data.draws)},
    )
    out["data/FIELDS.md"] = (
        env.get_template("site/FIELDS.md.j2")
        .render(bureau=data.bureau, datasets=DATASETS)
        .encode("utf-8")
    )
    return out


MANIFEST = "SHA256SUMS"


def write_tree(out_dir: Path, files: dict[str, bytes]) -> None:
    """Write the files (only those whose bytes changed) and SHA256SUMS; remove the files
    the previous SHA256SUMS listed that are no longer produced. Nothing else is touched."""
    out_dir.mkdir(parents=True, exist_ok=True)
    root = out_dir.resolve()
    old = set()
    manifest = out_dir / MANIFEST
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            if "  " in line:
                old.add(line.split("  ", 1)[1])
    for rel, data in files.items():
        path = out_dir / rel
        if path.exists() and path.read_bytes() == data:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel in sorted(old - set(files)):
        path = (out_dir / rel).resolve()
        if root in path.parents and path.is_file():
            path.unlink()
    text = "".join(f"{hashlib.sha256(files[r]).hexdigest()}  {r}\n" for r in sorted(files))
    if not manifest.exists() or manifest.read_text(encoding="utf-8") != text:
        manifest.write_text(text, encoding="utf-8", newline="\n")


def build_site(engine: Engine, out_dir: str | Path, *, now: dt.datetime) -> Path:
    """Build the public site (“双随机、一公开”抽查结果公示) in out_dir from what is
    published as of `now`; returns the path of index.html. Same data, same bytes.
    Every file is scanned for private data first (R10): if any is found, PrivateData is
    raised and nothing is written."""
    out_dir = Path(out_dir)
    files = render(load(engine, now))
    scanner = _Scanner(engine)
    findings = [
        f
        for rel, data in sorted(files.items())
        if _scanned(rel)
        for f in scanner.scan(rel, data.decode("utf-8-sig", "replace"))
    ]
    if findings:
        raise PrivateData(list(dict.fromkeys(findings)))
    write_tree(out_dir, files)
    return out_dir / "index.html"


# --- privacy scan (R10) ----------------------------------------------------------------

SCANNED = {".html", ".htm", ".js", ".json", ".csv", ".md", ".txt", ".py", ".svg", ".xml"}
_B, _E = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
MOBILE = re.compile(_B + r"(?:(?:\+|00)?86[\s-]?)?1[3-9]\d(?:\d{8}|[\s-]\d{4}[\s-]\d{4})" + _E)
FIXED = re.compile(_B + r"(?:[(（]0\d{2,3}[)）]\s?|0\d{2,3}-)\d{7,8}(?:-\d{1,6})?" + _E)
RESIDENT_ID = re.compile(_B + r"(\d{6})((?:19|20)\d{2})(\d{2})(\d{2})(\d{3})([0-9Xx])" + _E)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_check_digit(first17: str) -> str:
    """GB 11643-1999: ISO 7064 MOD 11-2 check character of a resident id number."""
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS))
    return "10X98765432"[total % 11]


def is_resident_id(text: str) -> bool:
    """An 18-digit 居民身份证号码: region, a real birth date, sequence and check digit."""
    m = RESIDENT_ID.fullmatch(text)
    if not m:
        return False
    try:
        dt.date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
    except ValueError:
        return False
    return id_check_digit(text[:17]) == text[17].upper()


def _mask(s: str) -> str:
    """Enough of a value to find it, not enough to republish it in a log."""
    if "@" in s:
        local, _, dom = s.partition("@")
        return f"{local[:1]}***@{dom}"
    digits = re.sub(r"\D", "", s)
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) > 7 else "****"


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s or "")


def _private_terms(engine: Engine) -> tuple[set[str], set[str]]:
    """The inspectors' emails (lower case) and phone numbers (digits) in the database."""
    emails, phones = set(), set()
    with engine.connect() as conn:
        for t in (db.inspector, db.inspector_history):
            for em, ph in conn.execute(select(t.c.email, t.c.phone)):
                if em and em.strip():
                    emails.add(em.strip().lower())
                if len(_digits(ph)) >= 7:
                    phones.add(_digits(ph))
    return emails, phones


class PrivateData(ValueError):
    """The site would publish private data (R10): nothing was written."""

    def __init__(self, findings: list[str]):
        self.findings = findings
        more = f"\n… and {len(findings) - 20} more" if len(findings) > 20 else ""
        super().__init__(
            "R10 (第四条(三)): private data in the public site, nothing was "
            "published; fix the source data or the template:\n" + "\n".join(findings[:20]) + more
        )


class _Scanner:
    """Finds private data in published text, line by line (see scan_private)."""

    def __init__(self, engine: Engine | None = None):
        self.allowed = _digits(config.bureau()["phone"])
        emails, phones = _private_terms(engine) if engine is not None else (set(), set())
        phones.discard(self.allowed)
        self.emails = re.compile("|".join(map(re.escape, sorted(emails))), re.I) if emails else None
        self.phones = (
            re.compile(_B + "(?:" + "|".join(sorted(phones)) + ")" + _E) if phones else None
        )

    def scan(self, rel: str, text: str) -> list[str]:
        out = []
        for no, line in enumerate(text.splitlines(), 1):
            where = f"{rel}:{no}"
            found = [m.group() for m in EMAIL.finditer(line)]
            out += [f"{where}: email address {_mask(x)}" for x in found]
            if self.emails:
                out += [
                    f"{where}: inspector email {_mask(m.group())}"
                    for m in self.emails.finditer(line)
                    if not any(m.group().lower() in x.lower() for x in found)
                ]
            if not any(c.isdigit() for c in line):
                continue
            out += [
                f"{where}: mobile phone number {_mask(m.group())}" for m in MOBILE.finditer(line)
            ]
            out += [
                f"{where}: telephone number {_mask(m.group())}"
                for m in FIXED.finditer(line)
                if not _digits(m.group()).startswith(self.allowed)
            ]
            out += [
                f"{where}: resident id number (身份证号) {m.group()[:6]}********{m.group()[-4:]}"
                for m in RESIDENT_ID.finditer(line)
                if is_resident_id(m.group())
            ]
            if self.phones:
                squeezed = re.sub(r"(?<=\d)[\s\-()（）](?=\d)", "", line)
                out += [
                    f"{where}: inspector phone {_mask(m.group())}"
                    for m in self.phones.finditer(squeezed)
                ]
        return out


def _scanned(rel: str) -> bool:
    return Path(rel).suffix.lower() in SCANNED or Path(rel).name == MANIFEST


def scan_private(out_dir: str | Path, engine: Engine | None = None) -> list[str]:
    """Private data in the published files (html, js, json, csv, md, ...): emails, mobile
    and fixed phone numbers (the bureau's public phone excepted), resident id numbers
    (GB 11643 check digit verified, so USCCs do not count), and, given the database, any
    inspector email or phone in it, however formatted. Findings: "file:line: what"."""
    out_dir = Path(out_dir)
    scanner = _Scanner(engine)
    findings = []
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        if _scanned(rel):
            findings += scanner.scan(rel, path.read_bytes().decode("utf-8-sig", "replace"))
    return list(dict.fromkeys(findings))


# --- the report of common problems to the 管委会 (第七条(六)) ---------------------------

try:  # the 成文日期 of the bureau's documents, where notices.py provides it
    from shuangsui.documents.notices import chinese_date, cn_number
except ImportError:  # pragma: no cover - notices.py is optional here
    _DIGITS = "〇一二三四五六七八九"

    def cn_number(n: int) -> str:
        """1 -> 一, 12 -> 十二, 31 -> 三十一 (1..99)."""
        tens, ones = divmod(n, 10)
        return (
            (_DIGITS[tens] if tens > 1 else "")
            + ("十" if tens else "")
            + (_DIGITS[ones] if ones else "")
        )

    def chinese_date(d: dt.date) -> str:
        """2026-11-26 -> 二〇二六年十一月二十六日."""
        return (
            f"{''.join(_DIGITS[int(c)] for c in f'{d.year:04d}')}年"
            f"{cn_number(d.month)}月{cn_number(d.day)}日"
        )


def svg_bars(
    rows: list[tuple[str, int]],
    *,
    title: str,
    unit: str = "家",
    highlight: frozenset[str] | set[str] = frozenset(),
) -> Markup:
    """A horizontal bar chart as inline SVG (no script, scales to the screen width)."""
    width, label_w, bar_w, row_h, top = 640, 230, 330, 26, 30
    height = top + row_h * max(len(rows), 1) + 8
    peak = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" class="chart">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="18" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = round(bar_w * value / peak, 1)
        short = label if len(label) <= 15 else label[:14] + "…"
        fill = "#b3261e" if label in highlight else "#4a6fa5"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" font-size="13" '
            f'text-anchor="end">{escape(short)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w}" height="18" '
            f'fill="{fill}"><title>{escape(label)}：{value}{unit}</title></rect>'
        )
        parts.append(
            f'<text x="{label_w + w + 6}" y="{y + 17}" font-size="13">{value}{unit}</text>'
        )
    if not rows:
        parts.append(f'<text x="{label_w}" y="{top + 17}" font-size="13">无</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def problem_statistics(
    engine: Engine, year: int, *, min_units: int = 3, min_share: float = 0.10
) -> dict:
    """Problem results (outcome other than 未发现问题) of the year's draws, counted by
    checklist item, industry and 科室 (distinct units, and occurrences); an item is a
    普遍性问题 when found at >= min_units units or at >= min_share of the inspected units
    (and always at two units at least: one unit's problem is not common)."""
    r, e, d, c = db.inspection_result, db.enterprise, db.draw, db.checklist_item
    problem = r.c.outcome != NO_PROBLEM
    base = and_(d.c.year == year, r.c.listed)
    unit_if_problem = func.count(distinct(case((problem, r.c.uscc))))
    with engine.connect() as conn:
        inspected = conn.execute(
            select(func.count(distinct(r.c.uscc))).join(d, d.c.draw_id == r.c.draw_id).where(base)
        ).scalar_one()
        problem_units = conn.execute(
            select(func.count(distinct(r.c.uscc)))
            .join(d, d.c.draw_id == r.c.draw_id)
            .where(base, problem)
        ).scalar_one()
        draws_n = conn.execute(
            select(func.count(distinct(r.c.draw_id)))
            .join(d, d.c.draw_id == r.c.draw_id)
            .where(base)
        ).scalar_one()
        names = {}
        for code, name, _ in conn.execute(
            select(c.c.code, c.c.name, c.c.version).order_by(c.c.code, c.c.version)
        ):
            names[code] = name
        by_item = conn.execute(
            select(r.c.item_code, func.count(distinct(r.c.uscc)), func.count())
            .join(d, d.c.draw_id == r.c.draw_id)
            .where(base, problem)
            .group_by(r.c.item_code)
        ).all()
        examples: dict[str, list[str]] = {}
        for code, finding in conn.execute(
            select(r.c.item_code, r.c.finding)
            .join(d, d.c.draw_id == r.c.draw_id)
            .where(base, problem, r.c.finding.is_not(None))
            .distinct()
            .order_by(r.c.item_code, r.c.finding)
        ):
            examples.setdefault(code, []).append(finding)
        by_industry = conn.execute(
            select(e.c.industry, func.count(distinct(r.c.uscc)), unit_if_problem)
            .join(d, d.c.draw_id == r.c.draw_id)
            .join(e, e.c.uscc == r.c.uscc, isouter=True)
            .where(base)
            .group_by(e.c.industry)
        ).all()
        by_department = conn.execute(
            select(d.c.department, func.count(distinct(r.c.uscc)), unit_if_problem)
            .join(d, d.c.draw_id == r.c.draw_id)
            .where(base)
            .group_by(d.c.department)
        ).all()
        serious = conn.execute(
            select(
                r.c.uscc,
                e.c.name,
                e.c.industry,
                r.c.item_code,
                r.c.finding,
                r.c.penalty_ref,
                r.c.decided_on,
                d.c.department,
            )
            .join(d, d.c.draw_id == r.c.draw_id)
            .join(e, e.c.uscc == r.c.uscc, isouter=True)
            .where(base, r.c.serious)
            .order_by(r.c.uscc, r.c.item_code)
        ).all()

    def share(n):
        return n / inspected if inspected else 0.0

    items = []
    for code, units, occurrences in by_item:
        common = units >= 2 and (units >= min_units or share(units) >= min_share)
        items.append(
            {
                "code": code,
                "name": names.get(code, code),
                "units": units,
                "occurrences": occurrences,
                "share": share(units),
                "common": common,
                "examples": examples.get(code, [])[:3],
            }
        )
    items.sort(key=lambda i: (-i["units"], -i["occurrences"], i["code"]))

    def groups(rows):
        out = [
            {
                "name": name or "未登记",
                "inspected": n,
                "problem_units": k,
                "share": k / n if n else 0.0,
            }
            for name, n, k in rows
        ]
        return sorted(out, key=lambda g: (-g["problem_units"], -g["inspected"], g["name"]))

    serious_units: dict[str, dict] = {}
    for s in serious:
        u = serious_units.setdefault(
            s.uscc,
            {
                "uscc": s.uscc,
                "name": s.name,
                "industry": s.industry,
                "department": s.department,
                "findings": [],
                "penalty_ref": s.penalty_ref,
                "decided_on": _iso(s.decided_on),
            },
        )
        if s.finding:
            u["findings"].append(s.finding)
        u["penalty_ref"] = u["penalty_ref"] or s.penalty_ref
    return {
        "year": year,
        "draws": draws_n,
        "inspected_units": inspected,
        "problem_units": problem_units,
        "problem_share": share(problem_units),
        "threshold": {"min_units": min_units, "min_share": min_share},
        "items": items,
        "common_items": [i for i in items if i["common"]],
        "by_industry": groups(by_industry),
        "by_department": groups(by_department),
        "serious_units": len(serious_units),
        "serious_occurrences": len(serious),
        "serious": list(serious_units.values()),
    }


def _percent(x: float) -> str:
    return f"{x * 100:.1f}%".replace(".0%", "%")


def management_report(
    engine: Engine,
    out_dir: str | Path,
    *,
    year: int,
    now: dt.datetime,
    min_units: int = 3,
    min_share: float = 0.10,
) -> dict:
    """关于20XX年“双随机”抽查发现普遍性问题的情况通报 to the 管委会 (第七条(六), R7): the
    year's problems by item, industry and 科室, the common ones highlighted, the serious
    violations; as HTML (inline SVG charts), DOCX (tables) and JSON. Returns the paths."""
    stats = problem_statistics(engine, year, min_units=min_units, min_share=min_share)
    bureau = public_bureau()
    on = (_utc_naive(now) + CHINA).date()
    title = f"关于{year}年“双随机”抽查发现普遍性问题的情况通报"
    common = {f"{i['code']} {i['name']}" for i in stats["common_items"]}
    charts = {
        "items": svg_bars(
            [(f"{i['code']} {i['name']}", i["units"]) for i in stats["items"]],
            title="各检查事项发现问题的单位数（红色为普遍性问题）",
            highlight=common,
        ),
        "industry": svg_bars(
            [(g["name"], g["problem_units"]) for g in stats["by_industry"]],
            title="各行业领域发现问题的单位数",
        ),
        "department": svg_bars(
            [(g["name"], g["problem_units"]) for g in stats["by_department"]],
            title="各科室抽查发现问题的单位数",
        ),
    }
    ctx = {
        "title": title,
        "stats": stats,
        "bureau": bureau,
        "date_cn": chinese_date(on),
        "charts": charts,
        "percent": _percent,
    }
    ctx["lines"] = _report_lines(ctx)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"management_report_{year}"
    html = environment().get_template("site/report.html.j2").render(**ctx)
    paths = {
        "html": out_dir / f"{stem}.html",
        "docx": out_dir / f"{stem}.docx",
        "json": out_dir / f"{stem}.json",
    }
    paths["html"].write_text(html, encoding="utf-8", newline="\n")
    paths["docx"].write_bytes(_report_docx(ctx, now=_utc_naive(now)))
    paths["json"].write_bytes(
        _json(
            {
                "title": title,
                "to": "高新区管委会",
                "from": bureau["name"],
                "date": on.isoformat(),
                **stats,
            }
        )
    )
    return paths


def _report_docx(ctx: dict, *, now: dt.datetime) -> bytes:
    """The report as DOCX (python-docx), charts as tables; zip entries dated `now` so
    the same data gives the same bytes."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "FangSong"
    normal.font.size = Pt(16)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋_GB2312")

    def para(text, *, size=16, bold=False, align=None, font=None, indent=True):
        p = doc.add_paragraph()
        if indent and align is None:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        run = p.add_run(text)
        run.bold = bold
        run.font.size = Pt(size)
        if font:
            run.font.name = font
            run._element.rPr.rFonts.set(qn("w:eastAsia"), font)
        return p

    def table(header, rows):
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header):
            cell.text = text
            for r in cell.paragraphs[0].runs:
                r.bold = True
                r.font.size = Pt(12)
        for row in rows:
            cells = t.add_row().cells
            for cell, text in zip(cells, row):
                cell.text = str(text)
                for r in cell.paragraphs[0].runs:
                    r.font.size = Pt(12)
        return t

    for line in ctx["lines"]:
        kind, text = line[0], line[1]
        if kind == "title":
            para(text, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, font="方正小标宋简体")
        elif kind == "to":
            para(text, indent=False)
        elif kind == "h1":
            para(text, font="黑体")
        elif kind == "h2":
            para(text, font="楷体_GB2312")
        elif kind == "p":
            para(text)
        elif kind == "table":
            table(text, line[2])
        elif kind == "sign":
            para(text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    props = doc.core_properties
    props.title = ctx["title"]
    props.author = ctx["bureau"]["name"]
    props.created = props.modified = now.replace(microsecond=0)
    props.last_modified_by = ctx["bureau"]["name"]
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue(), now)


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """The same zip with every entry dated `when` (python-docx stamps the clock time)."""
    stamp = (
        max(when.year, 1980),
        when.month,
        when.day,
        when.hour,
        when.minute,
        when.second // 2 * 2,
    )
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def _report_lines(ctx: dict) -> list[tuple]:
    """The report's text, shared by the DOCX; the HTML template says the same."""
    s, pct = ctx["stats"], ctx["percent"]
    th = s["threshold"]
    lines: list[tuple] = [("title", ctx["title"]), ("to", "主送：高新区管委会")]
    lines.append(
        (
            "p",
            f"根据《淄博高新区安监局“双随机”抽查和重点监督检查工作制度》第七条第（六）项"
            f"“随机抽查中发现的安全生产工作中带有普遍性的问题，要及时向高新区管委会及其"
            f"相关部门通报反馈”的规定，现将{s['year']}年“双随机”抽查发现的问题情况通报如下。",
        )
    )
    lines.append(("h1", "一、总体情况"))
    lines.append(
        (
            "p",
            f"{s['year']}年，我局开展“双随机”抽查{s['draws']}次，检查生产经营单位"
            f"{s['inspected_units']}家，发现问题单位{s['problem_units']}家，占"
            f"{pct(s['problem_share'])}；其中存在严重安全生产违法行为的"
            f"{s['serious_units']}家，已依法立案查处并按规定纳入社会信用记录。",
        )
    )
    lines.append(("h1", "二、带有普遍性的问题"))
    if s["common_items"]:
        lines.append(
            (
                "p",
                f"以下检查事项在{th['min_units']}家及以上单位或{pct(th['min_share'])}"
                f"及以上受检单位发现问题，属带有普遍性的问题：",
            )
        )
        for n, i in enumerate(s["common_items"], 1):
            text = (
                f"（{cn_number(n)}）{i['code']} {i['name']}：{i['units']}家单位存在问题，占受检单位"
                f"{pct(i['share'])}。"
            )
            if i["examples"]:
                text += "主要表现为：" + "；".join(i["examples"]) + "。"
            lines.append(("p", text))
    else:
        lines.append(("p", "本年度抽查未发现带有普遍性的问题。"))
    lines.append(("h1", "三、问题分布"))
    lines.append(("h2", "（一）按检查事项"))
    lines.append(
        (
            "table",
            ["检查事项", "问题单位数", "问题数", "占受检单位", "普遍性问题"],
            [
                [
                    f"{i['code']} {i['name']}",
                    i["units"],
                    i["occurrences"],
                    pct(i["share"]),
                    "是" if i["common"] else "否",
                ]
                for i in s["items"]
            ],
        )
    )
    lines.append(("chart", "items"))
    lines.append(("h2", "（二）按行业领域"))
    lines.append(
        (
            "table",
            ["行业领域", "受检单位数", "问题单位数", "问题单位占比"],
            [
                [g["name"], g["inspected"], g["problem_units"], pct(g["share"])]
                for g in s["by_industry"]
            ],
        )
    )
    lines.append(("chart", "industry"))
    lines.append(("h2", "（三）按科室"))
    lines.append(
        (
            "table",
            ["科室", "受检单位数", "问题单位数", "问题单位占比"],
            [
                [g["name"], g["inspected"], g["problem_units"], pct(g["share"])]
                for g in s["by_department"]
            ],
        )
    )
    lines.append(("chart", "department"))
    lines.append(("h1", "四、严重违法行为"))
    if s["serious"]:
        lines.append(
            (
                "table",
                ["单位名称", "统一社会信用代码", "违法行为", "处罚决定书文号", "决定日期"],
                [
                    [
                        u["name"] or "",
                        u["uscc"],
                        "；".join(u["findings"]),
                        u["penalty_ref"] or "",
                        u["decided_on"] or "",
                    ]
                    for u in s["serious"]
                ],
            )
        )
    else:
        lines.append(("p", "本年度抽查未发现严重安全生产违法行为。"))
    lines.append(("h1", "五、工作建议"))
    lines.append(
        (
            "p",
            "建议管委会督促相关部门和街道（园区）针对上述普遍性问题，组织相关行业领域生产经营单位"
            "开展自查自改，加强安全生产法律法规宣传培训；我局将把普遍性问题涉及的检查事项"
            "列为下一年度随机抽查的重点，并及时更新随机抽查事项清单（第七条（八））。",
        )
    )
    lines.append(("sign", ctx["bureau"]["name"]))
    lines.append(("sign", ctx["date_cn"]))
    return lines
