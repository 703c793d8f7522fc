"""Typed SQLAlchemy models, one module per domain."""

from models.accounts import KnownBrowser, Role, SecurityEvent, User, UserSession, UserStatus, WechatIdentity
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
from models.engagement import (
    Collection,
    CollectionItem,
    Favorite,
    HelpfulVote,
    Rating,
    Report,
    ReportReason,
    ReviewState,
)
from models.notifications import Notification
from models.search import SearchHistory as SearchHistory
from models.search import SearchKeywordDay as SearchKeywordDay
from models.search import ToolSearch as ToolSearch
from models.search import ToolSearchGram as ToolSearchGram
from models.site import SiteCounter
from models.verification import SmsCode

__all__ = [
    "Base",
    "Category",
    "Collection",
    "CollectionItem",
    "Favorite",
    "HelpfulVote",
    "KnownBrowser",
    "Lifecycle",
    "Market",
    "Notification",
    "Platform",
    "Pricing",
    "Rating",
    "RecentClick",
    "Report",
    "ReportReason",
    "ReviewState",
    "Role",
    "SecurityEvent",
    "SiteCounter",
    "SmsCode",
    "Tag",
    "Tool",
    "ToolClickDay",
    "ToolPlatform",
    "ToolStatus",
    "User",
    "UserSession",
    "UserStatus",
    "WechatIdentity",
    "tool_tag",
]
