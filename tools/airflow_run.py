"""Run a DAG for real with `dag.test()` and answer its human-in-the-loop steps.

Used by the end-to-end tests and by `make demo` (where the 分管领导's approval is given
automatically, in demo mode only, as the configured 分管领导 "leader"). A response is
recorded exactly as the Airflow UI's Required Actions page records it: in the HITL detail
row, then the parked task is resumed."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

# policy(task_id, map_index, subject, body) -> (chosen option, params_input) or
# (option, params_input, user) to answer as another user, or None (skip)
Policy = Callable[[str, int, str, str], "tuple | None"]


def resume(ti_id) -> None:
    """Resume a HITL task instance whose response is recorded but which still waits: the
    resume event can be lost in a race with the scheduler (seen as a run that never ends)."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as s:
        ti = s.get(TaskInstance, ti_id)
        detail = s.scalars(select(HITLDetail).where(HITLDetail.ti_id == ti_id)).one()
        if ti.state == TaskInstanceState.AWAITING_INPUT and detail.response_received:
            handle_event_submit(
                TriggerEvent(detail.as_resume_event_payload()), task_instance=ti, session=s
            )


def respond(ti_id, option: str, params_input: dict, user: str) -> None:
    """Record a response for the HITL task instance `ti_id` and resume it."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.trigger import handle_event_submit
    from airflow.triggers.base import TriggerEvent
    from airflow.utils.session import create_session
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import select

    with create_session() as s:
        ti = s.get(TaskInstance, ti_id)
        detail = s.scalars(select(HITLDetail).where(HITLDetail.ti_id == ti_id)).one()
        if detail.response_received:
            return
        detail.responded_by = {"id": user, "name": user}
        detail.responded_at = datetime.now(UTC)
        detail.chosen_options = [option]
        detail.params_input = params_input
        s.add(detail)
        if ti.state in (TaskInstanceState.AWAITING_INPUT, TaskInstanceState.DEFERRED):
            handle_event_submit(
                TriggerEvent(detail.as_resume_event_payload()), task_instance=ti, session=s
            )


class Responder(threading.Thread):
    """Answers the HITL steps of one DAG's runs while dag.test() runs them."""

    def __init__(self, dag_id: str, policy: Policy, user: str):
        super().__init__(daemon=True)
        self.dag_id, self.policy, self.user = dag_id, policy, user
        self.stop = threading.Event()
        self.answered: list[tuple[str, int, str]] = []
        self.sent: dict = {}  # ti_id -> monotonic time its answer was last submitted

    def run(self):
        from airflow.models.hitl import HITLDetail
        from airflow.models.taskinstance import TaskInstance
        from airflow.utils.session import create_session
        from airflow.utils.state import TaskInstanceState
        from sqlalchemy import select
        from sqlalchemy.exc import SQLAlchemyError

        while not self.stop.wait(0.5):
            try:
                with create_session() as s:
                    waiting = s.execute(
                        select(
                            TaskInstance.id,
                            TaskInstance.task_id,
                            TaskInstance.map_index,
                            HITLDetail.subject,
                            HITLDetail.body,
                        )
                        .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                        .where(
                            TaskInstance.dag_id == self.dag_id,
                            TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                            HITLDetail.responded_at.is_(None),
                        )
                    ).all()
                    stuck = s.scalars(
                        select(TaskInstance.id)
                        .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                        .where(
                            TaskInstance.dag_id == self.dag_id,
                            TaskInstance.state == TaskInstanceState.AWAITING_INPUT,
                            HITLDetail.responded_at.is_not(None),
                        )
                    ).all()
                for ti_id, task_id, map_index, subject, body in waiting:
                    answer = self.policy(task_id, map_index, subject, body or "")
                    if answer:
                        user = answer[2] if len(answer) > 2 else self.user
                        respond(ti_id, answer[0], answer[1], user)
                        self.answered.append((task_id, map_index, answer[0]))
                        self.sent[ti_id] = time.monotonic()
                for ti_id in stuck:  # answered, yet still waiting after 30 s: resume again
                    if time.monotonic() - self.sent.setdefault(ti_id, time.monotonic()) > 30:
                        print(f"responder: resuming {ti_id} again", file=sys.stderr)
                        resume(ti_id)
                        self.sent[ti_id] = time.monotonic()
            # The metadata DB may be busy (OperationalError), or a row gone by the time it is
            # read (NoResultFound): try again. handle_event_submit handles its own failures.
            except SQLAlchemyError as e:
                print(f"responder: {e}", file=sys.stderr)


def run(dag_id: str, conf: dict, policy: Policy | None = None, user: str = "tester"):
    """Run `dag_id` once with `conf`; HITL steps answered by `policy`. Returns the DagRun."""
    import os

    from airflow.dag_processing.dagbag import DagBag
    from airflow.settings import DAGS_FOLDER

    # A fresh parse for every run: in-process tasks may leave state on the DAG object.
    dag = DagBag(dag_folder=os.path.join(DAGS_FOLDER, f"{dag_id}.py")).get_dag(dag_id)
    responder = Responder(dag_id, policy, user) if policy else None
    if responder:
        responder.start()
    try:
        return dag.test(run_conf=conf)
    finally:
        if responder:
            responder.stop.set()
            responder.join()


def demo_policy(leader: str, abandon: str | None = None) -> Policy:
    """Demo mode: the value of the 演示 source is entered by `clerk` (six random digits,
    as a clerk would type the announced number) and confirmed by `clerk2`; every approval
    is given by the configured leader `leader`."""
    import secrets

    def answer(task_id: str, map_index: int, subject: str, body: str):
        step = task_id.rsplit(".", 1)[-1]
        if step == "enter_value" and abandon:
            return ("本期未开奖，作废", {"value": None, "reason": abandon}, "clerk")
        if step == "enter_value":
            value = f"{secrets.randbelow(10**6):06d}"
            return ("录入", {"value": value, "reason": "演示：自动录入"}, "clerk")
        if step == "confirm_value":
            return ("核对无误", {}, "clerk2")
        return ("批准", {"reason": "演示模式自动批准"}, leader)

    return answer


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("dag_id")
    p.add_argument("--conf", default="{}")
    p.add_argument(
        "--approve-as",
        help="answer every approval with its first option as this user (demo mode only)",
    )
    p.add_argument("--abandon", help="demo mode: answer the value entry by abandoning (作废)")
    args = p.parse_args(argv)
    policy = demo_policy(args.approve_as, args.abandon) if args.approve_as else None
    dr = run(args.dag_id, json.loads(args.conf), policy, args.approve_as or "tester")
    print(f"DagRun {dr.run_id}: {dr.state}")
    return 0 if str(dr.state) in ("success", "DagRunState.SUCCESS") else 1


if __name__ == "__main__":
    sys.exit(main())
