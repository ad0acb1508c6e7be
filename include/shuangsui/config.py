"""Settings from the environment. Nothing here is a secret; secrets live in Airflow
connections or the environment of the deployment."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(os.environ.get("SHUANGSUI_HOME", Path(__file__).resolve().parents[2]))


def data_dir() -> Path:
    """Folder for the default SQLite file, landing files, reports and work files."""
    return Path(os.environ.get("SHUANGSUI_DATA_DIR", ROOT / "data"))


def db_url() -> str:
    """The business database (业务库): SHUANGSUI_DB_URL, default a SQLite file in data_dir()."""
    url = os.environ.get("SHUANGSUI_DB_URL")
    if url:
        return url
    data_dir().mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data_dir() / 'shuangsui.db'}"


def landing_dir() -> Path:
    """Where upstream systems drop directory files (落地文件) for registry_sync."""
    return Path(os.environ.get("SHUANGSUI_LANDING_DIR", data_dir() / "landing"))


def reports_dir() -> Path:
    """Where human-readable reports (data quality, draws) are written."""
    return Path(os.environ.get("SHUANGSUI_REPORTS_DIR", data_dir() / "reports"))


def work_dir() -> Path:
    """Scratch space for files passed between tasks (never through XCom)."""
    return Path(os.environ.get("SHUANGSUI_WORK_DIR", data_dir() / "work"))


def sql_dir() -> Path:
    """Migrations and seed files."""
    return Path(os.environ.get("SHUANGSUI_SQL_DIR", ROOT / "sql"))


def bureau() -> dict:
    """The issuing bureau as it appears on documents (发文机关, 文号, 落款, contact);
    from the environment so a deployment changes them without touching code."""
    env = os.environ.get
    return {
        "name": env("SHUANGSUI_BUREAU_NAME", "淄博高新技术产业开发区安全生产监督管理局"),
        "short_name": env("SHUANGSUI_BUREAU_SHORT_NAME", "淄博高新区安监局"),
        "doc_prefix": env(
            "SHUANGSUI_DOC_PREFIX", "淄高新安监"
        ),  # 发文字号: 淄高新安监抽〔2026〕3号
        "doc_kind": env("SHUANGSUI_DOC_KIND", "抽"),
        "address": env("SHUANGSUI_BUREAU_ADDRESS", "山东省淄博市高新区政通路135号"),
        "contact": env("SHUANGSUI_BUREAU_CONTACT", "执法监察科"),
        "phone": env("SHUANGSUI_BUREAU_PHONE", "0533-3580000"),
        "leader_email": env("SHUANGSUI_LEADER_EMAIL", "fgld@ajj.zbgx.example.cn"),
        "mail_from": env("SHUANGSUI_MAIL_FROM", "shuangsui@ajj.zbgx.example.cn"),
        # Where the public site (公示网站) is served; printed on notices to enterprises.
        "site_url": env("SHUANGSUI_SITE_URL", ""),
    }


def documents_dir() -> Path:
    """Generated notices, task sheets and summaries (DOCX and HTML), one folder a draw."""
    return Path(os.environ.get("SHUANGSUI_DOCUMENTS_DIR", data_dir() / "documents"))


def results_landing_dir() -> Path:
    """Where inspection results (检查结果) are dropped for results_intake."""
    return Path(os.environ.get("SHUANGSUI_RESULTS_DIR", data_dir() / "results"))


def site_dir() -> Path:
    """The public site and open data (公示网站), served as static files."""
    return Path(os.environ.get("SHUANGSUI_SITE_DIR", data_dir() / "site"))


# The bundled sample directories (public demonstration data shipped with the code).
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"


def landing_roots() -> tuple[Path, ...]:
    """The only folders whose files a sync reads (a source named in the trigger form
    must lie inside one): landing_dir(), results_landing_dir(), the bundled samples and
    the folders of SHUANGSUI_LANDING_ROOTS (separated by os.pathsep, ':' on Linux)."""
    extra = os.environ.get("SHUANGSUI_LANDING_ROOTS", "").split(os.pathsep)
    return (
        landing_dir(),
        results_landing_dir(),
        SAMPLES_DIR,
        *(Path(p) for p in extra if p.strip()),
    )


# Limits of what a landing file may hold, sized for a province (省级) directory of 10^7
# units while stopping a file built to exhaust the worker (a 433 KB workbook expanding to
# a 147 MB sheet took 5 GB and three minutes before it failed). Measured on
# bench/large_sample.py's directory: 155 bytes a row in UTF-8, so 10^7 rows are 1.55 GB.
# - SHUANGSUI_MAX_FILE_MB, 2048: that 10^7-row CSV with a third to spare. Reading takes
#   ~3.5x the file's size in memory (~6x for GBK, decoded then re-encoded): ~7 GB at the
#   limit, which a province's worker has; a smaller worker lowers the limits.
# - SHUANGSUI_MAX_ROWS, 2*10^7: twice that directory, for narrow files (a conflict list is
#   ~40 bytes a row, so 2*10^7 rows fit in 2 GB; memory per row, not per byte, binds).
# - SHUANGSUI_MAX_XLSX_MB, 2048: the parts of a workbook once unzipped (read from the zip
#   directory before anything is unpacked). A full Excel sheet (1,048,576 rows, the most
#   a sheet holds) of the directory's 9 columns is ~0.85 GB as openpyxl writes it.
# - SHUANGSUI_MAX_XLSX_RATIO, 100: how many times a part may expand. Real sheets expand
#   ~10x (25x when every cell is the same word); that workbook, 340x; deflate's ceiling is
#   ~1030x. 100 is Apache POI's threshold for a zip bomb (ZipSecureFile, ratio 0.01).


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ValueError(f"{name}: a positive number, not {raw!r}")
    return value


def max_file_mb() -> float:
    """The largest landing file read, in MB (SHUANGSUI_MAX_FILE_MB, default 2048)."""
    return _positive("SHUANGSUI_MAX_FILE_MB", 2048)


def max_xlsx_mb() -> float:
    """The largest a workbook's parts may be once unzipped, in MB (SHUANGSUI_MAX_XLSX_MB,
    default 2048)."""
    return _positive("SHUANGSUI_MAX_XLSX_MB", 2048)


def max_xlsx_ratio() -> float:
    """How many times a workbook's part may expand when unzipped (SHUANGSUI_MAX_XLSX_RATIO,
    default 100)."""
    return _positive("SHUANGSUI_MAX_XLSX_RATIO", 100)


def max_rows() -> int:
    """The most rows a landing file may hold (SHUANGSUI_MAX_ROWS, default 2*10^7)."""
    return int(_positive("SHUANGSUI_MAX_ROWS", 20_000_000))


@dataclass(frozen=True)
class Leader:
    """A person who may decide draws and recusals (分管领导, or the deputy he names):
    `user` is his Airflow login; documents and records show his name and title."""

    user: str
    name: str
    title: str

    @property
    def signature(self) -> str:
        """How records and documents name him: 王建国（分管副局长）."""
        return f"{self.name}（{self.title}）"


DEFAULT_LEADERS = (
    {"user": "leader", "name": "王建国", "title": "分管副局长"},
    {"user": "deputy", "name": "李卫东", "title": "副局长（受分管领导委托）"},
)


def leaders() -> tuple[Leader, ...]:
    """The only people whose answer decides a draw or a recusal (第七条(二)):
    SHUANGSUI_LEADERS, a JSON list of {"user", "name", "title"}; the first is the 分管领导."""
    raw = os.environ.get("SHUANGSUI_LEADERS", "")
    items = json.loads(raw) if raw else DEFAULT_LEADERS
    out = tuple(Leader(str(i["user"]), str(i["name"]), str(i["title"])) for i in items)
    if not out or any(not (x.user and x.name and x.title) for x in out):
        raise ValueError("SHUANGSUI_LEADERS: a non-empty list of {user, name, title}")
    return out


def leader(user: str) -> Leader | None:
    """The configured leader with Airflow login `user`, if he is one."""
    return next((x for x in leaders() if x.user == user), None)


def delist_max_share() -> float:
    """The snapshot guard (移出名录保护): the largest share of a listed directory that one
    full-snapshot sync may mark not listed without an explicit confirmation
    (SHUANGSUI_DELIST_MAX_SHARE, a fraction; default 0.05)."""
    return float(os.environ.get("SHUANGSUI_DELIST_MAX_SHARE", "0.05"))
