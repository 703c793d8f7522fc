"""How search understands what sellers type: synonyms, aliases, pinyin, typos, compounds, word starts, reasons.

Each case runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set, over a
small catalog of its own plus a few synonym groups, so a case shows one mechanism.
"""

import re

import pytest
from sqlalchemy import select

from extensions import db
from models import Category, Tool
from models.search import SearchSynonym
from services.catalog_version import bump_catalog_version
from services.moderation.taxonomy import record_change
from services.search import engine, sync_tools
from services.search.params import SearchQuery
from services.search.synonyms import SynonymGroup, seed_synonyms
from services.seeding import seed_catalog, staff_changes
from tests.factories import _tool, small_catalog


def _catalog():
    catalog = small_catalog()
    catalog.tools += [
        _tool("ling-xing", "领星ERP", "erp-china", tagline={"zh": "多平台订单库存管理", "en": "Orders"}),
        _tool("perp", "Perpetua", "ppc-management", tagline={"zh": "广告竞价自动化", "en": "Ad bidding on autopilot"}),
        _tool("rithum", "Rithum", "multichannel",
              aliases=[{"name": "ChannelAdvisor", "source": "https://www.rithum.com/"}, "Rit hum"]),
        _tool("simply-vat", "SimplyVAT", "vat-tax", tagline={"zh": "欧洲税号注册与申报", "en": "EU VAT returns"}),
        _tool("vat-desk", "VAT Desk", "vat-tax", tagline={"zh": "增值税申报", "en": "VAT filing"}),
        _tool("cut-out", "Cutout Pro", "image-editing",
              tagline={"zh": "一键去背景", "en": "Background removal in one click"}),
        _tool("bank-tool", "银行流水", "profit-analytics", tagline={"zh": "对账", "en": "Reconciliation"}),
    ]
    return catalog


SYNONYMS = [
    SynonymGroup("category-logistics", ("物流", "shipping"), "logistics"),
    SynonymGroup("group-抠图", ("抠图", "去背景", "background removal")),
    SynonymGroup("category-ppc-management", ("广告", "ppc"), "ppc-management"),
]


@pytest.fixture
def known(app):
    with app.app_context():
        seed_catalog(_catalog())
        seed_synonyms(SYNONYMS, staff_changes())
        db.session.commit()
    return app


def search(app, q: str, lang: str = "zh"):
    with app.test_request_context():
        return engine.search_tools(q, SearchQuery(q=q, sort="relevance"), lang, 100)


def found(app, q: str) -> list[str]:
    return [tool.slug for tool in search(app, q).pagination.items]


def _reasons(app, q: str) -> dict[str, tuple[str, ...]]:
    results = search(app, q)
    return {tool.slug: results.reasons[tool.id] for tool in results.pagination.items}


def test_a_synonym_finds_the_tools_saying_the_other_word_ranked_below_a_direct_match(known):
    assert found(known, "抠图") == ["cut-out"]  # its tagline says 去背景
    assert _reasons(known, "抠图")["cut-out"] == ("synonym",)
    with known.app_context():
        db.session.execute(Tool.__table__.update().where(Tool.slug == "echo-design")
                           .values(tagline_zh="抠图和修图", click_count=0))
        db.session.commit()
        sync_tools([db.session.scalar(select(Tool.id).where(Tool.slug == "echo-design"))])
        db.session.commit()
    assert found(known, "抠图") == ["echo-design", "cut-out"]  # the direct match first


def test_a_term_naming_a_category_puts_that_category_first_with_a_chip(known):
    results = search(known, "物流")
    assert [t.slug for t in results.pagination.items] == ["charlie-ship"]
    with known.app_context():
        logistics = db.session.scalar(select(Category.id).where(Category.slug == "logistics"))
    assert logistics in results.category_ids
    assert results.reasons[results.pagination.items[0].id] == ("category",)


def test_an_alias_finds_its_tool_as_a_name_does(known):
    assert found(known, "ChannelAdvisor") == ["rithum"]
    assert found(known, "channel advisor") == ["rithum"]  # split spelling of the alias
    assert _reasons(known, "channeladvisor")["rithum"] == ("alias",)


def test_pinyin_and_initials_of_chinese_names_find_the_tool_even_half_typed(known):
    assert found(known, "lingxing")[:1] == ["ling-xing"]
    assert found(known, "lingx")[:1] == ["ling-xing"]  # as the as-you-type box sends it
    assert found(known, "lxerp")[:1] == ["ling-xing"]
    assert found(known, "yinhang") == ["bank-tool"]  # 行 in 银行 is háng
    assert found(known, "yinxing") == []
    assert _reasons(known, "lingxing")["ling-xing"] == ("pinyin",)


def test_a_near_spelling_gives_results_after_every_exact_match(known):
    assert found(known, "perpetau") == ["perp"]  # a swap of neighbours is one edit
    assert _reasons(known, "perpetau")["perp"] == ("typo",)
    assert found(known, "alhpa scout") == ["alpha-scout"]
    assert found(known, "alhp") == []  # four letters, one edit: only whole known words, none here
    assert found(known, "alp") == ["alpha-scout"]  # a prefix, not a typo


def test_letters_and_digits_and_joined_words_match_apart_and_together(known):
    assert found(known, "simplyvat") == ["simply-vat"]
    assert found(known, "simply vat") == ["simply-vat"]
    assert found(known, "cutoutpro") == ["cut-out"]


def test_an_unspaced_compound_is_found_by_its_known_words(known):
    assert found(known, "亚马逊助手")[:1] == ["mai-jia"]  # 亚马逊 is its platform, 助手 its name
    assert found(known, "sellerhelper") == ["mai-jia"]


def test_a_word_start_outranks_a_word_inside_another(known):
    assert found(known, "erp")[0] == "ling-xing"  # the ERP in 领星ERP, before any word merely holding "erp"
    assert "perp" not in found(known, "erp")  # Perpetua holds "erp" mid-word: not a match at all
    assert found(known, "vat")[:2] == ["vat-desk", "simply-vat"]  # VAT starts a name; SimplyVAT is still found


def test_every_match_reason_is_reachable(known):
    reasons = set()
    for q in ("Perpetua", "ChannelAdvisor", "lingxing", "perpetau", "抠图", "物流", "一句话介绍", "测试用",
              "浏览器插件", "walmart", "ppc"):
        for why in _reasons(known, q).values():
            reasons.update(why)
    assert reasons >= {"name", "alias", "pinyin", "typo", "synonym", "category", "description", "tag", "platform"}


def test_a_staff_change_to_a_synonym_shows_in_the_next_search(known):
    assert found(known, "shipping") == ["charlie-ship"]  # through category-logistics
    with known.app_context():
        group = db.session.scalar(select(SearchSynonym).where(SearchSynonym.slug == "category-logistics"))
        group.terms = "物流"
        bump_catalog_version()
        db.session.commit()
    assert found(known, "shipping") == []  # no longer a word for logistics, and no tool says it
    assert found(known, "物流") == ["charlie-ship"]  # the category's own name still names it
    with known.app_context():
        db.session.add(SearchSynonym(slug="group-货运", terms="货运\nship"))
        bump_catalog_version()
        db.session.commit()
    assert found(known, "货运") == ["charlie-ship"]


def _slugs_in(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)


def test_the_as_you_type_box_shows_the_first_results_of_the_page(known):
    client = known.test_client()
    for q in ("助手", "erp", "lingx", "perpetau", "物流"):
        page = client.get("/search", query_string={"q": q}).get_data(as_text=True)
        box = client.get("/search", query_string={"q": q},
                         headers={"HX-Request": "true", "HX-Target": "site-search-results"}).get_data(as_text=True)
        on_page = _slugs_in(page, r'<article[^>]*id="tool-([^"]+)"')
        in_box = _slugs_in(box, r'href="/t/([^"/?#]+)"')
        assert in_box and in_box == on_page[:len(in_box)], q


def test_categories_the_query_names_are_chips_with_their_tool_counts(known):
    html = known.test_client().get("/search?q=%E7%89%A9%E6%B5%81").get_data(as_text=True)  # 物流
    chips = re.search(r'<ul class="chips search-categories"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert 'href="/c/logistics"' in chips
    assert "物流与海外仓 · 1" in chips
    assert '<span class="reason reason-category">分类</span>' in html


def test_flask_seed_keeps_a_synonym_group_staff_changed(known):
    with known.app_context():
        group = db.session.scalar(select(SearchSynonym).where(SearchSynonym.slug == "group-抠图"))
        record_change(actor_id=None, action="search_synonym.edit", target_type="search_synonym",
                      target_id=group.id, before={"terms": group.terms}, after={"terms": "抠图"})
        group.terms = "抠图"
        db.session.commit()
        assert seed_synonyms(SYNONYMS, staff_changes()) == 0
        db.session.commit()
        assert db.session.get(SearchSynonym, group.id).terms == "抠图"


def test_results_in_several_categories_count_each_and_narrow_in_place(known):
    client = known.test_client()
    html = client.get("/search", query_string={"q": "助手"}).text
    chips = re.search(r'<ul class="chips result-categories"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r">([^<>]+ · \d+)</a>", chips) == [
        "全部 · 4", "AI 工具 · 2", "选品工具 · 1", "ERP 与店铺管理 · 1"]
    fragment = client.get("/search", query_string={"q": "助手", "category": "ai-tools"},
                          headers={"HX-Request": "true", "HX-Target": "tool-list"}).text
    assert _slugs_in(fragment, r'<article[^>]*id="tool-([^"]+)"') == ["zulu-ai", "escape-test"]
    assert 'aria-current="true">AI 工具 · 2' in fragment  # the counts stay those of every result
    assert client.get("/search", query_string={"q": "助手", "category": "Bad Slug"}).status_code == 400
    assert client.get("/search", query_string={"q": "助手", "category": "no-such"}).status_code == 200


def test_renaming_or_moving_a_category_keeps_its_tools_found_by_the_new_names(known):
    from services.moderation.categories import CategoryFields, edit_category, move_category
    with known.app_context():
        ids = dict(db.session.execute(select(Category.slug, Category.id)).all())
        edit_category(ids["parcel-express"], CategoryFields.cleaned(
            slug="parcel-express", name_zh="国际小包专线", name_en="Cross-border parcels"), actor_id=None)
        db.session.commit()
    assert found(known, "小包专线") == ["charlie-ship"]  # its category's new name
    assert found(known, "cross-border parcels") == ["charlie-ship"]
    assert found(known, "小包与国际快递") == []  # the old name no longer finds it
    with known.app_context():
        move_category(ids["parcel-express"], ids["payments"], actor_id=None)
        db.session.commit()
    assert sorted(found(known, "收款与结汇")) == ["charlie-ship", "delta-pay"]  # under its new parent
    assert "charlie-ship" not in found(known, "物流与海外仓")
