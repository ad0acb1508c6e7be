"""Nothing private is published (R10): the public site is scanned before it is written, and
the scan finds planted emails, phone numbers and resident id numbers however formatted."""

import datetime as dt
import shutil

import pytest
from sqlalchemy import select

from conftest import SAMPLES
from privacy_corpus import (
    DATABASE_ONLY,
    EMAIL_TRICKS,
    EVASIONS,
    LEGITIMATE,
    PHONE_TRICKS,
    SPELLED_OUT,
)
from shuangsui import config, db
from shuangsui.publish import privacy_scan, site
from site_world import BUILT, build, make_world, problem, results_in, site_files


@pytest.fixture
def built(engine, tmp_path, monkeypatch):
    return build(make_world(engine, tmp_path, monkeypatch))


def test_nothing_private_is_published_and_the_scan_catches_planted_data(built):
    engine, out = built["engine"], built["out"]
    assert privacy_scan.scan_private(out, engine=engine) == []
    assert privacy_scan.scan_private(out) == []
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
    found = privacy_scan.scan_private(copy, engine=engine)
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
    with pytest.raises(privacy_scan.PrivateData, match=rf"results/{third}.html:\d+: mobile phone"):
        site.build_site(engine, fresh, now=BUILT)
    assert not fresh.exists()
    before = site_files(built["out"])
    with pytest.raises(privacy_scan.PrivateData, match="data/results.csv"):
        site.build_site(engine, built["out"], now=BUILT)
    assert site_files(built["out"]) == before  # the published site stays


def test_resident_id_check_digit_tells_ids_from_uscc_and_other_numbers():
    assert privacy_scan.is_resident_id("11010519491231002X")
    assert not privacy_scan.is_resident_id("110105194912310021")  # wrong check digit
    assert not privacy_scan.is_resident_id("110105194902300028")  # 30 February
    assert privacy_scan.id_check_digit("11010519491231002") == "X"
    uscc = [
        line.split(",")[0]
        for line in (SAMPLES / "enterprises.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    assert not [u for u in uscc if privacy_scan.is_resident_id(u)]


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


def _findings_per_entry(corpus):
    """Each corpus text alone on line 3 of a page and at the end of a CSV row: (name, text,
    findings)."""
    for name, text in corpus:
        page = f"<html>\n<body>\n<p>{text}</p>\n</body>\n</html>\n"
        found = privacy_scan.scan_files(
            {"results/x.html": page.encode(), "data/x.csv": f"a,b\n1,{text}\n".encode()}
        )
        yield name, text, found


def test_private_data_is_caught_however_written_and_public_text_is_never_flagged():
    missed, alarms = [], []
    for name, text, found in _findings_per_entry(EVASIONS):
        lines = {f.split(": ")[0] for f in found}
        if not {"results/x.html:3", "data/x.csv:2"} <= lines:
            missed.append((name, text, found))
    for name, text, found in _findings_per_entry(LEGITIMATE):
        if found:
            alarms.append((name, text, found))
    caught, n, m = len(EVASIONS) - len(missed), len(EVASIONS), len(LEGITIMATE)
    print(f"privacy corpus: caught {caught}/{n}, false alarms {len(alarms)}/{m}")
    assert n >= 40 and m >= 40
    assert not missed, missed
    assert not alarms, alarms


def test_a_finding_names_its_line_after_line_breaks_and_character_references():
    text = "a\r\nb\u2028c&#10;d\n<p>138.0013.8000 &amp; 0533-3580000</p>\n"
    assert privacy_scan.scan_files({"x.html": text.encode()}) == [
        "x.html:4: mobile phone number 138****8000"
    ]
    assert privacy_scan.normalize(text).splitlines() == [
        "a",
        "b",
        "c d",
        "<p>138.0013.8000 & 0533-3580000</p>",
    ]


def test_an_inspectors_own_phone_and_email_are_caught_however_hidden(built):
    engine, out = built["engine"], built["out"]
    with engine.begin() as conn:
        (_, phone, email), (other, *_) = conn.execute(
            select(db.inspector.c.inspector_id, db.inspector.c.phone, db.inspector.c.email)
            .order_by(db.inspector.c.inspector_id)
            .limit(2)
        ).all()
        # An address under no usual top-level domain: only the database knows it is one.
        odd = "wang.fang@zbgx.example"
        conn.execute(
            db.inspector.update().where(db.inspector.c.inspector_id == other).values(email=odd)
        )
    copy = built["tmp"] / "hidden"
    shutil.copytree(out, copy)
    page = copy / "results" / f"{built['a'][0]}.html"
    text = page.read_text("utf-8")
    first = len(text.splitlines()) + 1
    planted = [("phone", name, trick(phone)) for name, trick in PHONE_TRICKS]
    planted += [("email", name, trick(email)) for name, trick in EMAIL_TRICKS]
    planted += [("odd email", name, trick(odd)) for name, trick in EMAIL_TRICKS]
    page.write_text(
        text + "".join(f"<p>联系方式：{hidden}</p>\n" for _, _, hidden in planted),
        encoding="utf-8",
    )
    rel = f"results/{built['a'][0]}.html"
    found = privacy_scan.scan_private(copy, engine=engine)
    at = {
        n: [f.split(": ", 1)[1] for f in found if f.startswith(f"{rel}:{n}:")]
        for n in range(first, first + len(planted))
    }
    mobile = f"inspector phone {phone[:3]}****{phone[-4:]}"
    local, _, domain = email.partition("@")
    for n, (kind, name, hidden) in enumerate(planted, first):
        if kind == "phone":
            assert mobile in at[n], (name, hidden, at[n])
        else:
            who = f"{local[0]}***@{domain}" if kind == "email" else "w***@zbgx.example"
            assert f"inspector email {who}" in at[n] or f"email address {who}" in at[n], (
                name,
                hidden,
                at[n],
            )
    # Without the database, what has no phone's or address's shape passes: the database
    # check is what catches it.
    unaided = privacy_scan.scan_private(copy)
    for n, (kind, name, _) in enumerate(planted, first):
        if name in DATABASE_ONLY or (kind == "odd email" and name in SPELLED_OUT):
            assert not [f for f in unaided if f.startswith(f"{rel}:{n}:")], name
