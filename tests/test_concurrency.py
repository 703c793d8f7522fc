"""Counters stay exact under parallel writers (run on PostgreSQL in CI, and on SQLite)."""

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from extensions import db
from models import Tool, ToolClickDay
from services.clicks import record_click

WRITERS = 8
CLICKS_EACH = 10


def _tool_id(app, slug="alpha-scout") -> int:
    with app.app_context():
        return db.session.scalar(select(Tool.id).where(Tool.slug == slug))


def _click_from_thread(app, tool_id: int, visitor: str) -> bool:
    with app.app_context():
        try:
            return record_click(tool_id, visitor)
        finally:
            db.session.remove()


def test_parallel_clicks_by_different_visitors_are_all_counted(app, catalog):
    tool_id = _tool_id(app)
    visitors = [f"visitor-{n}" for n in range(WRITERS * CLICKS_EACH)]
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        counted = list(pool.map(lambda v: _click_from_thread(app, tool_id, v), visitors))
    assert all(counted)
    with app.app_context():
        assert db.session.scalar(select(Tool.click_count).where(Tool.id == tool_id)) == len(visitors)
        assert db.session.scalar(select(ToolClickDay.clicks).where(ToolClickDay.tool_id == tool_id)) == len(visitors)


def test_parallel_clicks_by_one_visitor_count_once(app, catalog):
    tool_id = _tool_id(app)
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        counted = list(pool.map(lambda _: _click_from_thread(app, tool_id, "same-visitor"), range(WRITERS * 2)))
    assert counted.count(True) == 1
    with app.app_context():
        assert db.session.scalar(select(Tool.click_count).where(Tool.id == tool_id)) == 1
