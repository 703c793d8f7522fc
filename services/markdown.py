"""Markdown written by staff (policy texts), rendered safely.

Raw HTML is escaped, never passed through; links may only be http(s), mailto or
relative, so a ``javascript:`` link stays plain text; images are off, because a
remote image in a policy would tell a third party who read it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markupsafe import Markup

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})


def is_safe_link(url: str) -> bool:
    """True for http(s), mailto and scheme-less (relative or #anchor) URLs."""
    # Judge the URL as a browser would read it too: decoded, without the tabs and
    # newlines it ignores ("java%09script:" must not slip through).
    for candidate in (url, re.sub(r"[\x00-\x20]", "", unquote(url))):
        match = _SCHEME.match(candidate.strip())
        if match is not None and match.group(1).lower() not in SAFE_SCHEMES:
            return False
    return True


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table")
    parser.disable("image")
    parser.validateLink = is_safe_link
    return parser


_PARSER = _parser()


def render_markdown(text: str) -> Markup:
    """HTML for ``text``, safe to put in a page as is."""
    return Markup(_PARSER.render(text or ""))
