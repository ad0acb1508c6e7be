"""Sample data (样例数据): enterprises, inspectors and conflicts that look like the bureau's.

Everything is invented — no real enterprise or person — but shaped like the real exports:
USCCs with correct check digits (GB 32100-2015) and organization codes (GB 11714),
淄博 trade names, 高新区 roads, common Chinese names, 鲁-prefixed 执法证 numbers.

Deterministic: each function takes a seed and all randomness comes from one
``random.Random(seed)``, so the bundled samples and the test fixtures are byte-identical
on every run. The clock (``today``) is an argument. The benchmarks' writer of 10^6 rows
(bench/large_sample.py) draws from the same tables.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from shuangsui.core import uscc
from shuangsui.core.clock import china_date, parse_utc
from shuangsui.core.reference import (
    CONFLICT_COLUMNS,
    CONFLICT_DECISIONS,
    CONFLICT_SOURCES,
    DEPARTMENTS,
    ENTERPRISE_COLUMNS,
    ENTERPRISE_STATUSES,
    INDUSTRIES,
    INSPECTOR_COLUMNS,
    KEY_INDUSTRIES,
    RISK_CLASSES,
)

DEFAULT_TODAY = date(2026, 11, 26)
DEFAULT_SEED = 2017

# The headers files use: the first Chinese name of each canonical column.
ENTERPRISE_HEADERS = [names[0] for names in ENTERPRISE_COLUMNS.values()]
INSPECTOR_HEADERS = [names[0] for names in INSPECTOR_COLUMNS.values()]
CONFLICT_HEADERS = [names[0] for names in CONFLICT_COLUMNS.values()]

DEPARTMENT_OF = {ind: dept for dept, inds in DEPARTMENTS.items() for ind in inds}

# Share of each industry in the zone (第五条's key industries about 28%).
INDUSTRY_WEIGHTS = {
    "危险化学品": 0.15,
    "非煤矿山": 0.05,
    "冶金": 0.08,
    "工贸": 0.22,
    "建材": 0.12,
    "机械": 0.16,
    "轻工": 0.12,
    "烟花爆竹": 0.01,
    "其他": 0.09,
}
# Industry words in trade names. Same length per industry and no word+suffix collision
# across industries, so bench/large_sample.py can make names unique by construction.
INDUSTRY_WORDS = {
    "危险化学品": ("化工", "石化", "新材料", "精细化工", "化学", "气体"),
    "非煤矿山": ("矿业", "石料", "采石", "矿产", "石灰石", "砂石"),
    "冶金": ("特钢", "铸造", "钢铁", "冶金", "铝业", "锻造"),
    "工贸": ("工贸", "商贸", "实业", "物流", "仓储", "贸易"),
    "建材": ("建材", "陶瓷", "水泥", "耐火材料", "玻璃", "保温材料"),
    "机械": ("机械制造", "机械", "装备", "泵业", "汽车配件", "电机"),
    "轻工": ("纺织", "食品", "造纸", "塑业", "家具", "包装"),
    "烟花爆竹": ("烟花爆竹", "烟花", "花炮", "烟花爆竹经营", "烟花爆竹销售", "鞭炮"),
    "其他": ("科技", "电子", "生物", "环保", "新能源", "光电"),
}
# 机构类别 (2nd USCC character) -> name endings: 1 企业, 2 个体工商户, 3 农民专业合作社.
SUFFIXES = {
    "1": ("有限公司", "股份有限公司", "有限责任公司"),
    "2": ("经营部", "厂", "加工厂"),
    "3": ("专业合作社", "农民专业合作社", "合作社"),
}
SUFFIX_WEIGHTS = (0.75, 0.10, 0.15)
CATEGORY_WEIGHTS = {"1": 0.95, "2": 0.04, "3": 0.01}
COOPERATIVE_INDUSTRIES = ("轻工", "其他")  # 合作社 only where it is plausible

# Characters of 字号 (trade names); 100 of them, so three-character names give 10^6.
TRADE_CHARS = (
    "鑫华泰金宏恒齐鲁瑞丰盛昌隆兴源德利汇中润博正海新天永安嘉信诚"
    "宝龙达通远圣弘卓凯威力强胜科创明光辉晟鼎顺发益佳康福祥和美东"
    "方亿万邦联合众成立元亨星阳春晨鸿运腾飞翔云峰清启航"
    "久长荣耀旺茂林森睿智锦绣泓鹏坤"
)

# 登记管理机关行政区划码: 淄博 高新区 first, then the city and its districts/counties.
REGIONS = {
    "370391": 0.55,  # 高新区
    "370300": 0.12,  # 淄博市
    "370303": 0.10,  # 张店区
    "370302": 0.05,  # 淄川区
    "370304": 0.04,  # 博山区
    "370305": 0.06,  # 临淄区
    "370306": 0.03,  # 周村区
    "370321": 0.03,  # 桓台县
    "370322": 0.01,  # 高青县
    "370323": 0.01,  # 沂源县
}
ADDRESS_PREFIX = "山东省淄博市高新区"
# fmt: off
ROADS = (
    "柳泉路", "鲁泰大道", "青龙山路", "政通路", "中润大道", "民祥路", "华光路", "西五路", "西六路",
    "北京路", "天津路", "英才路", "裕民路", "泰美路", "宝山路", "万杰路", "鲁山大道", "世纪路",
    "开发区大道", "高创园路",
)
# fmt: on
TOWNS = ("宝石镇", "卫固镇", "四宝山街道", "石桥街道")
PARKS = ("工业园", "化工产业园", "科技工业园")

# Surnames with rough weights (Shandong-flavoured) and pinyin for e-mail addresses.
# fmt: off
SURNAMES = (
    ("王", "wang", 9), ("张", "zhang", 8), ("李", "li", 8), ("刘", "liu", 6), ("孙", "sun", 5),
    ("高", "gao", 3), ("徐", "xu", 3), ("陈", "chen", 3), ("杨", "yang", 3), ("赵", "zhao", 3),
    ("马", "ma", 2), ("于", "yu", 2), ("韩", "han", 2), ("郭", "guo", 2), ("周", "zhou", 2),
    ("吴", "wu", 2), ("毕", "bi", 2), ("翟", "zhai", 2), ("耿", "geng", 1), ("巩", "gong", 1),
    ("蒲", "pu", 1), ("崔", "cui", 2), ("田", "tian", 2), ("任", "ren", 1), ("姜", "jiang", 2),
    ("房", "fang", 1), ("边", "bian", 1), ("董", "dong", 2), ("宋", "song", 2), ("曹", "cao", 1),
    ("袁", "yuan", 1), ("冯", "feng", 1), ("魏", "wei", 1), ("薛", "xue", 1), ("丁", "ding", 1),
    ("谢", "xie", 1), ("唐", "tang", 1), ("程", "cheng", 1), ("朱", "zhu", 1), ("胡", "hu", 1),
)
# fmt: on
# fmt: off
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("桂", "gui"), ("英", "ying"), ("华", "hua"), ("玉", "yu"),
    ("建", "jian"), ("国", "guo"), ("志", "zhi"), ("文", "wen"), ("海", "hai"), ("波", "bo"),
    ("鹏", "peng"), ("飞", "fei"), ("红", "hong"), ("梅", "mei"), ("峰", "feng"), ("斌", "bin"),
    ("辉", "hui"), ("宁", "ning"), ("晓", "xiao"), ("东", "dong"), ("亮", "liang"), ("林", "lin"),
    ("成", "cheng"), ("新", "xin"), ("春", "chun"), ("庆", "qing"), ("德", "de"), ("立", "li"),
    ("永", "yong"), ("健", "jian"), ("俊", "jun"), ("慧", "hui"), ("琳", "lin"), ("颖", "ying"),
    ("婷", "ting"), ("雪", "xue"), ("倩", "qian"), ("鑫", "xin"), ("凯", "kai"), ("浩", "hao"),
    ("宇", "yu"), ("博", "bo"), ("帅", "shuai"), ("振", "zhen"), ("兴", "xing"), ("光", "guang"),
    ("学", "xue"), ("忠", "zhong"), ("民", "min"), ("金", "jin"), ("利", "li"), ("荣", "rong"),
)
# fmt: on

RISK_WEIGHTS = (0.15, 0.40, 0.33, 0.12)
RISK_WEIGHTS_KEY = (0.08, 0.35, 0.40, 0.17)  # key industries lean to higher risk
STATUS_WEIGHTS = (0.967, 0.02, 0.01, 0.003)  # 存续, 停产, 注销, 吊销
KEY_SHARE_OTHERS = 0.10  # 重点企业 outside the key industries

EMAIL_DOMAIN = "ajj.zbgx.example.cn"
# fmt: off
MOBILE_PREFIXES = tuple(f"13{d}" for d in range(10)) + (
    "150", "151", "152", "153", "155", "156", "157", "158", "159", "180", "181", "182", "183",
    "185", "186", "187", "188", "189",
)
# fmt: on
CONFLICT_REASONS = {
    "近亲属任该单位负责人": 0.25,
    "曾在该单位任职（三年内）": 0.30,
    "持有该单位股份": 0.10,
    "曾为该单位提供技术服务": 0.20,
    "配偶在该单位工作": 0.15,
}
FOUND_IN_DATA = "曾在该单位任职（三年内）"  # typically found from 社保 records, not declared

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organization code check weights


def _org_check(body: str) -> str:
    """GB 11714 check character of an 8-character organization code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS))
    c9 = 11 - total % 11
    return "X" if c9 == 10 else "0" if c9 == 11 else str(c9)


def _org_code(rng: random.Random) -> str:
    """A 9-character 主体标识码: an old numeric 组织机构代码 or a post-2015 'MA' code."""
    if rng.random() < 0.35:
        body = rng.choice("1267") + "".join(rng.choice("0123456789") for _ in range(7))
    else:
        body = "MA" + "".join(rng.choice(uscc.ALPHABET) for _ in range(6))
    return body + _org_check(body)


def _choice(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _person(rng: random.Random) -> tuple[str, str]:
    """A Chinese name and its pinyin, e.g. ('王建国', 'wangjianguo')."""
    surname, sur_py, _ = rng.choices(SURNAMES, weights=[s[2] for s in SURNAMES])[0]
    given = [rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2)]
    return surname + "".join(g[0] for g in given), sur_py + "".join(g[1] for g in given)


def _address(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"{ADDRESS_PREFIX}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
    return f"{ADDRESS_PREFIX}{rng.choice(TOWNS)}{rng.choice(PARKS)}{rng.randint(1, 88)}号"


def _category(rng: random.Random, industry: str) -> str:
    weights = dict(CATEGORY_WEIGHTS)
    if industry not in COOPERATIVE_INDUSTRIES:
        weights["1"] += weights.pop("3")
    return _choice(rng, weights)


def enterprises(n: int = 3000, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """n invented enterprises (生产经营单位) with unique valid USCCs and unique names."""
    rng = random.Random(seed)
    codes: set[str] = set()
    names: set[str] = set()
    rows = []
    for _ in range(n):
        industry = _choice(rng, INDUSTRY_WEIGHTS)
        key = industry in KEY_INDUSTRIES or rng.random() < KEY_SHARE_OTHERS
        risk = rng.choices(RISK_CLASSES, RISK_WEIGHTS_KEY if key else RISK_WEIGHTS)[0]
        status = rng.choices(ENTERPRISE_STATUSES, STATUS_WEIGHTS)[0]
        category = _category(rng, industry)
        while True:
            first17 = "9" + category + _choice(rng, REGIONS) + _org_code(rng)
            code = first17 + uscc.check_digit(first17)
            if code not in codes:
                break
        while True:
            trade = "".join(rng.sample(TRADE_CHARS, 2))
            suffix = rng.choices(SUFFIXES[category], SUFFIX_WEIGHTS)[0]
            name = f"淄博{trade}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
            if name not in names:
                break
        codes.add(code)
        names.add(name)
        rows.append(
            (
                code,
                name,
                industry,
                DEPARTMENT_OF[industry],
                "是" if key else "否",
                risk,
                status,
                _address(rng),
                _person(rng)[0],
            )
        )
    return pd.DataFrame(rows, columns=ENTERPRISE_HEADERS)


def inspectors(n: int = 60, seed: int = DEFAULT_SEED, today: date = DEFAULT_TODAY) -> pd.DataFrame:
    """n invented inspectors (执法人员); about 5% hold a 执法证 already expired on `today`."""
    rng = random.Random(seed)
    depts = list(DEPARTMENTS)
    dept_weights = (0.30, 0.15, 0.40, 0.15)
    min_each = min(6, n // len(depts))
    counts = [min_each] * len(depts)
    for _ in range(n - min_each * len(depts)):
        counts[rng.choices(range(len(depts)), dept_weights)[0]] += 1
    roster = [d for d, c in zip(depts, counts) for _ in range(c)]
    rng.shuffle(roster)

    expired = set(rng.sample(range(n), max(1, round(n * 0.05)))) if n else set()
    inactive = set(
        rng.sample(sorted(set(range(n)) - expired), min(n - len(expired), max(1, n // 30)))
    )
    width = max(3, len(str(n)))
    people: set[str] = set()
    certs: set[str] = set()
    emails: set[str] = set()
    phones: set[str] = set()
    rows = []
    for i, dept in enumerate(roster):
        while True:
            name, pinyin = _person(rng)
            if name not in people:
                break
        while True:  # 鲁 + 370317 + issue year + serial
            cert = f"鲁370317{rng.randint(17, 25):02d}{rng.randint(1, 999):03d}"
            if cert not in certs:
                break
        if i in expired:
            expiry = today - timedelta(days=rng.randint(1, 540))
        else:
            expiry = today + timedelta(days=rng.randint(365, 5 * 365))
        industries = list(DEPARTMENTS[dept])
        if rng.random() < 0.3:
            industries.append(rng.choice([x for x in INDUSTRIES if x not in industries]))
        email, k = pinyin, 1
        while email in emails:
            k += 1
            email = f"{pinyin}{k}"
        while True:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if phone not in phones:
                break
        people.add(name)
        certs.add(cert)
        emails.add(email)
        phones.add(phone)
        rows.append(
            (
                f"ZF{i + 1:0{width}d}",
                name,
                cert,
                expiry.isoformat(),
                dept,
                "、".join(industries),
                "否" if i in inactive else "是",
                f"{email}@{EMAIL_DOMAIN}",
                phone,
            )
        )
    return pd.DataFrame(rows, columns=INSPECTOR_HEADERS)


def conflicts(
    enterprises_df: pd.DataFrame, inspectors_df: pd.DataFrame, n: int = 40, seed: int = DEFAULT_SEED
) -> pd.DataFrame:
    """n invented 回避 relations, mostly within each inspector's own industries."""
    rng = random.Random(seed)
    e_code, e_ind, e_status = ENTERPRISE_HEADERS[0], ENTERPRISE_HEADERS[2], ENTERPRISE_HEADERS[6]
    i_id, i_inds = INSPECTOR_HEADERS[0], INSPECTOR_HEADERS[5]
    codes = enterprises_df[e_code].tolist()
    by_industry: dict[str, list[str]] = {}
    for code, ind, status in zip(codes, enterprises_df[e_ind], enterprises_df[e_status]):
        if status == ENTERPRISE_STATUSES[0]:
            by_industry.setdefault(ind, []).append(code)
    staff = list(zip(inspectors_df[i_id], inspectors_df[i_inds]))
    n = min(n, len(staff) * len(codes))
    seen: set[tuple[str, str]] = set()
    rows: list[tuple[str, str, str, str, str]] = []
    while len(rows) < n:
        inspector, inds = rng.choice(staff)
        own = [c for ind in inds.split("、") for c in by_industry.get(ind, ())]
        code = rng.choice(own) if own and rng.random() < 0.85 else rng.choice(codes)
        if (inspector, code) in seen:
            continue
        seen.add((inspector, code))
        reason = _choice(rng, CONFLICT_REASONS)
        source = CONFLICT_SOURCES[
            1 if rng.random() < (0.6 if reason == FOUND_IN_DATA else 0.1) else 0
        ]
        decision = rng.choices(CONFLICT_DECISIONS, (0.85, 0.10, 0.05))[0]
        rows.append((inspector, code, reason, source, decision))
    return pd.DataFrame(rows, columns=CONFLICT_HEADERS)


def write_csv(df: pd.DataFrame, path: Path | str, encoding: str = "utf-8") -> Path:
    """Write df as CSV with '\\n' line ends (byte-identical on every platform)."""
    path = Path(path)
    df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")
    return path


def write_sample_set(
    folder: Path | str, today: date = DEFAULT_TODAY, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write enterprises.csv, inspectors.csv (UTF-8 with BOM, as Excel saves it) and
    conflicts.csv."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ents = enterprises(seed=seed)
    staff = inspectors(seed=seed, today=today)
    return [
        write_csv(ents, folder / "enterprises.csv"),
        write_csv(staff, folder / "inspectors.csv", encoding="utf-8-sig"),
        write_csv(conflicts(ents, staff, seed=seed), folder / "conflicts.csv"),
    ]


DEMO_MARK = "【演示数据】"
_DEMO_FINDINGS = {
    "SC-07": "隐患排查治理台账不完整，部分隐患未闭环",
    "SC-08": "1名特种作业人员证书过期仍在岗",
    "SC-09": "部分作业人员未按规定佩戴劳动防护用品",
    "SC-10": "重大危险源监测数据未按规定保存",
    "SC-12": "未按规定开展职业病危害因素定期检测",
}


def demo_results(records: list[dict], today: date, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Inspection results for the drawn units of approved draws, clearly marked as
    demonstration data (演示数据): most units without problems, some ordered to rectify
    (some of them already rectified), a few cases opened. Columns as results_intake reads.
    Dated `today`, a China day, or the draw's own China day when that is later: a result is
    never dated before its draw (results intake refuses it)."""
    rng = random.Random(seed)
    rows = []
    for rec in records:
        drawn_at = parse_utc(rec.get("drawn_at"))
        day = max(today, china_date(drawn_at)) if drawn_at else today
        for t in rec["targets"]:
            base = {
                "抽查任务编号": rec["draw_id"],
                "统一社会信用代码": t["uscc"],
                "检查开始日期": day.isoformat(),
                "检查结束日期": day.isoformat(),
            }
            roll = rng.random()
            if roll < 0.7:
                rows.append(
                    {
                        **base,
                        "检查事项编号": "全部",
                        "检查结果": "未发现问题",
                        "检查发现": DEMO_MARK + "未发现问题",
                        "严重违法": "否",
                    }
                )
                continue
            code = rng.choice(sorted(_DEMO_FINDINGS))
            if roll < 0.95:
                done = rng.random() < 0.5
                rows.append(
                    {
                        **base,
                        "检查事项编号": code,
                        "检查结果": "责令限期整改",
                        "检查发现": DEMO_MARK + _DEMO_FINDINGS[code],
                        "严重违法": "否",
                        "整改状态": "已整改" if done else "整改中",
                        "整改完成日期": day.isoformat() if done else "",
                    }
                )
            else:
                rows.append(
                    {
                        **base,
                        "检查事项编号": code,
                        "检查结果": "立案查处",
                        "检查发现": DEMO_MARK + _DEMO_FINDINGS[code],
                        "严重违法": "是",
                        "整改状态": "整改中",
                        "处罚决定书文号": f"淄高新安监罚〔{day.year}〕{len(rows) + 1}号",
                        "处罚决定日期": day.isoformat(),
                    }
                )
    return pd.DataFrame(rows)
