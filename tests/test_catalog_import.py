"""Catalog import: real-world files (a Chrome bookmarks export, a CSV with a BOM and Chinese, a broken JSON),
the preview's classes, all-or-nothing writing, the staff page's refusals and ``flask catalog import``."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from extensions import db
from models import AuditEntry, Category, Tool
from models.search import ToolSearch
from services import clock
from services.catalog_io import ImportRefused, apply_plan, build_plan, read_import_file
from services.catalog_io.formats import MAX_ROWS
from services.catalog_io.plan import NewCategory
from services.catalog_io.problems import ImportFileError
from services.catalog_version import current_catalog_version
from services.moderation.catalog_tools import platform_refs
from tests.accounts import csrf_from, signed_in_client
from tests.test_moderation import audit_entries

FILES = Path(__file__).parent / "data" / "import"


@pytest.fixture
def app_config(tmp_path):
    return {"UPLOAD_DIR": str(tmp_path / "uploads")}


def fixture_bytes(name: str) -> bytes:
    return (FILES / name).read_bytes()


def plan_for(app, name: str, default: str | None = None, fmt: str = "auto"):
    """The plan of a fixture file, in an app context the caller keeps (ORM objects stay usable)."""
    imported = read_import_file(fixture_bytes(name), fmt, name)
    category = db.session.scalar(select(Category).where(Category.slug == default)) if default else None
    return build_plan(imported, default_category=category)


def tool_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Tool))


def category_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


def by_number(plan) -> dict:
    return {row.number: row for row in plan.rows}


def codes(row) -> list[str]:
    return [problem.code for problem in row.problems]


def category_path(category) -> str:
    if isinstance(category, NewCategory):
        return (category_path(category.parent) + " › " if category.parent else "") + f"{category.name_zh} (new)"
    return category.slug


def upload(client, data: bytes, filename: str, *, fmt: str = "auto", default: str = "", lang: str = ""):
    token = csrf_from(client.get(f"{lang}/staff/catalog/import").text)
    return client.post(f"{lang}/staff/catalog/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(data), filename), "format": fmt, "default_category": default})


def digest_of(html: str) -> str:
    return re.search(r'name="digest" value="([0-9a-f]+)"', html).group(1)


def confirm(client, preview_url: str, digest: str | None = None):
    page = client.get(preview_url)
    return client.post(preview_url, data={"csrf_token": csrf_from(page.text), "digest": digest or digest_of(page.text)})


# ---- a bookmarks file as Chrome exports it -------------------------------------------------------

def test_a_chrome_bookmarks_file_is_sorted_into_new_duplicate_and_invalid_rows(app, catalog):
    with app.app_context():
        plan = plan_for(app, "chrome_bookmarks.html")
        rows = by_number(plan)
        assert plan.format == "bookmarks"
        assert plan.counts == {"new": 6, "duplicate": 2, "invalid": 7}
        # Folders become categories: an existing one by its Chinese or English name, any case, or a new one.
        assert {n: category_path(rows[n].category) for n in (2, 5, 6, 7, 8, 10)} == {
            2: "kw-research",  # 关键词分析
            5: "tracking",  # 物流查询, even three folders down
            6: "logistics › 海外仓 (new)",  # under 物流查询, which is a sub-category: beside it
            7: "跨境工具 (new) › 收款 (new)",
            8: "跨境工具 (new) › 收款 (new)",
            10: "pr-amazon",  # "Amazon Product Research"
        }
        assert [category_path(c) for c in plan.new_categories] == [
            "logistics › 海外仓 (new)", "跨境工具 (new)", "跨境工具 (new) › 收款 (new)"]
        assert [c.slug for c in plan.new_categories] == ["hai-wai-cang", "kua-jing-gong-ju", "shou-kuan"]
        # The bookmarks bar is the browser's, not a folder of the user's: its loose bookmarks have no category.
        assert codes(rows[1]) == ["no_folder"] and codes(rows[15]) == ["no_folder"]
        assert codes(rows[4]) == ["folder_has_subfolders"]  # beside 跨境工具's sub-folders
        assert codes(rows[12]) == ["category_has_children"]  # 选品工具 has sub-categories
        # Only web addresses: the bookmarklet, a data: note and a chrome:// page are invalid rows.
        assert [(n, rows[n].problems[0].details["scheme"]) for n in (9, 13, 14)] == [
            (9, "javascript:"), (13, "data:"), (14, "chrome:")]
        assert rows[3].duplicate_of == "alpha-scout"  # no trailing slash, still the same site
        assert rows[11].duplicate_row == 5  # no www., trailing slash: the same as row 5
        # A page title names the site before its dash; the name makes the slug, in pinyin for Chinese.
        new = rows[2].draft
        assert (new.name, new.url, new.status, new.slug) == (
            "卖家精灵", "https://www.sellersprite.com/cn/", "pending", "mai-jia-jing-ling")
        assert [rows[n].draft.name for n in (5, 8, 10)] == [
            "17TRACK", "连连国际 LianLian Global", "Jungle Scout 中文官网"]
    assert tool_count(app) == 12  # a preview writes nothing


def test_a_default_category_takes_the_bookmarks_without_a_category_of_their_own(app, catalog):
    with app.app_context():
        plan = plan_for(app, "chrome_bookmarks.html", default="productivity")
        rows = by_number(plan)
        assert plan.counts == {"new": 10, "duplicate": 2, "invalid": 3}
        assert {category_path(rows[n].category) for n in (1, 4, 12, 15)} == {"productivity"}
        assert [row.number for row in plan.of_kind("invalid")] == [9, 13, 14]
        # 跨境工具 has no bookmark of its own now, but it is still the parent of 收款.
        assert [c.name_zh for c in plan.new_categories] == ["海外仓", "跨境工具", "收款"]


FOLDERS = """<!DOCTYPE NETSCAPE-Bookmark-file-1>
<DL><p>
    <DT><H3>Translation &amp; localization</H3>
    <DL><p>
        <DT><A HREF="https://www.deepl.com/">DeepL</A>
        <DT><H3>字幕</H3>
        <DL><p><DT><A HREF="https://subtitles.example.com/">Subtitles</A></DL><p>
    </DL><p>
    <DT><H3>productivity</H3>
    <DL><p>
        <DT><H3>Docs</H3>
        <DL><p><DT><A HREF="https://docs.example.com/">Docs</A></DL><p>
    </DL><p>
    <DT><H3>A</H3><DL><p><DT><H3>B</H3><DL><p><DT><H3>C</H3><DL><p><DT><H3>D</H3><DL><p>
        <DT><A HREF="https://deep.example.com/">Deep</A>
    </DL><p></DL><p></DL><p></DL><p>
</DL><p>
"""


@pytest.mark.parametrize("default", [None, "productivity"])
def test_folders_fold_into_the_two_levels_the_site_has(app, catalog, default):
    with app.app_context():
        alpha = db.session.scalar(select(Tool).where(Tool.slug == "alpha-scout"))
        alpha.category_id = category_id(app, "translation")  # a top-level category holding a tool itself
        db.session.commit()
        category = db.session.scalar(select(Category).where(Category.slug == default)) if default else None
        plan = build_plan(read_import_file(FOLDERS.encode(), "auto"), default_category=category)
        paths = {row.draft.name: category_path(row.category) for row in plan.rows}
        assert paths == {
            "DeepL": "translation",
            "Subtitles": "字幕 (new)",  # not under translation, which holds tools of its own
            # Under a top-level category without tools, unless that is the default category, which takes tools.
            "Docs": "productivity › Docs (new)" if default is None else "Docs (new)",
            "Deep": "A (new) › D (new)",  # deeper than two levels: beside its parent folder
        }


def test_importing_chrome_bookmarks_through_the_staff_page(app, admin):
    version = _catalog_version(app)
    response = upload(admin, fixture_bytes("chrome_bookmarks.html"), "bookmarks_2025_3_1.html",
                      default=str(category_id(app, "productivity")))
    assert response.status_code == 303
    preview_url = response.headers["Location"]
    assert re.fullmatch(r"/staff/catalog/import/[A-Za-z0-9_-]{32}", preview_url)
    preview = admin.get(preview_url)
    assert preview.status_code == 200
    assert 'id="count-new">10<' in preview.text and 'id="count-duplicate">2<' in preview.text
    assert 'id="count-invalid">3<' in preview.text and 'id="count-categories">3<' in preview.text
    assert "翻译本页" in preview.text and "javascript:" in preview.text
    assert "跨境工具 › 收款" in preview.text and "谷仓海外仓" in preview.text
    assert "no-store" in preview.headers["Cache-Control"]
    assert tool_count(app) == 12

    done = confirm(admin, "/en" + preview_url)
    assert done.status_code == 303 and done.headers["Location"] == "/en/staff/catalog/import"
    assert "Imported 10 tools and created 3 categories." in admin.get("/en/staff/catalog/import").text
    assert tool_count(app) == 22
    with app.app_context():
        pingpong = db.session.scalar(select(Tool).where(Tool.url == "https://www.pingpongx.com/zh/")
                                     .options(selectinload(Tool.category)))
        assert (pingpong.name, pingpong.status, pingpong.pricing) == ("PingPong 跨境收款", "pending", "paid")
        assert pingpong.tagline_zh == "" and pingpong.url_normalized == "pingpongx.com/zh"
        shou_kuan = db.session.get(Category, pingpong.category_id)
        parent = db.session.get(Category, shou_kuan.parent_id)
        assert (shou_kuan.name_zh, shou_kuan.name_en) == ("收款", "收款")
        assert (parent.name_zh, parent.parent_id) == ("跨境工具", None)
        hai_wai_cang = db.session.scalar(select(Category).where(Category.slug == "hai-wai-cang"))
        assert hai_wai_cang.parent_id == category_id(app, "logistics")
        # The search rows are written in the same transaction.
        assert db.session.scalar(select(func.count()).select_from(ToolSearch)) == 22
    assert _catalog_version(app) > version
    assert len(audit_entries(app, "tool.import")) == 10
    assert len(audit_entries(app, "category.create")) == 3
    [summary] = audit_entries(app, "catalog.import")
    assert json.loads(summary.after) == {"format": "bookmarks", "new": 10, "duplicate": 2, "invalid": 3,
                                         "categories_created": 3}
    assert admin.get(preview_url).status_code == 404  # the stash is gone with the import


def test_firefox_containers_are_not_folders_and_place_addresses_are_invalid(app, catalog):
    with app.app_context():
        plan = plan_for(app, "firefox_bookmarks.html")
        rows = by_number(plan)
        assert codes(rows[1]) == ["url_not_web", "no_folder"]  # place: (a Firefox smart folder), at the top
        assert category_path(rows[2].category) == "translation"  # "Translation &amp; localization"
        assert rows[2].draft.name == "DeepL Translate"
        assert codes(rows[3]) == ["no_folder"]  # Other Bookmarks is Firefox's own container
        assert plan.new_categories == []


# ---- a CSV with a BOM and Chinese text -----------------------------------------------------------

def test_a_csv_with_a_bom_and_chinese_text_is_read_and_imported(app, catalog):
    with app.app_context():
        plan = plan_for(app, "tools_bom_zh.csv")
        rows = by_number(plan)
        assert plan.format == "csv"
        assert plan.counts == {"new": 3, "duplicate": 1, "invalid": 1}
        assert [(w.code, w.details) for w in plan.warnings] == [("ignored_columns", {"columns": ["备注"]})]
        assert rows[4].duplicate_of == "mai-jia"  # www. and no trailing slash: the same site
        assert codes(rows[5]) == ["unknown_platforms"] and rows[5].problems[0].details == {"values": ["amazon/xx"]}
        assert category_path(rows[3].category) == "erp-china"  # written as its Chinese name, 跨境 ERP
        apply_plan(plan, actor_id=None)

        dianxiaomi = _tool(app, "https://www.dianxiaomi.com/")
        assert (dianxiaomi.name, dianxiaomi.name_en, dianxiaomi.slug) == ("店小秘", "Dianxiaomi", "dianxiaomi")
        assert dianxiaomi.description_zh == ("店小秘支持 Shopee、Temu、亚马逊等平台的订单、刊登与仓储管理，\r\n"
                                             "基础功能免费。")
        assert dianxiaomi.pricing == "freemium"
        assert (dianxiaomi.price_from_cny, dianxiaomi.china_direct) == (Decimal("0.00"), True)
        assert [t.slug for t in dianxiaomi.tags] == ["made-in-china", "saas"]
        assert sorted(platform_refs(dianxiaomi)) == ["amazon", "shopee", "temu-full"]
        assert dianxiaomi.status == "published"  # both taglines and descriptions
        mabang = _tool(app, "https://www.mabangerp.com/")
        assert (mabang.price_from_cny, sorted(platform_refs(mabang))) == (Decimal("1299.00"), ["amazon/us", "ebay"])
        # A cell the export neutralised with a quote comes back without it.
        formula = _tool(app, "https://formula.example.cn/")
        assert (formula.tagline_zh, formula.tagline_en, formula.description_zh, formula.description_en) == (
            "=1+1 不是公式", "+86 hotline", "-20% 折扣说明", "@mention")


def test_a_csv_saved_by_excel_on_chinese_windows_is_read_as_gb18030(app, catalog):
    data = "name,url,category\n店小秘,https://www.dianxiaomi.com/,erp-china\n".encode("gb18030")
    with app.app_context():
        plan = build_plan(read_import_file(data, "auto", "tools.csv"))
        assert plan.rows[0].draft.name == "店小秘"
        assert [w.code for w in plan.warnings] == ["read_as_gb18030"]


def test_a_json_list_in_the_seed_files_shape_is_read_too(app, catalog):
    data = json.dumps([
        {"slug": "dianxiaomi", "name": "店小秘", "url": "https://www.dianxiaomi.com/", "category": "erp-china",
         "tags": ["made-in-china"], "platforms": ["amazon/us"], "pricing": "freemium", "chinese_support": True,
         "tagline": {"zh": "免费 ERP", "en": "A free ERP"}, "description": {"zh": "多平台。", "en": "Many platforms."},
         "rating": 5},
        "not an object",
    ], ensure_ascii=False).encode()
    with app.app_context():
        plan = build_plan(read_import_file(data, "auto", "tools.json"))
        rows = by_number(plan)
        draft = rows[1].draft
        assert rows[1].kind == "new" and draft.status == "published"
        assert (draft.texts["tagline_en"], draft.facts["chinese_support"]) == ("A free ERP", True)
        assert codes(rows[2]) == ["not_an_object"]
        assert [(w.code, w.details) for w in plan.warnings] == [("ignored_columns", {"columns": ["rating"]})]


# ---- files that cannot be read -------------------------------------------------------------------

def test_a_malformed_json_file_is_refused_with_a_clear_error_and_nothing_written(app, admin):
    response = upload(admin, fixture_bytes("broken.json"), "broken.json", lang="/en")
    assert response.status_code == 422
    assert "The file is not valid JSON (line 4, column 1" in response.text
    assert tool_count(app) == 12
    assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.upload"))  # not even kept for a preview


@pytest.mark.parametrize(("data", "filename", "fmt", "message"), [
    (b"", "tools.csv", "auto", "The file is empty."),
    (b"   \r\n", "tools.csv", "auto", "The file is empty."),
    (None, "logo.png", "auto", "The file is not text in UTF-8"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "tools.csv", "csv", "The file is not text in UTF-8"),
    (b"title,link\nA,https://a.example\n", "tools.csv", "auto", "The CSV has no column url, name"),
    (b"name,url,url\nA,https://a.example,\n", "tools.csv", "auto", "names a column twice: url"),
    (b'{"tools": 3}', "tools.json", "auto", "must be a list of tools"),
    (b"[" * 100_000, "deep.json", "auto", "JSON"),
    (b"<html><body><p>Not bookmarks</p></body></html>", "page.html", "auto", "No bookmarks were found"),
    (b"name,url\n", "tools.csv", "auto", "The file has no rows to import."),
])
def test_unreadable_files_are_refused_on_the_form(app, admin, data, filename, fmt, message):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8), (255, 0, 0)).save(out, "PNG")
        data = out.getvalue()
    response = upload(admin, data, filename, fmt=fmt, lang="/en")
    assert response.status_code == 422
    assert message in response.text
    assert tool_count(app) == 12


def test_a_file_of_more_rows_than_the_limit_is_refused(app):
    data = ("name,url\n" + "".join(f"T{n},https://t{n}.example.com/\n" for n in range(MAX_ROWS + 1))).encode()
    with app.app_context(), pytest.raises(ImportFileError) as refused:
        read_import_file(data, "csv")
    assert refused.value.problem.code == "too_many_rows"


def test_the_upload_form_needs_a_file(app, admin):
    token = csrf_from(admin.get("/en/staff/catalog/import").text)
    response = admin.post("/en/staff/catalog/import", data={"csrf_token": token, "format": "auto"})
    assert response.status_code == 422
    assert "Choose a file to upload." in response.text


# ---- rows checked against the catalog and the file itself ----------------------------------------

def _csv_plan(app, text: str, default=None):
    return build_plan(read_import_file(text.encode(), "csv"), default_category=default)


def test_each_broken_rule_is_listed_with_the_row(app, catalog):
    text = (
        "slug,name,url,category,pricing,status,lifecycle,successor,trial_days,price_from_usd,china_direct,"
        "pricing_verified_at,tagline_zh,tagline_en,description_zh,description_en\n"
        "alpha-scout,Taken slug,https://new1.example.com/,kw-research,,,,,,,,,,,,\n"
        "Bad Slug!,Bad slug,https://new2.example.com/,kw-research,,,,,,,,,,,,\n"
        ",Bad choices,https://new3.example.com/,kw-research,cheap,live,dead,,-1,1.234,maybe,tomorrow,,,,\n"
        ",Unknown category,https://new4.example.com/,no-such-thing,,,,,,,,,,,,\n"
        ",Parent category,https://new5.example.com/,product-research,,,,,,,,,,,,\n"
        ",Published without texts,https://new6.example.com/,kw-research,,published,,,,,,,,,,\n"
        ",,https://new7.example.com/,kw-research,,,,,,,,,,,,\n"
        ",Credentials,https://brand.com@evil.example/,kw-research,,,,,,,,,,,,\n"
        ",Successor unknown,https://new8.example.com/,kw-research,,,shut_down,nobody,,,,,,,,\n"
        "own,Own successor,https://new9.example.com/,kw-research,,,shut_down,own,,,,,,,,\n"
    )
    with app.app_context():
        rows = by_number(_csv_plan(app, text))
        assert codes(rows[2]) == ["slug_taken"]
        assert codes(rows[3]) == ["slug_format"]
        assert codes(rows[4]) == ["bad_choice", "bad_price", "bad_days", "bad_fact", "bad_choice", "bad_choice",
                                  "bad_time"]
        assert codes(rows[5]) == ["unknown_category"]
        assert codes(rows[6]) == ["category_has_children"]
        assert codes(rows[7]) == ["texts_required"]
        assert codes(rows[8]) == ["missing"]
        assert codes(rows[9]) == ["url_credentials"]
        assert codes(rows[10]) == ["unknown_successor"]
        assert codes(rows[11]) == ["own_successor"]
        assert all(row.kind == "invalid" for row in rows.values())


def test_addresses_that_are_not_plain_web_addresses_are_invalid_rows(app, catalog):
    text = ("name,url,category\n"
            "No scheme,www.helium10.com,kw-research\n"
            "Port out of range,https://ports.example.com:99999/,kw-research\n"
            "Broken host,http://[::1/,kw-research\n"
            "FTP,ftp://files.example.com/,kw-research\n"
            "File,file:///C:/Users/me/tools.html,kw-research\n"
            "Fine,HTTPS://Fine.Example.com/Path,kw-research\n")
    with app.app_context():
        rows = by_number(_csv_plan(app, text))
        assert [codes(rows[n]) for n in (2, 3, 4)] == [["url_invalid"]] * 3
        assert [rows[n].problems[0].details["scheme"] for n in (5, 6)] == ["ftp:", "file:"]
        assert rows[7].kind == "new" and rows[7].draft.url == "https://Fine.Example.com/Path"


def test_rows_are_numbered_as_the_spreadsheet_shows_them(app, catalog):
    text = "\n\nname,url,category\nA,https://a.example.com/,kw-research\n\nB,https://b.example.com/,nowhere\n"
    with app.app_context():
        plan = _csv_plan(app, text)
        assert [(row.number, row.kind) for row in plan.rows] == [(4, "new"), (6, "invalid")]


def test_successors_may_come_with_the_file_and_fall_with_their_row(app, catalog):
    text = ("slug,name,url,category,lifecycle,successor,tags\n"
            "new-home,New Home,https://new-home.example.com/,kw-research,,,\n"
            "old-name,Old Name,https://old-name.example.com/,kw-research,renamed,new-home,\n"
            "broken,Broken,https://broken.example.com/,kw-research,,,no-such-tag\n"
            "older,Older,https://older.example.com/,kw-research,shut_down,broken,\n"
            "oldest,Oldest,https://oldest.example.com/,kw-research,shut_down,older,\n"
            "to-existing,To existing,https://to-existing.example.com/,kw-research,acquired,alpha-scout,\n")
    with app.app_context():
        plan = _csv_plan(app, text)
        rows = by_number(plan)
        assert [row.number for row in plan.new_rows] == [2, 3, 7]
        assert codes(rows[5]) == ["successor_not_imported"] and codes(rows[6]) == ["successor_not_imported"]
        apply_plan(plan, actor_id=None)
        old_name = db.session.scalar(select(Tool).where(Tool.slug == "old-name"))
        assert old_name.successor_id == db.session.scalar(select(Tool.id).where(Tool.slug == "new-home"))
        assert db.session.scalar(select(Tool.successor_id).where(Tool.slug == "to-existing")) == db.session.scalar(
            select(Tool.id).where(Tool.slug == "alpha-scout"))


def test_duplicates_are_found_in_the_catalog_and_within_the_file(app, catalog):
    text = ("name,url,category\n"
            "One,https://one.example.com/path/,kw-research\n"
            "One again,HTTP://WWW.one.example.com/path#top,kw-research\n"
            "Alpha,https://alpha-scout.example.com:443/,kw-research\n"
            "Same slug as name,https://two.example.com/,kw-research\n"
            "Same Slug As Name,https://three.example.com/,kw-research\n")
    with app.app_context():
        plan = _csv_plan(app, text)
        rows = by_number(plan)
        assert (rows[3].kind, rows[3].duplicate_row) == ("duplicate", 2)
        assert (rows[4].kind, rows[4].duplicate_of) == ("duplicate", "alpha-scout")
        # Names that make the same slug get different ones.
        assert [rows[5].draft.slug, rows[6].draft.slug] == ["same-slug-as-name", "same-slug-as-name-2"]


def test_an_import_is_all_or_nothing(app, catalog):
    """A colleague adds one of the file's sites between the preview and the import: nothing is written."""
    with app.app_context():
        plan = plan_for(app, "chrome_bookmarks.html", default="productivity")
        categories = db.session.scalar(select(func.count()).select_from(Category))
        version = current_catalog_version()
    with app.app_context():
        db.session.add(Tool(slug="colleague", name="Keepa", name_sort="keepa", name_sort_en="keepa",
                            url="https://keepa.com/", url_normalized="keepa.com", tagline_zh="x", tagline_en="x",
                            description_zh="x", description_en="x", category_id=category_id(app, "pr-amazon")))
        db.session.commit()
        with pytest.raises(ImportRefused) as refused:
            apply_plan(plan, actor_id=None)
        assert refused.value.code == "taken"
        assert db.session.scalar(select(func.count()).select_from(Tool)) == 13  # 12 + the colleague's
        assert db.session.scalar(select(func.count()).select_from(Category)) == categories
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
        assert current_catalog_version() == version


# ---- the staff page's refusals -------------------------------------------------------------------

def _preview_url(admin, app, name="tools_bom_zh.csv") -> str:
    response = upload(admin, fixture_bytes(name), name)
    assert response.status_code == 303
    return response.headers["Location"]


def test_only_admins_may_import_or_export(app, catalog):
    visitor = app.test_client()
    for path in ("/staff/catalog/import", "/staff/catalog/export", "/en/staff/catalog/export?format=json"):
        response = visitor.get(path)
        assert response.status_code in (302, 303) and "/sign-in" in response.headers["Location"]
    user = signed_in_client(app, "plainuser", phone="+8613800000011", role="user")
    moderator = signed_in_client(app, "moduser", phone="+8613800000012", role="moderator")
    for client in (user, moderator):
        assert client.get("/staff/catalog/import").status_code == 403
        assert client.get("/staff/catalog/export").status_code == 403
        token = csrf_from(client.get("/").text)
        response = client.post("/staff/catalog/import", content_type="multipart/form-data", data={
            "csrf_token": token, "file": (io.BytesIO(fixture_bytes("tools_bom_zh.csv")), "t.csv")})
        assert response.status_code == 403
    assert "Import and export" not in moderator.get("/en/staff").text
    assert tool_count(app) == 12


def test_the_staff_navigation_links_the_page_for_admins(app, admin):
    page = admin.get("/en/staff/catalog/import")
    assert page.status_code == 200
    assert 'href="/en/staff/catalog/import" aria-current="page">Import and export<' in page.text
    assert 'href="/en/staff/catalog/export?format=csv"' in page.text


def test_an_upload_or_a_confirmation_without_the_csrf_token_is_refused(app, admin):
    response = admin.post("/staff/catalog/import", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(fixture_bytes("tools_bom_zh.csv")), "t.csv")})
    assert response.status_code == 400
    preview_url = _preview_url(admin, app)
    digest = digest_of(admin.get(preview_url).text)
    assert admin.post(preview_url, data={"digest": digest}).status_code == 400
    assert tool_count(app) == 12


def test_another_admins_preview_does_not_exist_for_you(app, admin):
    preview_url = _preview_url(admin, app)
    other = signed_in_client(app, "otheradmin", phone="+8613800000014", role="admin")
    assert other.get(preview_url).status_code == 404
    token = csrf_from(other.get("/staff").text)
    assert other.post(preview_url, data={"csrf_token": token, "digest": "0" * 32}).status_code == 404
    assert other.post(preview_url + "/discard", data={"csrf_token": token}).status_code == 404
    assert admin.get(preview_url).status_code == 200  # still there for its owner
    assert admin.get("/staff/catalog/import/..%2F..%2Fsecret").status_code == 404
    assert tool_count(app) == 12


def test_a_preview_expires_after_an_hour(app, admin):
    clock.freeze(clock.now())
    preview_url = _preview_url(admin, app)
    page = admin.get(preview_url)
    clock.advance(timedelta(minutes=61))
    assert admin.get(preview_url).status_code == 410
    response = admin.post(preview_url, data={"csrf_token": csrf_from(page.text), "digest": digest_of(page.text)})
    assert response.status_code == 404  # the expired stash was removed when it was found expired
    assert tool_count(app) == 12


def test_a_confirmation_for_an_outdated_preview_is_refused(app, admin):
    """The catalog changed after the preview: the admin is shown the new preview instead of a surprise."""
    preview_url = _preview_url(admin, app)
    page = admin.get(preview_url)
    with app.app_context():
        db.session.add(Tool(slug="dianxiaomi", name="店小秘", name_sort="dian xiao mi", name_sort_en="dian xiao mi",
                            url="https://www.dianxiaomi.com/", url_normalized="dianxiaomi.com", tagline_zh="x",
                            tagline_en="x", description_zh="x", description_en="x",
                            category_id=category_id(app, "erp-china")))
        db.session.commit()
    response = admin.post(preview_url, data={"csrf_token": csrf_from(page.text), "digest": digest_of(page.text)})
    assert response.status_code == 409
    assert 'id="count-new">2<' in response.text and 'id="count-duplicate">2<' in response.text
    assert tool_count(app) == 13
    assert confirm(admin, preview_url).status_code == 303  # confirmed again, knowing
    assert tool_count(app) == 15


def test_an_upload_larger_than_the_limit_is_refused(app, admin):
    token = csrf_from(admin.get("/staff/catalog/import").text)
    data = b"name,url\n" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    # Encoded in memory: the test client's own temporary file for a big body is never closed.
    body, _length, boundary = stream_encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), "big.csv")}, use_tempfile=False)
    response = admin.post("/staff/catalog/import", data=body.getvalue(),
                          content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert tool_count(app) == 12


def test_a_file_too_big_for_one_request_is_left_to_the_command(app, admin, monkeypatch):
    from blueprints.moderation import catalog_io

    monkeypatch.setattr(catalog_io, "WEB_IMPORT_MAX", 2)
    preview_url = _preview_url(admin, app)  # three new rows
    page = admin.get("/en" + preview_url)
    assert "3 new tools are more than the web import writes at once (2)" in page.text
    assert 'name="digest"' not in page.text
    response = admin.post(preview_url, data={"csrf_token": csrf_from(page.text), "digest": "x"})
    assert response.status_code == 422
    assert tool_count(app) == 12


def test_discarding_an_upload_writes_nothing(app, admin):
    preview_url = _preview_url(admin, app)
    token = csrf_from(admin.get(preview_url).text)
    response = admin.post(preview_url + "/discard", data={"csrf_token": token})
    assert response.status_code == 303
    assert admin.get(preview_url).status_code == 404
    assert not list(Path(app.config["UPLOAD_DIR"]).rglob("*.upload"))
    assert tool_count(app) == 12


def test_a_file_with_nothing_new_offers_no_import(app, admin):
    data = b"name,url,category\nAlpha,https://alpha-scout.example.com/,kw-research\n"
    response = upload(admin, data, "again.csv", lang="/en")
    preview = admin.get(response.headers["Location"])
    assert "Nothing in this file can be imported." in preview.text
    assert 'name="digest"' not in preview.text
    token = csrf_from(preview.text)
    refused = admin.post(response.headers["Location"], data={"csrf_token": token, "digest": "x"})
    assert refused.status_code == 409
    with app.app_context():
        plan = build_plan(read_import_file(data, "csv"))
    assert plan.counts == {"new": 0, "duplicate": 1, "invalid": 0}


def test_the_preview_reads_in_english_too(app, admin):
    response = upload(admin, fixture_bytes("chrome_bookmarks.html"), "bookmarks.html", lang="/en")
    assert response.headers["Location"].startswith("/en/staff/catalog/import/")
    preview = admin.get(response.headers["Location"])
    assert "Only http:// and https:// addresses can be imported (this one is javascript:)." in preview.text
    assert "Outside any folder: choose a default category for it." in preview.text
    assert "Import 6 new tools" in preview.text


# ---- flask catalog import ------------------------------------------------------------------------

def test_the_command_previews_with_dry_run_and_writes_nothing(app, catalog, runner):
    result = runner.invoke(args=["catalog", "import", str(FILES / "chrome_bookmarks.html"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "row 9: invalid: Only http:// and https:// addresses can be imported (this one is javascript:)." in \
        result.output
    assert "row 11: duplicate of row 5" in result.output
    assert "new category: 跨境工具 (new: kua-jing-gong-ju) › 收款 (new: shou-kuan)" in result.output
    assert "6 new, 2 duplicate, 7 invalid, 3 new categories" in result.output
    assert "dry run: nothing was written" in result.output
    assert "row 2: new" not in result.output
    verbose = runner.invoke(args=["catalog", "import", str(FILES / "chrome_bookmarks.html"), "--dry-run", "-v"])
    assert "row 2: new mai-jia-jing-ling (pending) in kw-research" in verbose.output
    assert tool_count(app) == 12


def test_the_command_imports_with_a_default_category_and_a_progress_bar(app, catalog, runner):
    result = runner.invoke(args=["catalog", "import", str(FILES / "chrome_bookmarks.html"),
                                 "--default-category", "productivity"])
    assert result.exit_code == 0, result.output
    assert "importing tools" in result.output
    assert "imported 10 tools, created 3 categories" in result.output
    assert tool_count(app) == 22
    [summary] = audit_entries(app, "catalog.import")
    assert summary.actor_id is None  # the command line


@pytest.mark.parametrize(("args", "message"), [
    (["--default-category", "nowhere"], "no category has the slug 'nowhere'"),
    (["--default-category", "product-research"], "has sub-categories"),
])
def test_the_command_refuses_an_unusable_default_category(app, catalog, runner, args, message):
    result = runner.invoke(args=["catalog", "import", str(FILES / "chrome_bookmarks.html"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert tool_count(app) == 12


def test_the_command_refuses_a_malformed_file_and_writes_nothing(app, catalog, runner):
    result = runner.invoke(args=["catalog", "import", str(FILES / "broken.json")])
    assert result.exit_code == 1
    assert "broken.json: The file is not valid JSON (line 4, column 1" in result.output
    assert "Nothing was imported." in result.output
    assert tool_count(app) == 12


def _tool(app, url: str) -> Tool:
    return db.session.scalar(select(Tool).where(Tool.url == url).options(
        selectinload(Tool.tags), selectinload(Tool.platform_links)))


def _catalog_version(app) -> int:
    with app.app_context():
        return current_catalog_version()
