"""Reference data of the bureau: industries (行业), departments (科室), statuses, and the
columns of the landing files with the Chinese headers clerks actually use."""

from __future__ import annotations

from enum import StrEnum

# 第五条: the key industries (重点行业领域) whose units make up >=50% of every draw.
KEY_INDUSTRIES = ("危险化学品", "非煤矿山", "冶金")
INDUSTRIES = KEY_INDUSTRIES + ("工贸", "建材", "机械", "轻工", "烟花爆竹", "其他")

# 科室 (departments) and the industries each supervises (行业监管).
DEPARTMENTS = {
    "危险化学品监管科": ("危险化学品", "烟花爆竹"),
    "非煤矿山监管科": ("非煤矿山",),
    "冶金工贸监管科": ("冶金", "工贸", "建材", "机械", "轻工"),
    "综合监督管理科": ("其他",),
}

# Short codes of the 科室, used in draw ids (file names stay ASCII).
DEPARTMENT_CODES = {
    "危险化学品监管科": "WH",
    "非煤矿山监管科": "FM",
    "冶金工贸监管科": "YJ",
    "综合监督管理科": "ZH",
}


class DrawStatus(StrEnum):
    """A draw's status (抽查任务状态), in the order a draw passes through them."""

    COMMITTED = "committed"  # pool frozen, commitment published, not drawn yet
    DRAWN = "drawn"  # targets and teams drawn, waiting for the 分管领导
    REFUSED = "refused"  # the pool could not meet a rule: nothing drawn
    APPROVED = "approved"  # the 分管领导 approved: notices go out
    REJECTED = "rejected"  # the 分管领导 rejected: closed, a re-draw is a new draw
    ABANDONED = "abandoned"  # committed, never drawn (作废): the secret is revealed
    NOTIFIED = "notified"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


# Named sets of statuses (tuples, in lifecycle order), the only place they are listed.
# Approved, and on (notices issued, inspections, results published).
ISSUED = (DrawStatus.APPROVED, DrawStatus.NOTIFIED, DrawStatus.IN_PROGRESS, DrawStatus.CLOSED)
# Drawn and not rejected or refused: count toward a unit's yearly frequency (第七条(四)).
LIVE = (DrawStatus.DRAWN, *ISSUED)
# Not yet decided: committed and waiting for its public value, or drawn and waiting for
# the 分管领导. At most one per (year, 科室, kind) at a time (no shopping for an outcome).
UNDECIDED = (DrawStatus.COMMITTED, DrawStatus.DRAWN)
# Holding a round of the annual plan: undecided or approved (a round is drawn once).
HOLDS_ROUND = (DrawStatus.COMMITTED, *LIVE)
# A team exists that an inspector may still be recused from.
RECUSABLE = (DrawStatus.DRAWN, DrawStatus.APPROVED, DrawStatus.NOTIFIED, DrawStatus.IN_PROGRESS)
# The secret is published (the seed revealed): every status after committed.
REVEALED = tuple(s for s in DrawStatus if s is not DrawStatus.COMMITTED)

DRAW_KINDS = ("年度计划", "专项治理", "暗访暗查", "综合督导")

ENTERPRISE_STATUSES = ("存续", "停产", "注销", "吊销")  # 经营状态
ACTIVE_STATUS = "存续"
RISK_CLASSES = ("A", "B", "C", "D")  # 信用/风险等级, A lowest risk
CONFLICT_SOURCES = ("申报", "数据发现")  # declared, or found from data
CONFLICT_DECISIONS = ("回避", "待定", "不予回避")

# Canonical column -> accepted headers (English name and the Chinese ones seen in exports).
ENTERPRISE_COLUMNS = {
    "uscc": ("统一社会信用代码", "信用代码", "社会信用代码"),
    "name": ("企业名称", "单位名称", "生产经营单位名称"),
    "industry": ("行业", "行业领域", "所属行业"),
    "department": ("科室", "监管科室", "责任科室"),
    "key_enterprise": ("重点企业", "是否重点企业"),
    "risk_class": ("风险等级", "信用等级", "分级"),
    "status": ("经营状态", "状态", "登记状态"),
    "address": ("地址", "住所", "生产经营地址"),
    "legal_rep": ("法定代表人", "法人代表", "负责人"),
}
INSPECTOR_COLUMNS = {
    "inspector_id": ("人员编号", "工号", "编号"),
    "name": ("姓名",),
    "cert_no": ("执法证号", "执法证编号", "行政执法证号"),
    "cert_expiry": ("执法证有效期至", "有效期至", "证件有效期"),
    "department": ("科室", "所在科室"),
    "industries": ("执法行业", "可检查行业", "行业领域"),
    "active": ("在岗", "是否在岗", "状态"),
    "email": ("电子邮箱", "邮箱"),
    "phone": ("联系电话", "手机", "电话"),
}
CONFLICT_COLUMNS = {
    "inspector_id": ("人员编号", "工号"),
    "uscc": ("统一社会信用代码", "信用代码"),
    "reason": ("回避事由", "事由", "利害关系"),
    "source": ("来源",),
    "decision": ("决定", "处理决定"),
}

# Results of inspections (检查结果), one row per unit and checklist item; "全部" as the item
# means every applicable item was checked and no problem found.
OUTCOMES = ("未发现问题", "责令限期整改", "立案查处")
NO_PROBLEM = "未发现问题"
RECTIFICATION = ("无需整改", "整改中", "已整改")
ALL_ITEMS = "全部"
RESULT_COLUMNS = {
    "draw_id": ("抽查任务编号", "任务编号"),
    "uscc": ("统一社会信用代码", "信用代码"),
    "item_code": ("检查事项编号", "事项编号"),
    "started_on": ("检查开始日期", "开始日期"),
    "ended_on": ("检查结束日期", "结束日期"),
    "finding": ("检查发现", "发现问题", "检查情况"),
    "outcome": ("检查结果", "处理结果"),
    "serious": ("严重违法", "是否严重违法"),
    "rectification": ("整改状态",),
    "rectified_on": ("整改完成日期",),
    "penalty_ref": ("处罚决定书文号", "决定书文号"),
    "decided_on": ("处罚决定日期", "决定日期"),
}

# Columns a file must have to be usable at all (the rest may be blank or absent).
REQUIRED = {
    "enterprises": ("uscc", "name", "industry", "department", "status"),
    "inspectors": ("inspector_id", "name", "cert_no", "cert_expiry", "department"),
    "conflicts": ("inspector_id", "uscc", "reason"),
    "results": ("draw_id", "uscc", "item_code", "started_on", "ended_on", "outcome"),
}
COLUMNS = {
    "enterprises": ENTERPRISE_COLUMNS,
    "inspectors": INSPECTOR_COLUMNS,
    "conflicts": CONFLICT_COLUMNS,
    "results": RESULT_COLUMNS,
}
KEYS = {
    "enterprises": ("uscc",),
    "inspectors": ("inspector_id",),
    "conflicts": ("inspector_id", "uscc"),
    "results": ("draw_id", "uscc", "item_code"),
}
TRUE_WORDS = ("是", "Y", "YES", "TRUE", "1", "重点", "在岗")
FALSE_WORDS = ("否", "N", "NO", "FALSE", "0", "非重点", "离岗", "不在岗")
