"""Settings from the environment. Nothing here is a secret; secrets live in Airflow
connections or the environment of the deployment."""
from __future__ import annotations

import os
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
