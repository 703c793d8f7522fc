"""Static files: vendored htmx is the pinned file, and URLs carry a content hash."""

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_vendored_htmx_matches_its_recorded_sha256():
    recorded = dict(
        reversed(line.split()) for line in (STATIC / "vendor" / "SHA256SUMS").read_text().splitlines() if line
    )
    for name, digest in recorded.items():
        assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == digest
    assert recorded["htmx-2.0.11.min.js"] == "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_pages_load_htmx_locally_with_a_csp_safe_config(client, catalog):
    page = client.get("/").text
    assert re.search(r'<script src="/static/vendor/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{10}" defer>', page)
    assert "cdn" not in page.lower()
    config = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page).group(1)
    assert '"allowEval":false' in config and '"allowScriptTags":false' in config
    assert '"includeIndicatorStyles":false' in config and '"historyRestoreAsHxRequest":false' in config
    assert "hx-on" not in page


def test_static_urls_carry_a_content_hash_and_are_cached_long(client, catalog):
    page = client.get("/").text
    css_url = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{10}))"', page)
    digest = hashlib.sha256((STATIC / "css" / "site.css").read_bytes()).hexdigest()[:10]
    assert css_url.group(2) == digest
    response = client.get(css_url.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age >= 86400 * 30
    response.close()
