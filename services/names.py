"""Name helpers: sort keys that put Chinese and English names in one stable order."""

from pypinyin import lazy_pinyin


def name_sort_key(name: str) -> str:
    """Pinyin for Chinese characters, lower-case for the rest: 卖家精灵 → "mai jia jing ling"."""
    return " ".join(lazy_pinyin(name.strip())).lower()[:400]
