"""The compose stack's shape, really running, without Docker: Airflow as separate
processes — api-server, scheduler, dag-processor, triggerer and a Celery worker — on
PostgreSQL (metadata and business database) with the local Redis as the Celery broker.

Everything goes through Airflow's REST API as the UI would: log in, unpause, trigger
registry_sync and a draw, answer the 分管领导's approval (HITL), wait for success. Then the
business database and the mail a real SMTP server received are checked. Every process
started here is stopped, and both databases dropped, also on failure.

Runs when SHUANGSUI_TEST_PG_URL is set (CI sets it, and requires this test to run)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import PG_URL, ROOT, SAMPLES, free_port

pytestmark = [pytest.mark.distributed, pytest.mark.e2e]

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 5
DRAW_CONF = {"department": "危险化学品监管科", "units": 6, "kind": "专项治理", "source": "demo"}
# 科室 staff (one enters the public value, the other confirms it) and the 分管领导
USERS = {"clerk": "user", "clerk2": "user", "leader": "user"}
PROCESSES = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
    "celery-worker": [
        "celery",
        "worker",
        "--concurrency",
        "2",
        "--queues",
        "{queue}",
        "--celery-hostname",
        "{queue}@%h",
        "--without-gossip",
        "--without-mingle",
    ],
}
TIMEOUT_START = 180  # api-server healthy and the DAGs parsed
TIMEOUT_RUN = 240  # one DAG run, on a busy 2-core machine


def _missing_prerequisites() -> list[str]:
    missing = []
    if not PG_URL:
        missing.append("SHUANGSUI_TEST_PG_URL (a PostgreSQL URL) is not set")
    try:
        import airflow.providers.celery  # noqa: F401
        import asyncpg  # noqa: F401  (Airflow's async metadata engine on PostgreSQL)
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError as e:
        missing.append(
            f"the Celery executor or the PostgreSQL drivers are not installed "
            f"({e}): pip install -c constraints.txt -e '.[airflow]'"
        )
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2):
            pass
    except OSError:
        missing.append(f"no Redis at {REDIS_HOST}:{REDIS_PORT} (the Celery broker)")
    return missing


@pytest.fixture(scope="module")
def prerequisites():
    missing = _missing_prerequisites()
    if missing:
        message = "distributed test cannot run: " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


# --------------------------------------------------------------------------- databases


def _admin_engine():
    from sqlalchemy import create_engine

    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _databases(tag: str) -> dict[str, str]:
    """A fresh metadata database on the test server, and the URL of the business database
    with its own role, which the init step creates as in the compose stack."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    server = make_url(PG_URL)
    eng = _admin_engine()
    with eng.connect() as c:
        c.execute(text(f'CREATE DATABASE "shuangsui_dist_{tag}_meta"'))
    eng.dispose()
    return {
        "meta": server.set(database=f"shuangsui_dist_{tag}_meta").render_as_string(
            hide_password=False
        ),
        "biz": server.set(
            username=f"shuangsui_dist_{tag}",
            password=secrets.token_hex(8),
            database=f"shuangsui_dist_{tag}_biz",
        ).render_as_string(hide_password=False),
    }


def _drop_databases(urls: dict[str, str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    eng = _admin_engine()
    with eng.connect() as c:
        for url in urls.values():
            c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        c.execute(text(f'DROP ROLE IF EXISTS "{make_url(urls["biz"]).username}"'))
    eng.dispose()


# --------------------------------------------------------------------------- processes


class Stack:
    """The Airflow processes of one test, their shared environment and their logs."""

    def __init__(self, home: Path, urls: dict[str, str], smtp_conn: str):
        from sqlalchemy.engine import make_url

        self.home = home
        self.logs = home / "process-logs"
        self.logs.mkdir(parents=True)
        self.port = free_port()
        self.queue = f"shuangsui_test_{uuid.uuid4().hex[:8]}"  # never another test's tasks
        self.base = f"http://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        meta = make_url(urls["meta"])
        passwords = {u: secrets.token_urlsafe(12) for u in USERS}
        (home / "passwords.json").write_text(json.dumps(passwords))
        self.passwords = passwords
        # The same environment for every process, like x-airflow-common in the compose file.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AIRFLOW", "SHUANGSUI_", "_AIRFLOW"))
        }
        env.update(
            {
                "AIRFLOW_HOME": str(home),
                "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
                "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
                "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__DEFAULT_TIMEZONE": "Asia/Shanghai",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
                    f"{u}:{r}" for u, r in USERS.items()
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": urls["meta"],
                "AIRFLOW__DATABASE__SQL_ALCHEMY_POOL_SIZE": "3",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_MAX_OVERFLOW": "5",
                "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
                "AIRFLOW__CELERY__RESULT_BACKEND": "db+"
                + meta.set(drivername="postgresql").render_as_string(hide_password=False),
                "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
                "AIRFLOW__API__BASE_URL": self.base,
                "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(16),
                "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
                # Quick on 2 cores: parse at once, scan often, schedule only what is triggered
                # (the daily registry_sync would otherwise start on unpause: a test of its own).
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "60",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
                "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "2",
                "AIRFLOW_CONN_SMTP_DEFAULT": smtp_conn,
                "SHUANGSUI_DB_URL": urls["biz"],
                "SHUANGSUI_DATA_DIR": str(home / "data"),
                "SHUANGSUI_TASK_RETRIES": "1",
                "SHUANGSUI_RETRY_DELAY_SECONDS": "2",
                "SHUANGSUI_DEMO_SOURCE": "1",
                "SHUANGSUI_DEMO_SOURCE_DELAY": "5",
                "GX_ANALYTICS_ENABLED": "false",
            }
        )
        self.env = env

    def run(self, name: str, args: list[str], timeout: int = 300) -> None:
        """A one-off command (migrations); its output goes to the logs."""
        log = self.logs / f"{name}.log"
        with open(log, "wb") as out:
            rc = subprocess.run(
                args,
                cwd=self.home,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            ).returncode
        if rc != 0:
            pytest.fail(f"{' '.join(args[1:])} exited {rc}:\n{_tail(log, 60)}")

    def start(self) -> None:
        for name, args in PROCESSES.items():
            args = [a.format(port=self.port, queue=self.queue) for a in args]
            # The child has its own copy of the descriptor: ours is closed once it started.
            with open(self.logs / f"{name}.log", "wb") as out:
                self.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "airflow", *args],
                    cwd=self.home,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )  # its own process group: stopped as a whole

    def check_alive(self) -> None:
        for name, p in self.procs.items():
            if p.poll() is not None:
                raise AssertionError(f"airflow {name} exited with {p.returncode}")

    def stop(self) -> None:
        """SIGTERM each process group this test started, then SIGKILL what remains."""
        for p in self.procs.values():
            _signal_group(p, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in self.procs.values():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(p, signal.SIGKILL)  # children (task runners) too
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def forget_queue(self) -> None:
        """Remove this test's queue, its bindings and its unacknowledged messages (a run
        stopped mid-task leaves some) from the shared broker."""
        import redis

        r = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
        try:
            keys = list(r.scan_iter(match=f"*{self.queue}*"))
            if keys:
                r.delete(*keys)
            for tag, raw in r.hgetall("unacked").items():  # kombu: [message, exchange, key]
                try:
                    routing_key = json.loads(raw)[2]
                except (ValueError, IndexError, TypeError):
                    continue
                if routing_key == self.queue:
                    r.hdel("unacked", tag)
                    r.zrem("unacked_index", tag)
        finally:
            r.close()

    def diagnostics(self) -> str:
        """The tail of every process log and of the task logs, for a failure message."""
        parts = [f"--- {log.name}\n{_tail(log, 40)}" for log in sorted(self.logs.glob("*.log"))]
        task_logs = sorted(
            (self.home / "logs").glob("dag_id=*/**/*.log"), key=lambda p: p.stat().st_mtime
        )[-4:]
        parts += [f"--- task log {p.relative_to(self.home)}\n{_tail(p, 40)}" for p in task_logs]
        return "\n".join(parts)


def _signal_group(p: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(p.pid, sig)  # start_new_session: the group id is the process id
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as e:
        return f"({e})"


# --------------------------------------------------------------------------- REST API


class Api:
    """Airflow's public REST API, as the UI calls it, with a user's JWT."""

    def __init__(self, stack: Stack):
        import httpx

        self.stack = stack
        self.http = httpx.Client(base_url=stack.base, timeout=30)
        self.tokens: dict[str, str] = {}

    def login(self, user: str) -> None:
        r = self.http.post(
            "/auth/token", json={"username": user, "password": self.stack.passwords[user]}
        )
        assert r.status_code == 201, r.text
        self.tokens[user] = r.json()["access_token"]

    def call(self, method: str, path: str, user: str = "clerk", check: bool = True, **kw):
        r = self.http.request(
            method, "/api/v2" + path, headers={"Authorization": f"Bearer {self.tokens[user]}"}, **kw
        )
        if not check:
            return r
        assert r.status_code < 300, f"{method} {path}: {r.status_code} {r.text}"
        return r.json()

    def wait_healthy(self) -> None:
        import httpx

        deadline = time.monotonic() + TIMEOUT_START
        while time.monotonic() < deadline:
            self.stack.check_alive()
            try:
                if self.http.get("/api/v2/monitor/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise AssertionError("the api-server did not answer /api/v2/monitor/health")

    def wait_parsed(self, dag_ids: list[str]) -> None:
        """Until the dag-processor has serialized every DAG the test runs."""
        deadline = time.monotonic() + TIMEOUT_START
        while time.monotonic() < deadline:
            self.stack.check_alive()
            dags = self.call("GET", "/dags", params={"limit": 100})["dags"]
            known = {d["dag_id"] for d in dags}
            if set(dag_ids) <= known:
                errors = self.call("GET", "/importErrors")["import_errors"]
                assert not errors, errors
                return
            time.sleep(2)
        raise AssertionError(f"DAGs not parsed in {TIMEOUT_START}s: {dag_ids}")

    def trigger(self, dag_id: str, conf: dict) -> str:
        self.call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
        run = self.call(
            "POST", f"/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf}
        )
        return run["dag_run_id"]

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.call(
            "GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100}
        )["task_instances"]

    def wait_run(self, dag_id: str, run_id: str, on_poll=None) -> str:
        deadline = time.monotonic() + TIMEOUT_RUN
        while time.monotonic() < deadline:
            self.stack.check_alive()
            state = self.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in ("success", "failed"):
                return state
            if on_poll:
                on_poll()
            time.sleep(2)
        tis = {
            (t["task_id"], t["map_index"]): t["state"] for t in self.task_instances(dag_id, run_id)
        }
        raise AssertionError(f"{dag_id} {run_id} not finished in {TIMEOUT_RUN}s: {tis}")


# --------------------------------------------------------------------------- the test


@pytest.fixture
def stack(prerequisites, tmp_path_factory, smtp_server):
    started = time.monotonic()
    urls = _databases(uuid.uuid4().hex[:10])
    s = None
    try:
        s = Stack(tmp_path_factory.mktemp("dist"), urls, os.environ["AIRFLOW_CONN_SMTP_DEFAULT"])
        # What the compose file's airflow-init does: the business database and its role,
        # then both migrations.
        s.run(
            "ensure-business-db", [sys.executable, str(ROOT / "docker" / "ensure_business_db.py")]
        )
        s.run("airflow-db-migrate", [sys.executable, "-m", "airflow", "db", "migrate"])
        s.run("shuangsui-migrate", [sys.executable, "-m", "shuangsui.cli", "migrate"])
        s.start()
        yield s, urls
    finally:
        if s is not None:
            s.stop()
            s.forget_queue()
        _drop_databases(urls)
        print(f"distributed stack: {time.monotonic() - started:.0f}s wall time")


def test_celery_stack_syncs_draws_waits_for_the_leader_and_mails_each_inspector(stack, smtp_server):
    from sqlalchemy import select

    from shuangsui import audit, db
    from shuangsui.draw import lifecycle

    s, urls = stack
    api = Api(s)
    try:
        api.wait_healthy()
        for user in USERS:
            api.login(user)
        api.wait_parsed(["registry_sync", "double_random_draw"])

        # 科室 staff load the directories from the trigger form.
        run = api.trigger("registry_sync", {"source": str(SAMPLES)})
        assert api.wait_run("registry_sync", run) == "success"

        # A special draw; the 分管领导 approves it in Required actions.
        run = api.trigger("double_random_draw", DRAW_CONF)
        answered = []

        entered = set()

        def answer_approvals():
            for ti in api.task_instances("double_random_draw", run):
                step = ti["task_id"].removeprefix("one_draw.")
                if step in ("enter_value", "confirm_value") and ti["state"] == "awaiting_input":
                    key = (step, ti["map_index"])
                    if key not in entered:
                        api.call(
                            "PATCH",
                            f"/dags/double_random_draw/dagRuns/{run}/taskInstances/"
                            f"{ti['task_id']}/{ti['map_index']}/hitlDetails",
                            user="clerk" if step == "enter_value" else "clerk2",
                            json={
                                "chosen_options": ["录入"],
                                "params_input": {"value": "385016", "reason": ""},
                            }
                            if step == "enter_value"
                            else {"chosen_options": ["核对无误"], "params_input": {}},
                        )
                        entered.add(key)
                if (
                    ti["task_id"] == "one_draw.approve"
                    and ti["state"] == "awaiting_input"
                    and ti["map_index"] not in answered
                ):
                    path = (
                        f"/dags/double_random_draw/dagRuns/{run}/taskInstances/"
                        f"one_draw.approve/{ti['map_index']}/hitlDetails"
                    )
                    # 科室 staff may not decide their own draw: the API refuses them.
                    body = {"chosen_options": ["批准"], "params_input": {"reason": ""}}
                    refused = api.call("PATCH", path, user="clerk", json=body, check=False)
                    assert refused.status_code == 403, refused.text
                    api.call(
                        "PATCH",
                        path,
                        user="leader",
                        json={
                            "chosen_options": ["批准"],
                            "params_input": {"reason": "同意，按期检查"},
                        },
                    )
                    answered.append(ti["map_index"])

        assert api.wait_run("double_random_draw", run, on_poll=answer_approvals) == "success"
        assert answered == [0]
    except AssertionError as e:
        pytest.fail(f"{e}\n{s.diagnostics()}", pytrace=False)
    finally:
        api.http.close()

    eng = db.engine(urls["biz"])
    try:
        with eng.connect() as conn:
            [row] = conn.execute(select(db.draw)).all()
            rec = lifecycle.record(conn, row.draw_id).to_json()
            assert audit.verify(conn).first_broken is None
            listed = conn.execute(select(db.enterprise.c.uscc)).all()
    finally:
        eng.dispose()
    assert len(listed) == 3000
    assert rec["status"] == "approved" and rec["decision"]["by"] == "王建国（分管副局长）"
    assert rec["department"] == DRAW_CONF["department"] and len(rec["targets"]) == 6
    assert all(len(t["members"]) >= 2 for t in rec["current_teams"])
    inspectors = {m for t in rec["current_teams"] for m in t["members"]}

    subjects = [m["Subject"] for m in smtp_server.messages]
    assert sum("待审批" in x for x in subjects) == 1, subjects  # the 分管领导 was asked
    sheets = [m for m in smtp_server.messages if "任务单" in m["Subject"]]
    assert len(sheets) == len(inspectors), subjects  # one each, never twice
