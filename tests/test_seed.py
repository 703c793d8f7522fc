"""`flask seed` is idempotent, updates edited tools, refuses a bad file, and makes synthetic tools."""

import shutil
from pathlib import Path

import yaml
from sqlalchemy import func, select

from extensions import db
from models import Category, Tag, Tool, ToolPlatform, tool_tag
from services.catalog_file import DEFAULT_DIR
from services.catalog_version import current_catalog_version
from tests.accounts import make_user


def _counts() -> dict[str, int]:
    tables = {"Tool": Tool, "Category": Category, "Tag": Tag, "ToolPlatform": ToolPlatform, "tool_tag": tool_tag}
    return {name: db.session.scalar(select(func.count()).select_from(table)) for name, table in tables.items()}


def test_seeding_twice_leaves_the_same_row_counts(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = _counts()
    result = runner.invoke(args=["seed"])
    assert "0 created, 0 updated" in result.output
    with app.app_context():
        assert _counts() == first
        assert first["Tool"] >= 300
        assert first["Category"] >= 20
        tools = db.session.scalars(select(Tool)).all()
        assert all(t.tagline_zh and t.tagline_en and t.description_zh and t.description_en for t in tools)
        assert all(t.pricing_verified_at is None for t in tools)  # nobody has verified seeded prices


def _copy_catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(DEFAULT_DIR, target)
    return target


def test_editing_the_file_and_seeding_again_updates_the_tool(app, runner, tmp_path):
    directory = _copy_catalog(tmp_path)
    runner.invoke(args=["seed", "--data", str(directory)])
    tool_file = directory / "tools" / "product-research.yaml"
    tools = yaml.safe_load(tool_file.read_text(encoding="utf-8"))
    tools[0]["tagline"]["en"] = "An edited tagline"
    tools[0]["platforms"] = ["ebay/uk"]
    tool_file.write_text(yaml.safe_dump(tools, allow_unicode=True), encoding="utf-8")
    with app.app_context():
        version_before = current_catalog_version()
    result = runner.invoke(args=["seed", "--data", str(directory)])
    assert "1 updated" in result.output, result.output
    with app.app_context():
        db.session.expire_all()
        tool = db.session.scalars(select(Tool).where(Tool.slug == tools[0]["slug"])).one()
        assert tool.tagline_en == "An edited tagline"
        links = db.session.execute(
            select(ToolPlatform.platform_id, ToolPlatform.market_id).where(ToolPlatform.tool_id == tool.id)
        ).all()
        assert len(links) == 1
        assert current_catalog_version() > version_before


def test_a_bad_catalog_file_is_refused_and_nothing_is_written(app, runner, tmp_path):
    directory = _copy_catalog(tmp_path)
    tool_file = directory / "tools" / "ads.yaml"
    tools = yaml.safe_load(tool_file.read_text(encoding="utf-8"))
    tools[0]["url"] = "javascript:alert(1)"
    tool_file.write_text(yaml.safe_dump(tools, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["seed", "--data", str(directory)])
    assert result.exit_code != 0
    assert "url must be an absolute http(s) URL" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tool)) == 0


def test_synthetic_tools_are_added_deterministically_marked_and_dropped(app, runner):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["seed", "--synthetic", "250", "--synthetic-seed", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        synthetic = db.session.scalars(select(Tool).where(Tool.is_synthetic.is_(True)).order_by(Tool.id)).all()
        assert len(synthetic) == 250
        names = [t.name for t in synthetic]
        assert any(not n.isascii() for n in names) and any(n.isascii() for n in names)
        assert all(t.url.startswith("https://") and t.url_normalized.endswith(".invalid") for t in synthetic)
    result = runner.invoke(args=["seed", "--drop-synthetic"])
    assert "removed 250" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tool).where(Tool.is_synthetic.is_(True))) == 0


def test_a_tool_links_a_platform_once_per_market_including_all_markets(app, catalog):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from models import Platform

    with app.app_context():
        tool = db.session.scalars(select(Tool).where(Tool.slug == "mai-jia")).one()  # "amazon", all markets
        amazon = db.session.scalars(select(Platform).where(Platform.slug == "amazon")).one()
        db.session.add(ToolPlatform(tool_id=tool.id, platform_id=amazon.id, market_id=None))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def _tool(slug: str) -> Tool | None:
    return db.session.scalars(select(Tool).where(Tool.slug == slug)).one_or_none()


def _edited(catalog_file, slug: str, tagline_en: str):
    for entry in catalog_file.tools:
        if entry["slug"] == slug:
            entry["tagline"] = {**entry["tagline"], "en": tagline_en}
    return catalog_file


def test_seeding_again_keeps_a_tool_staff_changed_and_updates_the_others(app, catalog):
    from services.moderation.catalog_tools import set_hidden
    from services.seeding import seed_catalog
    from tests.factories import small_catalog

    admin = make_user(app, "adminuser", phone="+8613800000013", role="admin")
    with app.app_context():
        set_hidden(_tool("alpha-scout").id, True, actor_id=admin, reason="under review")
        changed_file = _edited(_edited(small_catalog(), "alpha-scout", "From the file"), "bravo-ads", "Also new")
        report = seed_catalog(changed_file)
        db.session.expire_all()
        assert (report.kept, report.updated) == (1, 1)
        assert _tool("alpha-scout").tagline_en != "From the file"
        assert _tool("alpha-scout").status == "hidden"
        assert _tool("bravo-ads").tagline_en == "Also new"


def test_seeding_again_does_not_bring_back_a_merged_or_renamed_tool(app, catalog):
    from models import ToolSlugRedirect
    from services import clock
    from services.moderation.tool_merge import merge_tools
    from services.seeding import seed_catalog
    from tests.factories import small_catalog

    admin = make_user(app, "adminuser", phone="+8613800000013", role="admin")
    with app.app_context():
        merge_tools(_tool("bravo-ads").id, _tool("alpha-scout").id, actor_id=admin, reason="duplicate",
                    upload_dir=app.config["UPLOAD_DIR"])
        renamed = _tool("charlie-ship")  # what the editor does on a slug change
        db.session.add(ToolSlugRedirect(old_slug=renamed.slug, tool_id=renamed.id, created_at=clock.now()))
        renamed.slug = "charlie-shipping"
        db.session.commit()
        count = db.session.scalar(select(func.count()).select_from(Tool))

        report = seed_catalog(small_catalog())  # the file still lists bravo-ads and charlie-ship

        assert report.created == 0 and report.kept >= 2
        assert _tool("bravo-ads") is None and _tool("charlie-ship") is None
        assert _tool("charlie-shipping") is not None
        assert db.session.scalar(select(func.count()).select_from(Tool)) == count
