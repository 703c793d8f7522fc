"""QR codes: drawn locally as SVG, only ever for pages of this site."""

from __future__ import annotations

import pytest

from services.qr import QrTooLong, qr_svg


def test_qr_svg_is_a_standalone_svg_without_the_text_in_it():
    svg = qr_svg('https://sellernav.example/t/x?a=<b>&c="d"')
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "viewBox" in svg and svg.rstrip().endswith("</svg>")
    assert "<b>" not in svg and "sellernav" not in svg and "<script" not in svg


def test_qr_svg_refuses_text_too_long_to_scan():
    with pytest.raises(QrTooLong):
        qr_svg("https://sellernav.example/" + "x" * 600)


def test_the_qr_route_draws_the_absolute_url_of_a_page_of_ours(client, app):
    response = client.get("/qr.svg?u=/en/t/alpha-scout")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.text == qr_svg("http://localhost/en/t/alpha-scout")
    assert "public" in response.headers["Cache-Control"] and "max-age=86400" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_qr_route_uses_site_url_when_set(app):
    app.config["SITE_URL"] = "https://sellernav.example"
    response = app.test_client().get("/qr.svg?u=/collections/3")
    assert response.text == qr_svg("https://sellernav.example/collections/3")


@pytest.mark.parametrize("target", [
    "", "https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
    "http:/evil.example", "evil.example", "/ok\r\nSet-Cookie: x=1",
])
def test_the_qr_route_refuses_anything_but_a_path_on_this_site(client, app, target):
    response = client.get("/qr.svg", query_string={"u": target})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "二维码只能指向本站的页面。" in response.text  # /qr.svg is outside /en, so Chinese


def test_the_qr_route_refuses_a_path_too_long_for_a_qr_code(client, app):
    response = client.get("/qr.svg", query_string={"u": "/" + "x" * 600})
    assert response.status_code == 400
