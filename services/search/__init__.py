"""Search: one interface, two backends (SQLite FTS5, PostgreSQL GIN over tsvector) chosen from the database URL.

``search_tools`` answers a query; ``sync_tools`` / ``reindex`` keep the search rows
in step with the catalog; ``records`` holds history and the keyword log.
"""

from services.search.engine import POOL, RELEVANCE, ResultsPage, SearchResults, search_tools
from services.search.index import reindex, sync_tools

__all__ = ["POOL", "RELEVANCE", "ResultsPage", "SearchResults", "reindex", "search_tools", "sync_tools"]
