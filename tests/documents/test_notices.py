"""Notices, task sheets and the draw summary: content, privacy, determinism, versions."""

import datetime as dt
import hashlib
import io
import re
import zipfile
import zlib
from pathlib import Path

import docx as python_docx
import pytest
from sqlalchemy import func, select

from shuangsui import audit, db
from shuangsui.documents import context, docx, notices
from shuangsui.draw import lifecycle, recusal
from shuangsui.draw.spec import Spec

NOW = dt.datetime(2026, 11, 26, 2)  # naive UTC: 10:00 in Beijing
LATER = NOW + dt.timedelta(days=1)
YG = "冶金工贸监管科"  # its industries leave some checklist items out
INSPECTION_ZH = "二〇二六年十二月十日"


@pytest.fixture
def loaded(registry_engine):
    return registry_engine


def approved_draw(engine, origin="o", units=12, department=YG, now=NOW):
    spec = Spec(
        department=department,
        year=2026,
        units=units,
        inspection_date="2026-12-10",
        public_value="2026325 福彩3D 4 7 1",
    )
    d = lifecycle.commit(engine, spec, origin=origin, now=now)
    lifecycle.perform(engine, d, now=now)
    lifecycle.decide(engine, d, approved=True, by="分管领导王强", now=now)
    return d


@pytest.fixture
def drawn(loaded):
    d = approved_draw(loaded)
    docs = notices.render_draw(loaded, d, now=NOW)
    return loaded, d, docs


def docx_text(path) -> str:
    """All text of a DOCX as python-docx reads it: paragraphs, then table cells."""
    doc = python_docx.Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            lines += [c.text for c in row.cells]
    return "\n".join(lines)


def doc_tables(path):
    return [
        [[c.text for c in r.cells] for r in t.rows] for t in python_docx.Document(str(path)).tables
    ]


def by_key(docs):
    return {(d["kind"], d["subject_key"], d["format"]): d for d in docs}


def facts(engine, d):
    with engine.connect() as conn:
        rec = lifecycle.record(conn, d).to_json()
        ents = {r.uscc: r for r in conn.execute(select(db.enterprise))}
        people = {r.inspector_id: r for r in conn.execute(select(db.inspector))}
        items = conn.execute(
            select(db.checklist_item).where(db.checklist_item.c.version == 1)
        ).all()
    return rec, ents, people, items


def document_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(db.document)).scalar_one()


def test_every_drawn_unit_gets_a_notice_with_its_team_date_and_applicable_checklist(drawn):
    engine, d, docs = drawn
    rec, ents, people, items = facts(engine, d)
    docs = by_key(docs)
    teams = {t["uscc"]: t for t in rec["current_teams"]}
    left_out = 0
    for target in rec["targets"]:
        uscc = target["uscc"]
        ent = ents[uscc]
        text = docx_text(docs[("notice", uscc, "docx")]["path"])
        page = Path(docs[("notice", uscc, "html")]["path"]).read_text("utf-8")
        for content in (text, page):
            assert ent.name in content and uscc in content
            assert INSPECTION_ZH in content
            assert docs[("notice", uscc, "docx")]["doc_number"] in content
            for iid in teams[uscc]["members"]:
                assert people[iid].name in content and people[iid].cert_no in content
            for it in items:
                if context.applies(it.industries, ent.industry):
                    assert it.name in content and it.code in content
                else:
                    assert it.name not in content and it.code not in content
                    left_out += 1
        lead = people[teams[uscc]["lead"]]
        [team_table] = [
            t
            for t in doc_tables(docs[("notice", uscc, "docx")]["path"])
            if t[0] == ["职务", "姓名", "执法证号"]
        ]
        assert team_table[1] == ["组长", lead.name, lead.cert_no]
    assert left_out  # the 科室's industries do leave items out (SC-03 at least)


def test_an_enterprise_notice_shows_no_inspector_phone_or_email(drawn):
    engine, d, docs = drawn
    _, _, people, _ = facts(engine, d)
    private = [v for p in people.values() for v in (p.phone, p.email) if v]
    for doc in docs:
        if doc["kind"] != "notice":
            continue
        raw = Path(doc["path"]).read_bytes()
        if doc["format"] == "docx":
            with zipfile.ZipFile(io.BytesIO(raw)) as z:
                raw = b"".join(z.read(n) for n in z.namelist())
        content = raw.decode("utf-8")
        assert not [v for v in private if v in content]
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", content)  # no address at all


def test_each_inspector_gets_a_task_sheet_listing_exactly_his_units(drawn):
    engine, d, docs = drawn
    rec, ents, people, _ = facts(engine, d)
    theirs: dict[str, list[str]] = {}
    for t in rec["current_teams"]:
        for iid in t["members"]:
            theirs.setdefault(iid, []).append(t["uscc"])
    sheets = {
        doc["subject_key"]: doc
        for doc in docs
        if doc["kind"] == "task_sheet" and doc["format"] == "docx"
    }
    assert set(sheets) == set(theirs)
    for iid, usccs in theirs.items():
        [units] = [
            t for t in doc_tables(sheets[iid]["path"]) if t[0][1] == "单位名称（统一社会信用代码）"
        ]
        listed = [re.fullmatch(r".+（([0-9A-Z]{18})）", r[1])[1] for r in units[1:]]
        assert listed == usccs  # in draw order, nothing else
        text = docx_text(sheets[iid]["path"])
        assert people[iid].name in text and INSPECTION_ZH in text and "回避" in text
        for u in usccs:
            assert ents[u].name in text


def test_regenerating_gives_identical_bytes_and_no_new_rows(drawn):
    engine, d, first = drawn
    before = {doc["path"]: Path(doc["path"]).read_bytes() for doc in first}
    rows = document_rows(engine)
    again = notices.render_draw(engine, d, now=LATER)
    assert [(x["id"], x["sha256"], x["version"]) for x in again] == [
        (x["id"], x["sha256"], x["version"]) for x in first
    ]
    assert not any(x["new"] for x in again) and all(x["new"] for x in first)
    assert {x["path"]: Path(x["path"]).read_bytes() for x in again} == before
    assert document_rows(engine) == rows
    with engine.connect() as conn:
        assert audit.count(conn, "documents.rendered") == 1
    for x in first:
        assert hashlib.sha256(before[x["path"]]).hexdigest() == x["sha256"]


def test_a_file_lost_from_disk_is_restored_not_versioned(drawn):
    engine, d, docs = drawn
    lost = next(x for x in docs if x["kind"] == "notice" and x["format"] == "docx")
    data = Path(lost["path"]).read_bytes()
    Path(lost["path"]).unlink()
    again = by_key(notices.render_draw(engine, d, now=LATER))
    assert again[("notice", lost["subject_key"], "docx")]["version"] == 1
    assert Path(lost["path"]).read_bytes() == data


def test_the_same_parts_compressed_differently_are_not_a_new_version(drawn, monkeypatch):
    """Another zlib build (another worker) may deflate differently: same content, same
    document, the file already issued stays."""
    engine, d, first = drawn
    with zipfile.ZipFile(first[0]["path"]) as z:
        part = {"word/document.xml": z.read("word/document.xml")}

    def of(cls, raw):
        c = zlib.compressobj(1, zlib.DEFLATED, -15)
        return cls(zlib.crc32(raw), len(raw), c.compress(raw) + c.flush())

    before = docx.pack_zip(part, NOW)
    monkeypatch.setattr(docx.Deflated, "of", classmethod(of))
    assert docx.pack_zip(part, NOW) != before  # the bytes do differ
    again = notices.render_draw(engine, d, now=LATER)
    assert not any(x["new"] for x in again)
    assert [x["sha256"] for x in again] == [x["sha256"] for x in first]


def test_a_recusal_makes_version_2_of_exactly_the_affected_documents(drawn):
    engine, d, first = drawn
    rec, ents, people, _ = facts(engine, d)
    v1 = {x["path"]: Path(x["path"]).read_bytes() for x in first}
    team = rec["current_teams"][0]
    leaving = team["members"][0]
    rid = recusal.request_recusal(
        engine,
        draw_id=d,
        uscc=team["uscc"],
        inspector_id=leaving,
        reason="其配偶在该单位任职",
        origin="r1",
        now=LATER,
        actor="clerk",
    )
    replacement = recusal.decide_recusal(engine, rid, approved=True, by="分管领导王强", now=LATER)[
        "replacement"
    ]
    second = notices.render_draw(engine, d, now=LATER)
    new = by_key([x for x in second if x["new"]])
    affected = {("notice", team["uscc"]), ("summary", "draw")} | {
        ("task_sheet", iid) for iid in team["members"] + [replacement]
    }
    assert {(k, s) for k, s, _ in new} == affected
    had = by_key(first)
    for (kind, subject, fmt), x in new.items():
        expected = 2 if (kind, subject, fmt) in had else 1
        assert x["version"] == expected
        if expected == 2:
            assert Path(x["path"]).name.endswith(f"_v2.{fmt}")
    for path, data in v1.items():
        assert Path(path).read_bytes() == data  # version 1 untouched
    notice = new[("notice", team["uscc"], "docx")]
    text = docx_text(notice["path"])
    assert people[replacement].name in text and people[leaving].cert_no not in text
    assert notice["doc_number"] == had[("notice", team["uscc"], "docx")]["doc_number"]
    assert "二〇二六年十一月二十七日" in text  # dated the day the recusal was decided
    with engine.connect() as conn:
        latest = notices.documents_for(conn, d, kind="notice", subject_key=team["uscc"])
        assert {x["format"]: x["version"] for x in latest} == {"docx": 2, "html": 2}
        mine = notices.documents_for(conn, d, kind="task_sheet", subject_key=leaving)
        assert mine and all(x["version"] == 2 for x in mine)
        assert audit.count(conn, "documents.rendered") == 2
    sheet = next(x for x in mine if x["format"] == "docx")
    assert team["uscc"] not in docx_text(sheet["path"])
    # and once more: nothing new
    assert not any(x["new"] for x in notices.render_draw(engine, d, now=LATER))


def test_changed_wording_or_contact_makes_new_versions_never_overwrites(drawn, monkeypatch):
    engine, d, first = drawn
    v1 = {x["path"]: Path(x["path"]).read_bytes() for x in first}
    monkeypatch.setenv("SHUANGSUI_BUREAU_PHONE", "0533-3589999")
    second = notices.render_draw(engine, d, now=LATER)
    notice_docs = [x for x in second if x["kind"] == "notice"]
    assert notice_docs and all(x["new"] and x["version"] == 2 for x in notice_docs)
    assert all(x["path"] not in v1 for x in notice_docs)
    assert {p: Path(p).read_bytes() for p in v1} == v1
    assert "0533-3589999" in docx_text(notice_docs[0]["path"])


def test_bureau_name_and_number_prefix_come_from_the_environment(loaded, monkeypatch):
    monkeypatch.setenv("SHUANGSUI_BUREAU_NAME", "某某市应急管理局")
    monkeypatch.setenv("SHUANGSUI_DOC_PREFIX", "某应急")
    d = approved_draw(loaded)
    docs = notices.render_draw(loaded, d, now=NOW)
    notice = next(x for x in docs if x["kind"] == "notice" and x["format"] == "docx")
    text = docx_text(notice["path"])
    assert text.startswith("某某市应急管理局\n")
    assert notice["doc_number"].startswith("某应急抽〔2026〕") and notice["doc_number"] in text
    props = python_docx.Document(notice["path"]).core_properties
    assert props.author == "某某市应急管理局"
    assert props.created == props.modified == dt.datetime(2026, 11, 26, 2, tzinfo=dt.UTC)


def test_notice_numbers_run_on_across_the_years_draws(loaded):
    first = approved_draw(loaded, origin="a", units=5)
    second = approved_draw(loaded, origin="b", units=4, now=NOW + dt.timedelta(hours=1))
    numbers = [
        x["doc_number"]
        for d in (second, first)  # rendering order does not matter
        for x in notices.render_draw(loaded, d, now=NOW)
        if x["kind"] == "notice" and x["format"] == "docx"
    ]
    with loaded.connect() as conn:
        pos = {
            d: {t.uscc: t.position for t in lifecycle.record(conn, d).targets}
            for d in (first, second)
        }
        got = {
            (x["draw_id"], x["subject_key"]): x["doc_number"]
            for d in (first, second)
            for x in notices.documents_for(conn, d, kind="notice")
        }
    assert sorted(numbers, key=lambda n: int(n.split("〕")[1][:-1])) == [
        f"淄高新安监抽〔2026〕{n}号" for n in range(1, 10)
    ]
    for (d, uscc), number in got.items():
        assert number == f"淄高新安监抽〔2026〕{pos[d][uscc] + (5 if d == second else 0)}号"


def test_nothing_is_issued_before_the_leader_approves(loaded):
    spec = Spec(department=YG, year=2026, units=3, inspection_date="2026-12-10")
    d = lifecycle.commit(loaded, spec, origin="x", now=NOW)
    lifecycle.perform(loaded, d, now=NOW)
    with pytest.raises(context.NotApproved, match="分管领导"):
        notices.render_draw(loaded, d, now=NOW)
    assert document_rows(loaded) == 0


def test_docx_follows_gbt_9704_page_and_fonts(drawn):
    _, _, docs = drawn
    path = next(x["path"] for x in docs if x["kind"] == "notice" and x["format"] == "docx")
    doc = python_docx.Document(path)
    s = doc.sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    assert [
        round(v.mm) for v in (s.top_margin, s.left_margin, s.bottom_margin, s.right_margin)
    ] == [37, 28, 35, 26]
    body = doc.styles["GW Body"]
    assert body.font.size.pt == 16
    assert (
        body.element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        == "仿宋"
    )
    assert doc.styles["GW Title"].font.size.pt == 22
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[:4] == ["GW Header", "GW Number", "GW Title", "GW To"]
    sign, date = [p for p in doc.paragraphs if p.style.name in ("GW Signature", "GW Date")]
    assert date.text == "二〇二六年十一月二十六日"
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in z.infolist()} == {(2026, 11, 26, 10, 0, 0)}


def test_odd_characters_in_the_registry_cannot_break_a_document(loaded):
    d = approved_draw(loaded, units=3)
    with loaded.begin() as conn:
        uscc = lifecycle.record(conn, d).targets[0].uscc
        conn.execute(
            db.enterprise.update()
            .where(db.enterprise.c.uscc == uscc)
            .values(name='@甲&乙<丙>|"丁"\n有限公司\x07')
        )
    docs = by_key(notices.render_draw(loaded, d, now=NOW))
    text = docx_text(docs[("notice", uscc, "docx")]["path"])
    assert '＠甲&乙<丙>｜"丁" 有限公司' in text
    page = Path(docs[("notice", uscc, "html")]["path"]).read_text("utf-8")
    assert "＠甲&amp;乙&lt;丙&gt;｜&#34;丁&#34; 有限公司" in page
