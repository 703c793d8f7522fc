"""Sharing: compare tools side by side at a shareable URL, and QR codes of our own pages."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from blueprints.caching import is_htmx_fragment_request
from blueprints.collections import bp
from blueprints.i18n import current_lang, localized_route
from blueprints.redirects import safe_next
from blueprints.templating import absolute
from services import compare
from services.qr import QrTooLong, qr_svg


def _compare_url(lang: str | None = None, slugs: list[str] | None = None) -> str:
    """This comparison's URL; the language switch keeps the tools (lang_url keeps only list parameters)."""
    slugs = slugs if slugs is not None else compare.clean_slugs(request.args.getlist("t"))
    return url_for("collections.compare", t=slugs, **({"lang": lang} if lang else {}))


def _problem_message(problem: compare.CompareProblem) -> str:
    """What is wrong with the requested comparison, in the visitor's language."""
    if problem.kind == "too_few":
        return _("Pick at least %(min)s tools to compare.", min=compare.MIN_TOOLS)
    if problem.kind == "too_many":
        return _("You can compare at most %(max)s tools at a time.", max=compare.MAX_TOOLS)
    return _("We could not find these tools: %(slugs)s.", slugs=", ".join(problem.unknown))


@localized_route(bp, "/compare", endpoint="compare")
def compare_page():
    """2–4 tools side by side: pricing, facts, marketplaces, ratings; the URL keeps their order."""
    requested = request.args.getlist("t")
    slugs = compare.clean_slugs(requested)
    if slugs != requested and compare.MIN_TOOLS <= len(slugs) <= compare.MAX_TOOLS:
        return redirect(_compare_url(slugs=slugs))  # one shareable URL per comparison: no repeats, no blanks
    try:
        tools, problem, status = compare.compare_tools(slugs), "", 200
    except compare.CompareProblem as error:
        tools, problem, status = [], _problem_message(error), 400
    template = "collections/_compare_table.html" if is_htmx_fragment_request() else "collections/compare.html"
    # Passed explicitly, it replaces the global lang_url (which keeps only list parameters) on this page.
    names = [tool.display_name(current_lang()) for tool in tools]
    return render_template(template, tools=tools, names=names, problem=problem, lang_url=_compare_url), status


@bp.route("/qr.svg")
def qr():
    """A QR code (SVG) of a page on this site; any other URL is refused, so it cannot advertise elsewhere."""
    path = request.args.get("u", "")
    if not path or safe_next(path) != path:  # safe_next answers the home page for anything not ours
        abort(400, description=_("A QR code can only point to a page on this site."))
    try:
        svg = qr_svg(absolute(path))
    except QrTooLong:
        abort(400, description=_("That address is too long for a QR code."))
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
