"""Nothing private is published (R10): the public site is scanned before it is written, and
the scan finds planted emails, phone numbers and resident id numbers however formatted."""

import datetime as dt
import shutil

import pytest
from sqlalchemy import select

from conftest import SAMPLES
from shuangsui import config, db
from shuangsui.publish import privacy, site
from site_world import BUILT, build, make_world, problem, results_in, site_files


@pytest.fixture
def built(engine, tmp_path, monkeypatch):
    return build(make_world(engine, tmp_path, monkeypatch))


def test_nothing_private_is_published_and_the_scan_catches_planted_data(built):
    engine, out = built["engine"], built["out"]
    assert privacy.scan_private(out, engine=engine) == []
    assert privacy.scan_private(out) == []
    with engine.connect() as conn:
        email, phone = conn.execute(
            select(db.inspector.c.email, db.inspector.c.phone).order_by(db.inspector.c.inspector_id)
        ).first()
    everything = b"".join(site_files(out).values()).decode("utf-8", "replace")
    assert config.bureau()["phone"] in everything  # the bureau's public phone
    assert "fgld@" not in everything  # who approved (an email here)

    copy = built["tmp"] / "planted"
    shutil.copytree(out, copy)
    page = copy / "results" / f"{built['a'][0]}.html"
    page.write_text(
        page.read_text("utf-8") + "\n<p>联系：" + "张三 13912345678</p>\n"
        "<p>身份证 11010519491231002X 邮箱 zhangsan@example.com</p>\n"
        "<p>办公室 0533-7654321 总机 " + config.bureau()["phone"] + "</p>\n",
        encoding="utf-8",
    )
    (copy / "data" / "extra.csv").write_text(
        f"inspector,{phone[:3]}-{phone[3:7]}-{phone[7:]}\nmail,{email.upper()}\n", encoding="utf-8"
    )
    found = privacy.scan_private(copy, engine=engine)
    joined = "\n".join(found)
    assert f"results/{built['a'][0]}.html:" in joined
    assert "mobile phone number 139****5678" in joined
    assert "resident id number" in joined and "110105********002X" in joined
    assert "email address z***@example.com" in joined and "telephone number" in joined
    assert (
        "data/extra.csv:1: inspector phone" in joined
        or "data/extra.csv:1: mobile phone number" in joined
    )
    assert "data/extra.csv:2: email address" in joined
    assert "0533****0000" not in joined  # the bureau's phone is allowed
    ids = [f for f in found if "resident id" in f]
    assert len(ids) == 1, ids  # USCCs are not id numbers


def test_a_result_carrying_private_data_stops_the_build_before_anything_is_written(built):
    engine, third = built["engine"], built["a"][2]
    typed = [
        problem(
            built["annual"],
            third,
            "SC-02",
            "未按规定开展风险辨识评估（整改联系人 13912345678）",
            rect="已整改",
            on="2026-12-17",
        )
    ]
    assert results_in(engine, built["tmp"] / "landing3", typed, dt.datetime(2026, 12, 18))
    fresh = built["tmp"] / "fresh"
    with pytest.raises(privacy.PrivateData, match=rf"results/{third}.html:\d+: mobile phone"):
        site.build_site(engine, fresh, now=BUILT)
    assert not fresh.exists()
    before = site_files(built["out"])
    with pytest.raises(privacy.PrivateData, match="data/results.csv"):
        site.build_site(engine, built["out"], now=BUILT)
    assert site_files(built["out"]) == before  # the published site stays


def test_resident_id_check_digit_tells_ids_from_uscc_and_other_numbers():
    assert privacy.is_resident_id("11010519491231002X")
    assert not privacy.is_resident_id("110105194912310021")  # wrong check digit
    assert not privacy.is_resident_id("110105194902300028")  # 30 February
    assert privacy.id_check_digit("11010519491231002") == "X"
    uscc = [
        line.split(",")[0]
        for line in (SAMPLES / "enterprises.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    assert not [u for u in uscc if privacy.is_resident_id(u)]


def test_rebuilding_gives_identical_bytes_and_removes_what_is_no_longer_published(built):
    engine, out = built["engine"], built["out"]
    before = site_files(out)
    site.build_site(engine, out, now=BUILT)
    assert site_files(out) == before
    other = built["tmp"] / "again"
    site.build_site(engine, other, now=BUILT)
    assert site_files(other) == before
    (out / "keep.txt").write_text("not ours", encoding="utf-8")
    site.build_site(engine, out, now=dt.datetime(2026, 12, 13))  # before any publication
    after = site_files(out)
    assert not [f for f in after if f.startswith("results/") and f != "results/index.html"]
    assert "keep.txt" in after
    site.build_site(engine, out, now=BUILT)
    assert {f: b for f, b in site_files(out).items() if f != "keep.txt"} == before
