"""A registry sync killed with SIGKILL (kill -9) in the middle of its apply, on a SQLite file
(issue 12): the directory is afterwards wholly the old file or wholly the new one, never
half of each, and the next sync of the new file completes it.

The sync runs the way the registry_sync DAG runs it: the files are prepared once
(prepare_run, as the DAG's prepare task) and each apply (apply_run, as its apply task) runs
in a child Python process that is killed at chosen moments. The states are compared by a
digest of the directory, its history, the quarantine and the audit trail, against the
digests of clean syncs in databases of their own."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select, text

from shuangsui import audit, db
from shuangsui.intake import pipeline

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 26)
T_A, T_B = dt.datetime(2026, 11, 26, 1, 0), dt.datetime(2026, 11, 27, 1, 0)
ROWS = 3000  # an apply of B of about two seconds on SQLite
MARK, STATEMENT, DONE = "APPLYING", "SQL ", "APPLIED"

# The child: the library's own apply of a saved preparation, on its own engine. It prints
# the engine's SQLite settings, a mark just before apply_run, every statement as it starts
# (so the parent knows where the kill landed) and the commit.
CHILD = f"""
import sys, time
from pathlib import Path
from sqlalchemy import event, text
from shuangsui import db
from shuangsui.intake import pipeline
import datetime as dt

engine = db.engine(sys.argv[1])
with engine.connect() as conn:
    settings = [conn.execute(text("PRAGMA " + p)).scalar() for p in ("journal_mode", "synchronous")]
print("SETTINGS", *settings, flush=True)

@event.listens_for(engine, "before_cursor_execute")
def _statement(conn, cursor, statement, *args):
    print({STATEMENT!r} + " ".join(statement.split())[:60], flush=True)

@event.listens_for(engine, "commit")
def _commit(conn):
    print("COMMIT", flush=True)

start = time.monotonic()
print({MARK!r}, flush=True)
pipeline.apply_run(engine, Path(sys.argv[2]), now=dt.datetime.fromisoformat(sys.argv[3]))
print({DONE!r}, time.monotonic() - start, flush=True)
"""


def _large_sample():
    """bench/large_sample.py, loaded from its file (bench/ is not on sys.path)."""
    spec = importlib.util.spec_from_file_location(
        "bench_large_sample", ROOT / "bench" / "large_sample.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_files(folder: Path) -> tuple[Path, Path]:
    """File A, a generated directory; file B, A with 40% of the units changed, 3% gone
    (under the snapshot guard's 5%), 5% new and two rows with a wrong check digit."""
    writer = _large_sample().write_large_enterprises
    a_dir, b_dir = folder / "a", folder / "b"
    a_dir.mkdir()
    b_dir.mkdir()
    a = writer(a_dir / "enterprises.csv", ROWS, seed=11)
    rows = pd.read_csv(a, dtype=str, keep_default_na=False)
    more = pd.read_csv(writer(folder / "more.csv", ROWS // 10, seed=12), dtype=str)
    code, name, address = "统一社会信用代码", "企业名称", "地址"
    more = more[~more[code].isin(rows[code]) & ~more[name].isin(rows[name])].head(ROWS // 20)
    rng = random.Random(3)
    changed = rng.sample(range(len(rows)), int(0.4 * len(rows)))
    b = rows.copy()
    b.loc[changed, address] = b.loc[changed, address] + "（新址）"
    b = b.drop(index=rng.sample(range(len(rows)), int(0.03 * len(rows))))
    bad = b.head(2).copy()
    bad[code] = bad[code].str[:-1] + bad[code].str[-1].map(lambda c: "0" if c != "0" else "1")
    bad[name] = bad[name] + "（错码）"
    pd.concat([b, more, bad]).to_csv(b_dir / "enterprises.csv", index=False)
    return a_dir, b_dir


def digest(url: str) -> tuple[str, int]:
    """A digest of the directory (enterprise, enterprise_history and the quarantine, every
    column), and how many applied syncs the audit trail records; the database is checked
    whole (PRAGMA integrity_check) and its audit chain intact."""
    engine = db.engine(url)
    h = hashlib.sha256()
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert audit.verify(conn).first_broken is None
            for table, order in (
                (db.enterprise, ("uscc",)),
                (db.enterprise_history, ("uscc", "valid_from")),
                (db.quarantine, ("row_number", "column_name", "rule")),
            ):
                rows = conn.execute(select(table).order_by(*(table.c[c] for c in order))).all()
                h.update(f"{table.name} {len(rows)}\n".encode())
                for r in rows:
                    h.update(repr(tuple(r)).encode() + b"\n")
            applied = audit.count(conn, "registry_sync.applied")
    finally:
        engine.dispose()
    return h.hexdigest(), applied


def copy_db(source: Path, target: Path) -> str:
    """A copy of a closed SQLite database (its WAL checkpointed on close)."""
    assert not Path(f"{source}-wal").exists() or Path(f"{source}-wal").stat().st_size == 0
    shutil.copy(source, target)
    return f"sqlite:///{target}"


class Child:
    """An apply of `prepared` in a child process, on the database at `url`."""

    def __init__(self, url: str, prepared: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(prepared), T_B.isoformat()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(
                    f"the child stopped before applying: {self.proc.stderr.read()}"
                )
            self.lines.append(line.strip())
            if line.strip() == MARK:
                self.marked = time.monotonic()
                return

    def settings(self) -> list[str]:
        return next(x.split()[1:] for x in self.lines if x.startswith("SETTINGS"))

    def finish(self) -> list[str]:
        out, _ = self.proc.communicate(timeout=120)
        self.lines += out.splitlines()
        return self.lines

    def kill_at(self, statement: int, delay: float) -> list[str]:
        """SIGKILL `delay` seconds after the child starts its `statement`-th statement."""
        seen = 0
        while seen < statement:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line.strip())
            seen += line.startswith(STATEMENT)
        time.sleep(delay)
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        return self.finish()


@pytest.mark.timeout(180)
def test_a_sync_killed_during_its_apply_leaves_the_directory_wholly_old_or_wholly_new(
    tmp_path,
):
    a_dir, b_dir = write_files(tmp_path)
    base = tmp_path / "a.db"
    base_url = f"sqlite:///{base}"
    db.upgrade(base_url)
    engine = db.engine(base_url)
    prepared = {}
    for name, folder, now in (("a", a_dir, T_A), ("b", b_dir, T_B)):
        prepared[name] = pipeline.prepare_run(
            engine,
            str(folder),
            (),
            run_id=f"sync-{name}",
            today=TODAY,
            workdir=tmp_path / f"work_{name}",
            now=now,
        )
        if name == "a":
            pipeline.apply_run(engine, prepared["a"], now=T_A)
    engine.dispose()
    state_a = digest(base_url)

    # A clean apply of B onto A, in a child as below: the B digest and how long it takes.
    clean_url = copy_db(base, tmp_path / "b.db")
    clean = Child(clean_url, prepared["b"])
    settings = clean.settings()
    lines = clean.finish()
    assert clean.proc.returncode == 0, clean.proc.stderr
    took = float(lines[-1].split()[1])
    state_b = digest(clean_url)
    assert state_b[1] == 2 and state_b != state_a
    # Journal on disk (WAL), so a killed transaction is rolled back when the file is next
    # opened; `synchronous` only matters for a power cut, not for a killed process.
    journal_mode, synchronous = settings
    assert journal_mode == "wal" and synchronous in ("1", "2"), settings

    # Kills at statements spread over the transaction (the apply takes well under a
    # second since its temporary tables are indexed, so a moment is chosen by statement,
    # a random few milliseconds into it), and one as the commit is written.
    total = sum(x.startswith(STATEMENT) for x in lines)
    rng = random.Random(12)
    points = [2, total // 4, total // 2, 3 * total // 4, total]
    outcomes = []
    for i, at in enumerate(points):
        delay = rng.uniform(0, 0.02)
        url = copy_db(base, tmp_path / f"kill{i}.db")
        wal = tmp_path / f"kill{i}.db-wal"
        child = Child(url, prepared["b"])
        lines = child.kill_at(at, delay)
        wal_bytes = wal.stat().st_size if wal.exists() else 0
        statements = [x[len(STATEMENT) :] for x in lines if x.startswith(STATEMENT)]
        committed = "COMMIT" in lines
        state = digest(url)
        outcome = "A" if state == state_a else "B" if state == state_b else f"HALF {state}"
        outcomes.append(
            f"statement {at} of {total} + {delay * 1000:.0f} ms (apply {took:.2f}s): "
            f"{'killed' if child.proc.returncode == -signal.SIGKILL else 'finished first'} "
            f"statements={len(statements)} last={statements[-1] if statements else None!r} "
            f"commit_started={committed} wal={wal_bytes}B -> {outcome}"
        )
        assert outcome in ("A", "B"), "\n".join(outcomes)
        if child.proc.returncode == 0:  # it committed before the kill came
            assert outcome == "B", "\n".join(outcomes)
        # The next normal sync of B completes it (after B, it finds nothing to change; the
        # audit trail records it all the same).
        engine = db.engine(url)
        summary = pipeline.apply_run(engine, prepared["b"], now=T_B)
        engine.dispose()
        changes = sum(n for counts in summary["entities"].values() for n in counts.values())
        assert (changes == 0) == (outcome == "B")
        assert digest(url) == (state_b[0], 2 if outcome == "A" else 3), "\n".join(outcomes)
    print(f"\nSQLite journal_mode={journal_mode} synchronous={synchronous}", *outcomes, sep="\n")
    # The kills landed inside the transaction, not only before or after it.
    assert any(o.endswith("-> A") and "statements=0" not in o for o in outcomes), outcomes
