"""Only files inside the landing folders are read: any other file the worker can read is
refused before it is opened, with nothing of it in the error, the audit trail or a mail;
links and `..` are followed first."""

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import FIXTURES, SAMPLES
from shuangsui import config, db
from shuangsui.intake import landing, pipeline

SECRET = "工资,身份证号,银行卡号\n张三,370303199001011234,6222020000000000\n"


def never(*args, **kwargs):
    raise AssertionError("opened although refused")


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A landing folder (the only root) and, beside it, a folder of private files."""
    landing_dir, private = tmp_path / "landing", tmp_path / "private"
    landing_dir.mkdir()
    private.mkdir()
    (private / "salaries.csv").write_text(SECRET, encoding="utf-8")
    shutil.copy(FIXTURES / "enterprises_bom.csv", landing_dir / "enterprises.csv")
    monkeypatch.setenv("SHUANGSUI_LANDING_DIR", str(landing_dir))
    monkeypatch.setenv("SHUANGSUI_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("SHUANGSUI_LANDING_ROOTS", "")
    return landing_dir, private


def refused(source) -> str:
    with pytest.raises(landing.UnusableFile) as e:
        landing.discover(source)
    message = str(e.value)
    assert "工资" not in message and "370303" not in message
    return message


def test_a_file_outside_the_landing_folders_is_refused_before_it_is_read(folders, monkeypatch):
    landing_dir, private = folders
    monkeypatch.setattr(Path, "open", never)  # not even opened
    monkeypatch.setattr(Path, "read_bytes", never)
    message = refused(private / "salaries.csv")
    assert message.startswith(f"{private / 'salaries.csv'}: not in a landing folder (")
    assert str(landing_dir) in message and "SHUANGSUI_LANDING_ROOTS" in message


def test_the_refusal_does_not_tell_whether_the_file_exists(folders):
    _, private = folders
    there, absent = refused(private / "salaries.csv"), refused(private / "absent.csv")
    assert there.replace("salaries", "absent") == absent


@pytest.mark.parametrize("how", ["link", "dotdot"])
def test_a_way_out_of_the_landing_folder_is_refused(folders, how):
    landing_dir, private = folders
    if how == "link":
        (landing_dir / "inspectors.csv").symlink_to(private / "salaries.csv")
        source = landing_dir / "inspectors.csv"
    else:
        source = f"{landing_dir}/../private/salaries.csv"
    refused(source)


def test_a_folder_holding_a_link_out_is_refused_whole(folders):
    landing_dir, private = folders
    (landing_dir / "inspectors.csv").symlink_to(private / "salaries.csv")
    message = refused(landing_dir)
    assert message.startswith(f"{landing_dir / 'inspectors.csv'}: a link to a file outside")


def test_a_link_within_the_landing_folders_is_read_where_it_leads(folders):
    landing_dir, _ = folders
    (landing_dir / "sub").mkdir()
    (landing_dir / "sub" / "latest.csv").symlink_to(landing_dir / "enterprises.csv")
    assert landing.discover(landing_dir / "sub") == [(landing_dir / "enterprises.csv")]


def test_landing_folders_are_the_configured_ones(folders, tmp_path, monkeypatch):
    landing_dir, private = folders
    assert landing.discover(landing_dir) == [landing_dir / "enterprises.csv"]
    (tmp_path / "results").mkdir()
    shutil.copy(FIXTURES / "enterprises_bom.csv", tmp_path / "results" / "r.csv")
    assert landing.discover(tmp_path / "results") == [tmp_path / "results" / "r.csv"]
    assert len(landing.discover(SAMPLES)) == 3  # the bundled samples
    other = tmp_path / "other"
    monkeypatch.setenv("SHUANGSUI_LANDING_ROOTS", os.pathsep.join([str(other), str(private)]))
    assert landing.discover(private) == [private / "salaries.csv"]
    assert config.landing_roots()[-2:] == (other, private)


def test_roots_given_replace_the_configured_ones(folders):
    landing_dir, private = folders
    assert landing.discover(private, roots=[private]) == [private / "salaries.csv"]
    with pytest.raises(landing.UnusableFile, match="not in a landing folder"):
        landing.discover(landing_dir, roots=[private])


def test_a_sync_of_a_file_outside_leaves_nothing_of_it_in_the_audit_trail(folders, engine):
    _, private = folders
    with pytest.raises(pipeline.UnusableFile, match="not in a landing folder"):
        pipeline.prepare_run(
            engine,
            str(private / "salaries.csv"),
            (),
            run_id="r1",
            today=dt.date(2026, 11, 26),
            workdir=private.parent / "work",
            now=dt.datetime(2026, 11, 26, 1),
        )
    with engine.connect() as conn:
        payloads = conn.execute(select(db.audit_event.c.payload)).scalars().all()
    assert len(payloads) == 1
    assert "salaries.csv: not in a landing folder" in json.loads(payloads[0])["error"]
    assert "工资" not in payloads[0] and "370303" not in payloads[0]


def test_headers_of_a_landing_file_are_still_shown(folders):
    # A file inside a landing folder is the bureau's own: its headers help the clerk.
    landing_dir, private = folders
    shutil.copy(private / "salaries.csv", landing_dir / "salaries.csv")
    (landing_dir / "enterprises.csv").unlink()
    with pytest.raises(landing.UnusableFile, match="no known columns.*headers: 工资, 身份证号"):
        pipeline.land(str(landing_dir))
