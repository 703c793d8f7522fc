"""The checks of one row: each field against the editor's rules, giving a draft of the tool and its problems.

The limits are the database's column lengths (and the editor's 5,000 characters for a description);
addresses go through ``catalog_tools.clean_url``, the editor's own check, so only http(s) addresses
without a user name are taken. Values are read as CSV text or typed JSON alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from models import Category, Market, Platform, Tag, Tool, ToolStatus
from services import clock
from services.catalog_file import FACT_FIELDS, LIFECYCLES, PRICING_MODELS, split_platform_ref
from services.catalog_io.columns import FALSE_WORDS, TRUE_WORDS, split_list
from services.catalog_io.formats import RawRow
from services.catalog_io.problems import Problem
from services.catalog_io.vocabulary import Vocabulary, fold
from services.moderation.catalog_tools import SLUG_MAX, SLUG_PATTERN, clean_url

if TYPE_CHECKING:
    from services.catalog_io.plan import FolderCategories, NewCategory

NAME_MAX = Tool.__table__.c.name.type.length
TAGLINE_MAX = Tool.__table__.c.tagline_zh.type.length
NOTE_MAX = Tool.__table__.c.price_note_zh.type.length
URL_MAX = Tool.__table__.c.url.type.length
DESCRIPTION_MAX = 5000  # the editor's limit: a description is a few paragraphs
PRICE_MAX = Decimal("99999999.99")  # Numeric(10, 2)
TRIAL_DAYS_MAX = 3650
STATUSES = tuple(status.value for status in ToolStatus)
TEXTS = ("tagline_zh", "tagline_en", "description_zh", "description_en")
PUBLIC = (ToolStatus.PUBLISHED.value, ToolStatus.DEAD_LINK.value)
_TITLE_SEPARATOR = re.compile(r"\s+[-|–—]\s+|\s*｜\s*")
_SCHEME = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):")


@dataclass
class Draft:
    """A row's values once checked: what the tool will hold."""

    name: str
    url: str
    name_en: str | None = None
    slug: str | None = None
    category: Category | NewCategory | None = None
    tags: list[Tag] = field(default_factory=list)
    platforms: list[tuple[Platform, Market | None]] = field(default_factory=list)
    pricing: str = "paid"
    price_note_zh: str | None = None
    price_note_en: str | None = None
    price_from_cny: Decimal | None = None
    price_from_usd: Decimal | None = None
    trial_days: int | None = None
    facts: dict[str, bool | None] = field(default_factory=dict)
    status: str | None = None
    lifecycle: str = "active"
    successor: str | None = None
    texts: dict[str, str] = field(default_factory=dict)
    pricing_verified_at: datetime | None = None


def _has_user_name(url: str) -> bool:
    try:
        return urlsplit(url.strip()).username is not None
    except ValueError:
        return False


def _has_control_characters(text: str, *, multiline: bool) -> bool:
    allowed = "\t\r\n" if multiline else "\t"
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)


class _RowChecker:
    """The checks of one row: each method returns a clean value and records what is wrong with it."""

    def __init__(self, row: RawRow):
        self.values = row.values
        self.folders = row.folders
        self.problems: list[Problem] = list(row.problems)

    def problem(self, code: str, column: str = "", **details) -> None:
        self.problems.append(Problem(code, column, details))

    def text(self, column: str, max_length: int, *, required: bool = False, multiline: bool = False) -> str | None:
        value = self.values.get(column)
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem("not_text", column)
            return None
        value = value.strip()
        if not value:
            if required:
                self.problem("missing", column)
            return None
        if len(value) > max_length:
            self.problem("too_long", column, max=max_length)
        elif _has_control_characters(value, multiline=multiline):
            self.problem("control_characters", column)
        return value

    def choice(self, column: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = self.text(column, 40)
        if value is None:
            return default
        if value.lower() not in choices:
            self.problem("bad_choice", column, choices=list(choices))
        return value.lower()

    def fact(self, column: str) -> bool | None:
        value = self.values.get(column)
        if value is None or isinstance(value, bool):
            return value
        word = str(value).strip().casefold()
        if word in TRUE_WORDS or word in FALSE_WORDS or not word:
            return True if word in TRUE_WORDS else (False if word in FALSE_WORDS else None)
        self.problem("bad_fact", column)
        return None

    def price(self, column: str) -> Decimal | None:
        value = self.values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
                raise InvalidOperation
            amount = Decimal(str(value).strip().replace(",", ""))
            if not amount.is_finite() or not 0 <= amount <= PRICE_MAX or amount != amount.quantize(Decimal("0.01")):
                raise InvalidOperation
        except InvalidOperation:
            self.problem("bad_price", column)
            return None
        return amount.quantize(Decimal("0.01"))

    def days(self, column: str) -> int | None:
        value = self.values.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
        if not text.isascii() or not text.isdigit() or int(text) > TRIAL_DAYS_MAX:
            self.problem("bad_days", column, max=TRIAL_DAYS_MAX)
            return None
        return int(text)

    def url(self) -> str | None:
        """The address as stored, if it is a plain http(s) one (the editor's ``clean_url``)."""
        raw = self.text("url", 100_000, required=True)
        url = clean_url(raw) if raw else None
        if raw and url is None:
            scheme = _SCHEME.match(raw)
            if scheme is not None and scheme.group(1).lower() not in ("http", "https"):
                self.problem("url_not_web", "url", scheme=scheme.group(1).lower() + ":")
            else:
                self.problem("url_credentials" if _has_user_name(raw) else "url_invalid", "url")
        elif url is not None and len(url) > URL_MAX:
            self.problem("too_long", "url", max=URL_MAX)
        return url

    def slug(self, vocabulary: Vocabulary) -> str | None:
        slug = self.text("slug", SLUG_MAX)
        if slug is None:
            return None
        slug = slug.lower()
        if not SLUG_PATTERN.match(slug):
            self.problem("slug_format", "slug")
        elif slug in vocabulary.tool_slugs:
            self.problem("slug_taken", "slug", name=vocabulary.tool_slugs[slug])
        elif slug in vocabulary.old_slugs:
            self.problem("slug_redirect", "slug")
        return slug

    def category(self, vocabulary: Vocabulary, folders: FolderCategories | None,
                 default_category: Category | None) -> Category | NewCategory | None:
        """The written category (an existing one), or the bookmark's folder's; else the default one."""
        if folders is not None:
            category = folders.for_folders(self.folders)
            if isinstance(category, Category) and not vocabulary.holds_tools(category):
                if default_category is None:
                    self.problem("category_has_children", "category", name=category.name_zh)
                category = default_category
        else:
            written = self.text("category", 200)
            category = vocabulary.category_named(written) if written else None
            if written and category is None:
                self.problem("unknown_category", "category", value=written)
            elif category is not None and not vocabulary.holds_tools(category):
                self.problem("category_has_children", "category", name=category.name_zh)
        if category is None and not any(problem.column == "category" for problem in self.problems):
            category = default_category
            if category is None:
                self.problem("no_folder" if folders is not None else "no_category", "category")
        return category

    def tags(self, vocabulary: Vocabulary) -> list[Tag]:
        """Tags by slug or by name; each once."""
        found: dict[int, Tag] = {}
        unknown = []
        for name in split_list(self.values.get("tags")):
            tag = vocabulary.tags.get(name) or vocabulary.tags.get(fold(name))
            if tag is None:
                unknown.append(name)
            else:
                found.setdefault(tag.id, tag)
        if unknown:
            self.problem("unknown_tags", "tags", values=unknown)
        return list(found.values())

    def platforms(self, vocabulary: Vocabulary) -> list[tuple[Platform, Market | None]]:
        """``amazon/us`` or ``shopee`` (all markets), as the editor and the seed files write them; each once."""
        pairs: dict[tuple, tuple[Platform, Market | None]] = {}
        unknown = []
        for ref in (ref.lower() for ref in split_list(self.values.get("platforms"))):
            platform_slug, market_slug = split_platform_ref(ref)
            platform, market = vocabulary.platforms.get(platform_slug), vocabulary.markets.get(market_slug or "")
            if platform is None or (market_slug and market is None):
                unknown.append(ref)
            else:
                pairs.setdefault((platform.id, market.id if market else None), (platform, market))
        if unknown:
            self.problem("unknown_platforms", "platforms", values=unknown)
        return list(pairs.values())

    def moment(self, column: str) -> datetime | None:
        value = self.text(column, 40)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problem("bad_time", column)
            return None
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        if moment > clock.now():
            self.problem("bad_time", column)
            return None
        return moment


def shown_url(url: str) -> str:
    return url if len(url) <= 200 else url[:199] + "…"


def bookmark_values(row: RawRow) -> None:
    """A bookmark's title is a page title, not a curated name: "卖家精灵 - 亚马逊选品与关键词工具" names the site
    before the dash, so the name is what comes before the first " - " or " | "; the host when there is no title."""
    title = str(row.values.get("name") or "")
    brand = _TITLE_SEPARATOR.split(title, maxsplit=1)[0].strip()
    if len(brand) >= 2:
        title = brand
    if not title:
        try:
            title = urlsplit(str(row.values.get("url") or "")).hostname or ""
        except ValueError:  # an address too broken to have a host: the row is invalid anyway
            title = ""
    row.values["name"] = title if len(title) <= NAME_MAX else title[:NAME_MAX - 1] + "…"


def check_row(row: RawRow, vocabulary: Vocabulary, folders: FolderCategories | None,
              default_category: Category | None) -> tuple[Draft | None, list[Problem]]:
    """The row's draft and everything wrong with it (the draft is None when the address is unusable)."""
    check = _RowChecker(row)
    if any(problem.code == "not_an_object" for problem in row.problems):
        return None, check.problems  # nothing else to check
    url = check.url()
    draft = Draft(name=check.text("name", NAME_MAX, required=True) or "", url=url or "")
    draft.name_en = check.text("name_en", NAME_MAX)
    if draft.name_en == draft.name:
        draft.name_en = None
    draft.slug = check.slug(vocabulary)
    draft.category = check.category(vocabulary, folders, default_category)
    draft.tags = check.tags(vocabulary)
    draft.platforms = check.platforms(vocabulary)
    draft.pricing = check.choice("pricing", PRICING_MODELS, "paid")
    draft.price_note_zh = check.text("price_note_zh", NOTE_MAX)
    draft.price_note_en = check.text("price_note_en", NOTE_MAX)
    draft.price_from_cny = check.price("price_from_cny")
    draft.price_from_usd = check.price("price_from_usd")
    draft.trial_days = check.days("trial_days")
    draft.facts = {fact: check.fact(fact) for fact in FACT_FIELDS}
    draft.status = check.choice("status", STATUSES, None)
    draft.lifecycle = check.choice("lifecycle", LIFECYCLES, "active")
    successor = check.text("successor", SLUG_MAX)
    draft.successor = successor.lower() if successor else None
    for column in TEXTS:
        text = check.text(column, TAGLINE_MAX if column.startswith("tagline") else DESCRIPTION_MAX,
                          multiline=column.startswith("description"))
        draft.texts[column] = text or ""
    if draft.status is None:
        draft.status = ToolStatus.PUBLISHED.value if all(draft.texts.values()) else ToolStatus.PENDING.value
    elif draft.status in PUBLIC and not all(draft.texts.values()):
        check.problem("texts_required", "status", status=draft.status)
    draft.pricing_verified_at = check.moment("pricing_verified_at")
    return (draft if url else None), check.problems
