"""`flask seed` is idempotent, updates edited tools, refuses a bad file, and makes synthetic tools."""

import shutil
from pathlib import Path

import yaml
from sqlalchemy import func, select

from extensions import db
from models import Category, Tag, Tool, ToolPlatform, tool_tag
from services.catalog_file import DEFAULT_DIR
from services.catalog_version import current_catalog_version


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
