"""Counting outbound clicks honestly: bots and repeats within an hour do not count.

A visitor is recognised by a keyed hash of IP address and browser; the raw IP
is never stored with it, and the hash cannot be reversed without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

from sqlalchemy import delete, update

from extensions import db
from models import RecentClick, Tool, ToolClickDay
from services import clock
from services.upsert import insert_on_conflict

REPEAT_WINDOW = timedelta(hours=1)
_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|curl|wget|python-requests|httpx|"
    r"headless|scrapy|facebookexternalhit|bingpreview|lighthouse",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """Crawlers, link previewers, scripts, and requests with no browser at all."""
    return not user_agent.strip() or bool(_BOT.search(user_agent))


def visitor_hash(secret: str, ip: str, user_agent: str) -> str:
    """A keyed, one-way name for (IP, browser)."""
    message = f"{ip}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def record_click(tool_id: int, visitor: str) -> bool:
    """Count one outbound click unless the same visitor clicked this tool within the hour.

    Returns whether the click was counted. One conditional upsert decides, so
    two parallel clicks by one visitor count once, and counters change with
    atomic updates, so parallel clicks by many visitors never lose one.
    """
    now = clock.now()
    claimed = db.session.execute(
        insert_on_conflict(RecentClick)
        .values(visitor_hash=visitor, tool_id=tool_id, clicked_at=now)
        .on_conflict_do_update(
            index_elements=[RecentClick.visitor_hash, RecentClick.tool_id],
            set_={"clicked_at": now},
            where=RecentClick.clicked_at <= now - REPEAT_WINDOW,
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for upserts.
        .returning(RecentClick.tool_id)
    ).first()
    if claimed is None:
        db.session.rollback()
        return False
    db.session.execute(
        insert_on_conflict(ToolClickDay)
        .values(tool_id=tool_id, day=clock.china_day(now), clicks=1)
        .on_conflict_do_update(
            index_elements=[ToolClickDay.tool_id, ToolClickDay.day],
            set_={"clicks": ToolClickDay.clicks + 1},
        )
    )
    db.session.execute(update(Tool).where(Tool.id == tool_id).values(click_count=Tool.click_count + 1))
    db.session.commit()
    return True


def prune_recent_clicks() -> int:
    """Forget visitors whose last click is older than the repeat window."""
    removed = db.session.execute(
        delete(RecentClick).where(RecentClick.clicked_at < clock.now() - REPEAT_WINDOW)
    ).rowcount
    db.session.commit()
    return removed
