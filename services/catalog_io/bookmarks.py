"""Browser bookmarks files (the Netscape HTML that Chrome, Edge and Firefox export) → (title, address, folders).

The format is old HTML written without closing tags: ``<DT><H3>Folder</H3>`` is followed by that
folder's ``<DL><p>`` list, ``<DT><A HREF=…>Title</A>`` is a bookmark, and ``<p>`` / ``<DT>`` are
never closed. So the file is read as a stream of tags with the standard library's ``HTMLParser``
(no tree, no new dependency, no entity tricks): an ``H3`` names the next ``DL``, and a bookmark's
folders are the named ``DL`` elements open around it.

The browsers' own containers are not folders of the user's: the bookmarks bar (``PERSONAL_TOOLBAR_FOLDER``,
in Chrome, Edge and Firefox) and Firefox's "Other Bookmarks" (``UNFILED_BOOKMARKS_FOLDER``). Chrome writes
"Other bookmarks" and "Mobile bookmarks" as loose entries of the top list, so they need no rule.
``ADD_DATE``, ``ICON`` and the other attributes are ignored: the address and title are what a tool needs.
"""

from __future__ import annotations

from html.parser import HTMLParser

from services.catalog_io.problems import ImportFileError

_CONTAINER_FLAGS = ("personal_toolbar_folder", "unfiled_bookmarks_folder")
TITLE_MAX = 1000  # a title is trimmed by the plan; this only bounds what is kept while reading


class _Folder:
    def __init__(self, name: str, container: bool):
        self.name = name
        self.container = container


class _BookmarkReader(HTMLParser):
    def __init__(self, max_rows: int):
        super().__init__(convert_charrefs=True)
        self.max_rows = max_rows
        self.open_lists: list[_Folder | None] = []  # one entry per open <DL>: its folder, or None (the top list)
        self.next_folder: _Folder | None = None  # the <H3> just read, waiting for its <DL>
        self.heading: list[str] | None = None
        self.heading_container = False
        self.link: dict[str, str | None] | None = None
        self.link_text: list[str] = []
        self.found: list[tuple[str, str, tuple[str, ...]]] = []

    def folders(self) -> tuple[str, ...]:
        return tuple(folder.name for folder in self.open_lists if folder is not None and not folder.container)

    def _finish_link(self) -> None:
        if self.link is None:
            return
        if len(self.found) >= self.max_rows:
            raise ImportFileError("too_many_rows", max=self.max_rows)
        title = " ".join("".join(self.link_text).split())[:TITLE_MAX]
        self.found.append((title, (self.link.get("href") or "").strip(), self.folders()))
        self.link, self.link_text = None, []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "dt", "dl", "h3", "dd"):
            self._finish_link()  # an <A> left open ends where the next entry starts
        if tag == "h3":
            self.heading = []
            self.heading_container = any(name in _CONTAINER_FLAGS and (value or "").lower() == "true"
                                         for name, value in attrs)
        elif tag == "dl":
            self.open_lists.append(self.next_folder)
            self.next_folder = None
        elif tag == "a":
            self.link, self.link_text = dict(attrs), []
            self.next_folder = None  # a folder heading with no list after it holds nothing

    def handle_endtag(self, tag):
        if tag == "h3" and self.heading is not None:
            self.next_folder = _Folder(" ".join("".join(self.heading).split()), self.heading_container)
            self.heading = None
        elif tag == "a":
            self._finish_link()
        elif tag == "dl":
            self._finish_link()
            if self.open_lists:
                self.open_lists.pop()

    def handle_data(self, data):
        if self.heading is not None:
            self.heading.append(data)
        elif self.link is not None and len(self.link_text) < TITLE_MAX:
            self.link_text.append(data)


def read_bookmarks(text: str, max_rows: int) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every bookmark in the file, in file order, as (title, address as written, folder names)."""
    reader = _BookmarkReader(max_rows)
    reader.feed(text)
    reader.close()
    reader._finish_link()
    return reader.found
