"""A small catalog built in code, so most tests do not depend on the real data file."""

from __future__ import annotations

from services.catalog_file import CatalogFile, load_vocabularies


def _tool(slug, name, category, **extra):
    entry = {
        "slug": slug,
        "name": name,
        "url": f"https://{slug}.example.com/",
        "category": category,
        "pricing": "freemium",
        "tagline": {"zh": f"{name} 的一句话介绍", "en": f"{name} in one line"},
        "description": {"zh": f"{name} 是一个测试用的工具。", "en": f"{name} is a tool for tests."},
    }
    entry.update(extra)
    return entry


def small_catalog() -> CatalogFile:
    """The real vocabularies with a dozen hand-made tools that exercise every filter."""
    catalog: CatalogFile = load_vocabularies()
    catalog.tools = [
        _tool("alpha-scout", "Alpha Scout", "pr-amazon", platforms=["amazon/us"], tags=["chrome-extension"],
              chinese_support=False, pricing="paid"),
        _tool("mai-jia", "卖家助手", "pr-amazon", name_en="Seller Helper", platforms=["amazon"],
              tags=["made-in-china"], chinese_support=True, china_direct=True, cn_payment=True, pricing="freemium"),
        _tool("temu-full-helper", "全托管助手", "erp-china", name_en="Full Managed Helper",
              platforms=["temu-full"], chinese_support=True, pricing="free"),
        _tool("shopee-sea", "Shopee Kit", "erp-china", platforms=["shopee"], pricing="free_trial"),
        _tool("jp-keywords", "JP Keywords", "kw-research", platforms=["amazon/jp"], pricing="paid"),
        _tool("bravo-ads", "Bravo Ads", "ppc-management", platforms=["amazon/us", "walmart/us"], pricing="paid"),
        _tool("charlie-ship", "Charlie Ship", "parcel-express", pricing="paid", cn_invoice=True),
        _tool("delta-pay", "Delta Pay", "collection", pricing="free", free_plan=True, chinese_support=True),
        _tool("echo-design", "Echo Design", "image-editing", pricing="freemium", free_plan=True),
        _tool("old-tool", "Old Tool", "pr-amazon", lifecycle="shut_down", successor="alpha-scout", pricing="paid"),
        _tool("zulu-ai", "Zulu AI", "ai-assistants", pricing="freemium"),
        # A name that would inject markup if anything forgot to escape it.
        _tool("escape-test", "<script>alert(1)</script>", "ai-assistants", pricing="free"),
    ]
    return catalog
