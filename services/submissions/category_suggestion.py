"""A cheap first guess at a submitted tool's category, from the words of its address and texts.

No model, no search: the words of each leaf category's slug, names and descriptions against the words
the submitter gave. The guess only pre-selects the category; the submitter and staff choose.
"""

from __future__ import annotations

import re

from models import Category

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
# Words that say where a tool is sold or hosted, not what it does.
_NOT_A_TOPIC = {
    "and", "the", "for", "with", "from", "your", "tool", "tools", "app", "apps", "www", "com", "net", "org",
    "http", "https", "html", "index", "detail", "store", "seller", "sellers", "online", "ecommerce", "built",
    "amazon", "shopify", "tiktok", "temu", "shein", "ebay", "walmart", "shopee", "lazada", "google", "chrome",
    "chromewebstore", "microsoft", "apple", "across", "many", "one", "place", "all",
}
STRONG, WEAK = 3, 1  # a word of the category's name counts for three of its description
THRESHOLD = STRONG  # at least one name word, or three description words


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def words(text: str) -> set[str]:
    """Lower-case Latin words of three letters or more (singular), and every two-character Chinese word."""
    text = (text or "").lower()
    found = {_singular(word) for word in _ASCII_WORD.findall(text) if len(word) >= 3 and word not in _NOT_A_TOPIC}
    for run in _CJK_RUN.findall(text):
        found.update(run[i:i + 2] for i in range(len(run) - 1))
    return found


def suggest_category(text: str, categories: list[Category]) -> int | None:
    """The id of the category whose words the text shares most, if it shares enough; ties go to the first."""
    given = words(text)
    if not given:
        return None
    best_id, best_score = None, 0
    for category in categories:
        names = words(" ".join((category.slug.replace("-", " "), category.name_en, category.name_zh)))
        descriptions = words(" ".join((category.description_en, category.description_zh))) - names
        score = STRONG * len(given & names) + WEAK * len(given & descriptions)
        if score > best_score:
            best_id, best_score = category.id, score
    return best_id if best_score >= THRESHOLD else None
