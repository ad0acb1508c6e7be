"""Shared fixtures: a business database on SQLite (always) and on PostgreSQL (when
SHUANGSUI_TEST_PG_URL is given; CI gives one and requires it), and an Airflow home
with its own metadata database for real DAG runs."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "bad"
SAMPLES = ROOT / "include" / "shuangsui" / "samples" / "registry"

# Airflow reads its configuration at import: set it before any test imports airflow.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="shuangsui-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = str(ROOT / "plugins")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["GX_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("SHUANGSUI_DATA_DIR", str(_AIRFLOW_HOME / "data"))
# Real DAG runs under dag.test() wait out retry delays: keep one retry, one second later.
os.environ["SHUANGSUI_TASK_RETRIES"] = "1"
os.environ["SHUANGSUI_RETRY_DELAY_SECONDS"] = "1"
# The 演示 public source: drawn 2 s after commit, so a two-phase draw runs in a test.
os.environ["SHUANGSUI_DEMO_SOURCE"] = "1"
os.environ["SHUANGSUI_DEMO_SOURCE_DELAY"] = "2"

PG_URL = os.environ.get("SHUANGSUI_TEST_PG_URL")


def _pg_database():
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"shuangsui_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop():
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


def _url(backend: str, tmp_path: Path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'business.db'}", lambda: None
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: set SHUANGSUI_TEST_PG_URL")
        pytest.skip("PostgreSQL not configured (set SHUANGSUI_TEST_PG_URL)")
    return _pg_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty business database, migrated to head, on each backend."""
    from shuangsui import db

    url, drop = _url(request.param, tmp_path)
    db.upgrade(url)
    yield url
    drop()


@pytest.fixture
def engine(db_url):
    from shuangsui import db

    eng = db.engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def airflow_db():
    """Airflow's own metadata database (SQLite in the session's AIRFLOW_HOME)."""
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        capture_output=True,
        env=os.environ.copy(),
    )
    return _AIRFLOW_HOME


@pytest.fixture
def business_env(engine, db_url, tmp_path, monkeypatch):
    """Point the DAGs' tasks (which run in this process under dag.test) at the test DB."""
    monkeypatch.setenv("SHUANGSUI_DB_URL", db_url)
    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    return engine


@pytest.fixture(autouse=True)
def landing_roots(tmp_path_factory, monkeypatch):
    """Tests land files they write under tmp_path: this session's temporary folders are a
    landing folder (discover reads nothing outside the landing folders)."""
    monkeypatch.setenv("SHUANGSUI_LANDING_ROOTS", str(tmp_path_factory.getbasetemp()))


class _Inbox:
    """Messages a real SMTP server on localhost received, parsed."""

    def __init__(self):
        self.messages = []
        self.refuse = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on localhost, and the Airflow connection to it."""
    import json as _json

    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    inbox.controller = controller
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT",
        _json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": port,
                "extra": {"disable_ssl": True, "disable_tls": True, "retry_limit": 0, "timeout": 5},
            }
        ),
    )
    yield inbox
    try:
        controller.stop()
    except AssertionError:
        pass


CHROMIUM = Path("/usr/bin/chromium")


def chromium() -> str:
    """Debian's Chromium for the browser tests (never a browser download)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(
                "chromium must be installed for the browser tests "
                "(apt-get install -y chromium fonts-noto-cjk)"
            )
        pytest.skip("chromium not installed (/usr/bin/chromium)")
    return str(CHROMIUM)


def sync_playwright():
    """Playwright's sync API (from PyPI, driving chromium())."""
    try:
        from playwright.sync_api import sync_playwright as sp
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(
                "playwright must be installed for the browser tests (pip install playwright)"
            )
        pytest.skip("playwright not installed")
    return sp


def artifacts() -> Path:
    """Where tests keep screenshots and other artifacts (tests/artifacts, gitignored)."""
    folder = Path(os.environ.get("SHUANGSUI_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def beacon(monkeypatch):
    """A local randomness beacon (drand's HTTP API, one round a second) and the Airflow
    connection shuangsui_beacon to it, naming rounds 2 s after commit."""
    import json as _json

    from beacon_server import Beacon

    b = Beacon(period=1)
    host, port = b.url.removeprefix("http://").split(":")
    monkeypatch.setenv(
        "AIRFLOW_CONN_SHUANGSUI_BEACON",
        _json.dumps(
            {
                "conn_type": "http",
                "host": host,
                "port": int(port),
                "schema": "http",
                "extra": {"margin_seconds": 2},
            }
        ),
    )
    yield b
    b.close()


REGISTRY_LOADED_AT = __import__("datetime").datetime(2026, 9, 1)
_templates: dict[str, str] = {}


def _load_sample_registry(url: str) -> None:
    from shuangsui import db
    from shuangsui.intake import pipeline as registry

    eng = db.engine(url)
    with eng.connect() as conn:
        prep = registry.prepare(
            conn, registry.land(str(SAMPLES)), run_id="sample", today=REGISTRY_LOADED_AT.date()
        )
    registry.apply(eng, prep, now=REGISTRY_LOADED_AT)
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request, tmp_path):
    """A database with the bundled sample registry loaded (as of 2026-09-01). Loaded once
    per backend and session, then copied: SQLite by file, PostgreSQL from a template."""
    import shutil

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    backend = request.param
    if backend == "sqlite":
        if backend not in _templates:
            path = Path(tempfile.mkdtemp(prefix="shuangsui-template-")) / "registry.db"
            from shuangsui import db

            db.upgrade(f"sqlite:///{path}")
            _load_sample_registry(f"sqlite:///{path}")
            _templates[backend] = str(path)
        target = tmp_path / "business.db"
        shutil.copy(_templates[backend], target)
        yield f"sqlite:///{target}"
        return
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: set SHUANGSUI_TEST_PG_URL")
        pytest.skip("PostgreSQL not configured (set SHUANGSUI_TEST_PG_URL)")
    if backend not in _templates:
        url, _drop = _pg_database()
        from shuangsui import db

        db.upgrade(url)
        _load_sample_registry(url)
        _templates[backend] = make_url(url).database
    name = f"shuangsui_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :t AND pid <> pg_backend_pid()"
            ),
            {"t": _templates[backend]},
        )
        c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_templates[backend]}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def registry_engine(registry_url, tmp_path, monkeypatch):
    """An engine on a copy of the sample registry; draws and documents go to tmp_path."""
    from shuangsui import db

    monkeypatch.setenv("SHUANGSUI_DB_URL", registry_url)
    monkeypatch.setenv("SHUANGSUI_DATA_DIR", str(tmp_path / "data"))
    eng = db.engine(registry_url)
    yield eng
    eng.dispose()


@pytest.fixture
def calendar_overrides(tmp_path, monkeypatch):
    """Point the working-day calendar at an override file holding the given years (as
    "years" of calendar_overrides.json: {"2027": {"notice", "holidays", ...}}) instead of
    the shipped file. Returns the file's path."""
    import json

    from shuangsui.core import workdays

    def use(years: dict) -> Path:
        path = tmp_path / f"calendar_overrides_{uuid.uuid4().hex[:8]}.json"
        path.write_text(json.dumps({"years": years}, ensure_ascii=False), encoding="utf-8")
        monkeypatch.setenv(workdays.OVERRIDES_ENV, str(path))
        return path

    return use


@pytest.fixture
def calendar_unknown_years(calendar_overrides, monkeypatch):
    """Make years unknown to the working-day calendar, whatever the installed
    chinesecalendar and holidays packages cover: they are hidden from both packages and
    the override file is empty (a later calendar_overrides call can supply them)."""
    from shuangsui.core import workdays

    def hide(*years: int) -> None:
        package = workdays._cc_years() - set(years)
        notices = workdays._holidays_notice_years() - set(years)
        monkeypatch.setattr(workdays, "_cc_years", lambda: package)
        monkeypatch.setattr(workdays, "_holidays_notice_years", lambda: notices)
        # The state caches year calendars already built from the packages: drop it.
        monkeypatch.setattr(workdays, "_current", None)
        calendar_overrides({})

    return hide


def pytest_sessionfinish(session, exitstatus):
    """Drop the PostgreSQL template database made for this session."""
    if "postgresql" in _templates and PG_URL:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{_templates["postgresql"]}" WITH (FORCE)'))
        admin.dispose()
