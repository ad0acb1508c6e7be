"""Privacy (R10, 第四条(三)): what of a result and of a draw's record may be published — by
whitelist, so a new key is never published by accident: the public facts of a unit's
result (public_content) and the public copy of record.json (public_record). The scan that
nothing private leaves in a published file is publish.privacy_scan."""

from __future__ import annotations

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
