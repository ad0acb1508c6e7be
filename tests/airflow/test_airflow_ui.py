"""The bureau's people through the Airflow UI, in a real browser (Playwright driving Debian's
Chromium), on the set-up `make airflow-ui` starts (tools/airflow_ui.sh: mail sink,
smtp_default, users and passwords, every DAG unpaused, `airflow standalone`), with its own
data folder and ports.

The clerk fills the trigger form and triggers a draw; when the (演示) source is due he
enters its value under 待操作的任务实例 (Required actions); a second clerk confirms it; the
clerk tries to approve and is refused; the 分管领导 approves; the run succeeds; the task
sheets are in the mail sink and the draw on the public site. Screenshots are kept in
tests/artifacts/airflow-ui/."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, artifacts, chromium, free_port, sync_playwright

pytestmark = [pytest.mark.e2e]

TIMEOUT_START = 240
TIMEOUT_STEP = 180


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """`make airflow-ui` on a fresh data folder; stopped (the whole process group) after."""
    data = tmp_path_factory.mktemp("airflow-ui")
    port, mail_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AIRFLOW", "SHUANGSUI_", "GX_", "PYTEST"))
    }
    env |= {
        "DATA": str(data),
        "AIRFLOW_UI_PORT": str(port),
        "SHUANGSUI_MAIL_PORT": str(mail_port),
        "SHUANGSUI_DEMO_SOURCE_DELAY": "5",
    }
    log = (data / "make-airflow-ui.log").open("w")
    proc = subprocess.Popen(
        ["make", "-s", "airflow-ui", f"DATA={data}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _until(
            lambda: _healthy(base) and _unpaused(data, "double_random_draw"),
            TIMEOUT_START,
            "the Airflow stack to start",
            data,
            proc,
        )
        passwords = json.loads(
            (data / "airflow" / "simple_auth_manager_passwords.json.generated").read_text()
        )
        yield {"base": base, "data": data, "passwords": passwords, "proc": proc}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=60)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _until(check, timeout, what, data, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            break
        if check():
            return
        time.sleep(2)
    tail = (data / "make-airflow-ui.log").read_text(errors="replace")[-3000:]
    states = _meta_all(
        data,
        "SELECT task_id, state, try_number FROM task_instance WHERE dag_id = ? ORDER BY start_date",
        "double_random_draw",
    )
    pytest.fail(
        f"timed out waiting for {what}; the draw's tasks: {states}; "
        f"make airflow-ui log ends:\n{tail}"
    )


def _meta_all(data, sql, *args):
    """The rows of a query on the stack's metadata database (its error, as text, while the
    database or its tables do not exist yet)."""
    db = data / "airflow" / "airflow.db"
    if not db.exists():
        return "no metadata database yet"
    try:
        with sqlite3.connect(db, timeout=10) as c:
            return c.execute(sql, args).fetchall()
    except sqlite3.Error as e:
        return repr(e)


def _healthy(base):
    try:
        with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5) as r:
            h = json.load(r)
    except OSError:
        return False
    return all(h.get(k, {}).get("status") == "healthy" for k in ("metadatabase", "scheduler"))


def _meta(data, sql, *args):
    """The first row of a query on the stack's metadata database, or None."""
    rows = _meta_all(data, sql, *args)
    return rows[0] if isinstance(rows, list) and rows else None


def _unpaused(data, dag_id):
    return _meta(data, "SELECT is_paused FROM dag WHERE dag_id = ?", dag_id) == (0,)


def _pending(data, run_id, task_suffix):
    row = _meta(
        data,
        "SELECT ti.state FROM task_instance ti WHERE ti.run_id = ? AND ti.task_id LIKE ?",
        run_id,
        f"%{task_suffix}",
    )
    return row is not None and row[0] in ("deferred", "awaiting_input")


def _draw(data):
    with sqlite3.connect(data / "shuangsui.db", timeout=10) as c:
        return c.execute("SELECT draw_id, status, decided_by FROM draw").fetchone()


class People:
    """One browser; each person logs in in a context of his own."""

    def __init__(self, browser, stack, shots: Path):
        self.browser, self.stack, self.shots = browser, stack, shots

    def login(self, user):
        ctx = self.browser.new_context(
            locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1400, "height": 1200}
        )
        page = ctx.new_page()
        page.set_default_timeout(30_000)
        page.goto(self.stack["base"] + "/")
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(self.stack["passwords"][user])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"^(?!.*/auth/login).*$"))
        return page

    def shot(self, page, name):
        page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)


def _section(page, name):
    t = page.locator(f'[data-scope=accordion][data-part=item-trigger][id$=":trigger:{name}"]')
    if t.get_attribute("aria-expanded") != "true":
        t.click()


def _choose(page, name, text):
    field = page.locator(f'input[type=hidden][name="element_{name}"]').locator("xpath=..")
    field.locator("input").first.click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def _number(page, name, value):
    ctl = page.locator(f'[id="number-input:element_{name}:inc"]').get_attribute("aria-controls")
    page.locator(f'[id="{ctl}"]').fill(str(value))


def _required_action(page, stack, run_id, task_suffix):
    """Open the run's 待操作的任务实例 and select the step; its form's panel."""
    page.goto(f"{stack['base']}/dags/double_random_draw/runs/{run_id}/required_actions")
    # The page opens as a dialog over the run's task list, whose rows name the same tasks:
    # the row to click is the dialog's.
    page.get_by_role("dialog").get_by_role("row").filter(has_text=task_suffix).first.click()
    return page


def _answer(people, page, run_id, task_suffix, button, shot, value=None):
    """Answer a step in its form as a person would; the step must then stop waiting. A
    click the UI did not take (the panel still loading) is repeated, at most twice more."""
    stack, data = people.stack, people.stack["data"]
    # Answer as a person would, not within the second the step appears: Airflow 3.3.2's
    # scheduler can take an answer that arrives before the executor reported the paused
    # task as a failure (seen here: "finished with state success, but the task instance's
    # state attribute is queued" → up_for_retry, asked again after the retry delay).
    time.sleep(8)
    for attempt in range(3):
        _required_action(page, stack, run_id, task_suffix)
        if value is not None:
            field = page.locator('input[name="element_value"]')
            field.fill(value)
            assert field.input_value() == value
        people.shot(page, shot if attempt == 0 else f"{shot}-again-{attempt}")
        page.get_by_role("button", name=button).click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if not _pending(data, run_id, task_suffix):
                return
            time.sleep(1)
    people.shot(page, f"{shot}-not-taken")
    pytest.fail(f"{task_suffix}: the answer {button!r} was not taken")


def test_a_clerk_triggers_a_draw_the_leader_approves_and_the_inspectors_get_mail(stack):
    from shuangsui import config

    shots = artifacts() / "airflow-ui"
    shots.mkdir(parents=True, exist_ok=True)
    data = stack["data"]
    with sync_playwright()() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        people = People(browser, stack, shots)

        # The clerk triggers from the form, in Chinese, choosing from lists.
        clerk = people.login("clerk")
        clerk.goto(stack["base"] + "/dags/double_random_draw")
        clerk.get_by_role("button", name="触发").click()
        _section(clerk, "抽取对象")
        _choose(clerk, "department", "危险化学品")
        _section(clerk, "抽取规则")
        _number(clerk, "units", 6)
        _section(clerk, "公开随机源")
        _choose(clerk, "source", "演示")
        people.shot(clerk, "01-trigger-form")
        clerk.get_by_test_id("trigger-dag-submit").click()
        clerk.wait_for_url(re.compile(r".*/dags/double_random_draw/runs/.+"))
        run_id = clerk.url.rstrip("/").split("/runs/")[1].split("/")[0]
        run_id = urllib.request.unquote(run_id)

        # When the source is due, the clerk enters its value.
        _until(lambda: _pending(data, run_id, "enter_value"), TIMEOUT_STEP, "the entry step", data)
        _answer(people, clerk, run_id, "enter_value", "录入", "02-enter-value", value="385016")

        # A second clerk confirms it.
        _until(lambda: _pending(data, run_id, "confirm_value"), TIMEOUT_STEP, "confirmation", data)
        clerk2 = people.login("clerk2")
        _answer(people, clerk2, run_id, "confirm_value", "核对无误", "03-confirm-value")

        # The draw waits for the 分管领导; the clerk cannot decide it.
        _until(lambda: _pending(data, run_id, "approve"), TIMEOUT_STEP, "the approval step", data)
        _required_action(clerk, stack, run_id, "approve")
        clerk.get_by_role("button", name="批准").click()
        clerk.get_by_text("拒绝访问").first.wait_for()  # Airflow refuses him (403)
        people.shot(clerk, "04-clerk-cannot-approve")
        assert _pending(data, run_id, "approve")
        assert _draw(data)[1] == "drawn"

        # The leader approves, with no remark.
        leader = people.login("leader")
        _required_action(leader, stack, run_id, "approve")
        body = leader.get_by_role("dialog").inner_text()
        assert "ZF" in body and "执法证号" in body  # the summary names the inspectors
        _answer(people, leader, run_id, "approve", "批准", "05-leader-approves")

        def finished():
            state = _meta(data, "SELECT state FROM dag_run WHERE run_id = ?", run_id)
            return state is not None and state[0] in ("success", "failed")

        _until(finished, TIMEOUT_STEP, "the run to finish", data)
        leader.goto(f"{stack['base']}/dags/double_random_draw/runs/{run_id}")
        people.shot(leader, "06-run-finished")
        browser.close()

    assert _meta(data, "SELECT state FROM dag_run WHERE run_id = ?", run_id) == ("success",)
    draw_id, status, decided_by = _draw(data)
    assert status in ("approved", "notified")
    assert decided_by == config.leader("leader").signature
    subjects = []
    for f in sorted((data / "mail").glob("*.eml")):
        msg = email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        subjects.append(str(msg["Subject"]))
    assert any("任务单" in s for s in subjects), subjects
    page = data / "site" / "draws" / f"{draw_id}.html"
    assert page.exists() and draw_id in page.read_text(encoding="utf-8")
