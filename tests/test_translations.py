"""The Chinese (zh) catalogue covers every user-facing string in the code and templates."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def test_every_message_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "--ignore-dirs=.venv tests migrations", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as handle:
        wanted = {_singular(m.id) for m in read_po(handle) if m.id}
    with (ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    translated = {_singular(m.id) for m in catalogue if m.id and _complete(m.string) and "fuzzy" not in m.flags}
    assert sorted(wanted - translated) == []


def _singular(message_id) -> str:
    """A plural message is keyed by its singular form."""
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def _complete(string) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)
