"""Typed SQLAlchemy models, one module per domain."""

from models.base import Base
from models.catalog import (
    Category,
    Lifecycle,
    Market,
    Platform,
    Pricing,
    RecentClick,
    Tag,
    Tool,
    ToolClickDay,
    ToolPlatform,
    ToolStatus,
    tool_tag,
)
from models.site import SiteCounter

__all__ = [
    "Base", "Category", "Lifecycle", "Market", "Platform", "Pricing", "RecentClick",
    "SiteCounter", "Tag", "Tool", "ToolClickDay", "ToolPlatform", "ToolStatus", "tool_tag",
]
