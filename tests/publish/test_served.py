"""The served site folder (publish.served): every build is switched in whole, so a build that
fails part-way — a full disk — leaves the previous site served byte for byte and nothing
half-written behind; on SQLite and PostgreSQL, from data made by the real modules."""

import datetime as dt
import errno
import os
import resource
import signal
import subprocess
import sys

import pytest

from shuangsui.publish import served, site
from site_world import BUILT, build, make_world, ok, problem, results_in, site_files

LATER = BUILT + dt.timedelta(days=1)


@pytest.fixture
def built(engine, tmp_path, monkeypatch):
    return build(make_world(engine, tmp_path, monkeypatch))


def _more_results(world) -> None:
    """Results for the two units still pending, so the next build has new pages to write."""
    a = world["a"]
    rows = [
        problem(
            world["annual"],
            a[2],
            "SC-02",
            "未按规定开展风险辨识评估",
            rect="已整改",
            on="2026-12-19",
        ),
        ok(world["annual"], a[5]),
    ]
    assert results_in(world["engine"], world["tmp"] / "landing3", rows, dt.datetime(2026, 12, 20))


def _beside(out) -> list[str]:
    """What the builds left beside the served folder (the world's own folders aside)."""
    return sorted(
        p.name for p in out.parent.iterdir() if p.name.startswith((out.name, "." + out.name))
    )


def _build_id(out) -> str:
    return os.readlink(out)


def test_the_served_folder_is_a_link_to_its_one_build(built):
    out = built["out"]
    assert out.is_symlink() and (out / "index.html").is_file()
    assert _beside(out) == sorted([".site.lock", "site", _build_id(out)])
    assert _build_id(out).startswith("site.build-")


def test_a_rebuild_with_nothing_new_writes_nothing(built):
    out = built["out"]
    first, before = _build_id(out), site_files(out)
    site.build_site(built["engine"], out, now=BUILT)
    assert _build_id(out) == first and site_files(out) == before


def test_unchanged_files_keep_their_inode_and_time_in_the_next_build(built):
    out = built["out"]
    css = (out / "assets" / "site.css").stat()
    _more_results(built)
    site.build_site(built["engine"], out, now=LATER)
    again = (out / "assets" / "site.css").stat()
    assert (again.st_ino, again.st_mtime_ns) == (css.st_ino, css.st_mtime_ns)
    assert (out / "results" / f"{built['a'][2]}.html").is_file()
    assert _beside(out) == sorted([".site.lock", "site", _build_id(out)])  # the old one gone


def test_a_full_disk_part_way_leaves_the_previous_site_served_intact(built, monkeypatch):
    out, engine = built["out"], built["engine"]
    before, first = site_files(out), _build_id(out)
    _more_results(built)
    written = []
    real = served.write_file

    def disk_fills_up(path, data):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(path)
        real(path, data)

    monkeypatch.setattr(served, "write_file", disk_fills_up)
    with pytest.raises(served.SiteNotWritten) as failed:
        site.build_site(engine, out, now=LATER)
    assert len(written) == 3  # part-way: three new files were already written
    assert failed.value.errno == errno.ENOSPC
    message = str(failed.value)
    assert "the previous one is still served unchanged" in message
    assert "No space left on device" in message and "Free space" in message
    assert _build_id(out) == first and site_files(out) == before
    assert _beside(out) == sorted([".site.lock", "site", first])  # no half-written tree

    monkeypatch.setattr(served, "write_file", real)
    site.build_site(engine, out, now=LATER)
    assert (out / "results" / f"{built['a'][2]}.html").is_file()
    assert _beside(out) == sorted([".site.lock", "site", _build_id(out)])


def _limited(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_build_killed_by_the_file_size_limit_leaves_the_previous_site(built, db_url):
    """A real failure from the kernel: the build runs in a process allowed files smaller
    than the largest new page, as a disk filling up would stop it."""
    out, engine = built["out"], built["engine"]
    before, first = site_files(out), _build_id(out)
    _more_results(built)
    new = site.render(site.load(engine, LATER))
    changed = [len(b) for rel, b in new.items() if before.get(rel) != b]
    limit = max(changed) - 1
    assert sum(1 for n in changed if n <= limit) >= 2  # others are written before it fails
    script = (
        "import datetime as dt, sys\n"
        "from shuangsui import db\n"
        "from shuangsui.publish import site\n"
        "site.build_site(db.engine(sys.argv[1]), sys.argv[2], "
        "now=dt.datetime.fromisoformat(sys.argv[3]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, db_url, str(out), LATER.isoformat()],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=_limited(limit),
    )
    assert run.returncode == 1, run.stderr
    assert "SiteNotWritten" in run.stderr and "File too large" in run.stderr, run.stderr
    assert "the previous one is still served unchanged" in run.stderr
    assert _build_id(out) == first and site_files(out) == before
    assert _beside(out) == sorted([".site.lock", "site", first])
    site.build_site(engine, out, now=LATER)
    assert site_files(out) != before and (out / "results" / f"{built['a'][5]}.html").is_file()


def test_a_site_folder_from_before_is_moved_aside_once_and_its_own_files_kept(built):
    out, engine = built["out"], built["engine"]
    before = site_files(out)
    legacy = out.parent / "legacy"
    os.rename(os.path.realpath(out), legacy)
    out.unlink()
    os.rename(legacy, out)  # a real folder, as builds before publish.served left it
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    site.build_site(engine, out, now=BUILT)
    assert out.is_symlink() and site_files(out) == {**before, "keep.txt": b"not ours"}
    assert _build_id(out) == "site.build-migrated"  # nothing new: the moved folder serves
    _more_results(built)
    site.build_site(engine, out, now=LATER)
    assert _build_id(out) != "site.build-migrated" and (out / "keep.txt").is_file()
    assert _beside(out) == sorted([".site.lock", "site", _build_id(out)])  # moved one gone


def test_a_move_interrupted_before_its_link_is_finished_by_the_next_build(built):
    out, engine = built["out"], built["engine"]
    before = site_files(out)
    target = os.path.realpath(out)
    out.unlink()
    os.rename(target, out.parent / "site.build-migrated")  # crashed before the link
    site.build_site(engine, out, now=BUILT)
    assert site_files(out) == before  # the published heads were not lost
    assert os.readlink(out) == "site.build-migrated"  # nothing new: the moved one serves


def test_leftovers_of_a_killed_build_are_removed_by_the_next(built):
    out, engine = built["out"], built["engine"]
    half = out.parent / "site.build-0123abcd"
    (half / "data").mkdir(parents=True)
    (half / "data" / "results.csv").write_bytes(b"half")
    (out.parent / ".site.link-89abcdef").symlink_to(half.name)
    (out.parent / "site.bak").mkdir()  # not a build: never touched
    site.build_site(engine, out, now=BUILT)
    assert _beside(out) == sorted([".site.lock", "site", "site.bak", _build_id(out)])
