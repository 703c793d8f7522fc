"""Catalog pages. Each list page is one view over ``render_listing``."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from blueprints.caching import cached_page, is_htmx_fragment_request
from blueprints.card_cache import shared_fragment
from blueprints.catalog import bp
from blueprints.i18n import current_lang, localized_route, prefers_english
from blueprints.templating import absolute
from models import Market, Platform, Tag, Tool
from services import catalog_queries as queries
from services.browsing_history import record_view
from services.clicks import is_bot, record_click, visitor_hash
from services.listing import InvalidListingQuery, ListingQuery
from services.logos import stored_logo
from services.monogram import monogram_svg
from services.tool_redirects import current_slug


def _english_suggestion() -> bool:
    """A first visit to the Chinese home page from a browser that prefers English."""
    referrer = request.referrer or ""
    return (
        current_lang() == "zh"
        and prefers_english(request.accept_languages)
        and not referrer.startswith(request.host_url)
    )


@localized_route(bp, "/")
@cached_page(variant=lambda: "en-hint" if _english_suggestion() else "")
def home():
    """Every category with its best tools, and the hot, new and top-rated lists."""
    # Signed-in viewers share one rendering per catalog version (their collect states are filled
    # in); visitors' pages are cached whole by cached_page, so theirs is rendered here.
    body = shared_fragment("home", _home_body) if current_user.is_authenticated else Markup(_home_body())
    response = current_app.make_response(
        render_template("catalog/home.html", home_body=body, english_suggestion=_english_suggestion())
    )
    response.vary.add("Accept-Language")
    return response


def _home_body() -> str:
    tree = queries.category_tree()
    return render_template(
        "catalog/_home_body.html",
        tree=tree,
        top_tools=queries.top_tools_by_category(tree, current_app.config["HOME_TOOLS_PER_CATEGORY"]),
        hot=queries.hot_tools(),
        newest=queries.newest_tools(),
        top_rated=queries.top_rated_tools(),
    )


def _parse_listing_query() -> ListingQuery:
    try:
        return ListingQuery.from_args(request.args)
    except InvalidListingQuery as error:
        abort(400, description=_("The filter “%(field)s” has a value we do not recognise.", field=error.field))


def render_listing(*, title: str, description: str, conditions: tuple, template_args: dict):
    """A filtered, sorted, paginated list of tools; only the list itself for htmx."""
    query = _parse_listing_query()
    pagination = queries.paginate_listing(
        queries.listing_statement(query, current_lang(), *conditions), query.page, current_app.config["PER_PAGE"]
    )
    if pagination is None:
        abort(404)
    context = dict(
        title=title,
        description=description,
        query=query,
        pagination=pagination,
        platforms=queries.all_platforms(),
        markets=queries.all_markets(),
        compare_enabled=True,
        **template_args,
    )
    if is_htmx_fragment_request():
        return render_template("catalog/_tool_list.html", **context)
    return render_template("catalog/listing.html", **context)


@localized_route(bp, "/c/<slug>")
@cached_page()
def category(slug: str):
    """A category page; a top-level category lists its sub-categories' tools too."""
    tree = queries.category_tree()
    current = tree.by_slug.get(slug) or abort(404)
    lang = current_lang()
    return render_listing(
        title=current.name(lang),
        description=current.description(lang),
        conditions=(Tool.category_id.in_(tree.ids_within(current)),),
        template_args={"tree": tree, "category": current},
    )


@localized_route(bp, "/tag/<slug>")
@cached_page()
def tag(slug: str):
    """Tools carrying one tag."""
    current = queries.lookup(Tag, slug) or abort(404)
    return render_listing(
        title=current.name(current_lang()),
        description="",
        conditions=(Tool.tags.any(Tag.id == current.id),),
        template_args={"tag": current},
    )


@localized_route(bp, "/p/<slug>")
@cached_page()
def platform(slug: str):
    """Tools that serve one marketplace (any of its modes)."""
    current = queries.lookup(Platform, slug) or abort(404)
    return render_listing(
        title=_("Tools for %(platform)s", platform=current.name(current_lang())),
        description="",
        conditions=(queries.serves(current.slug, None),),
        template_args={"fixed_platform": current},
    )


@localized_route(bp, "/m/<slug>")
@cached_page()
def market(slug: str):
    """Tools that serve one market."""
    current = queries.lookup(Market, slug) or abort(404)
    return render_listing(
        title=_("Tools for selling in %(market)s", market=current.name(current_lang())),
        description="",
        conditions=(queries.serves(None, current.slug),),
        template_args={"fixed_market": current},
    )


@localized_route(bp, "/t/<slug>")
@cached_page()
def tool(slug: str):
    """Everything about one tool; a merged or renamed tool's old address redirects (301)."""
    current = queries.tool_page(slug)
    if current is None:
        new_slug = current_slug(slug) or abort(404)
        return redirect(url_for("catalog.tool", slug=new_slug), code=301)
    body = render_template(
        "catalog/tool.html",
        tool=current,
        similar=queries.similar_tools(current),
        structured_data=software_application(current, current_lang()),
    )
    _note_view(current.id)  # once the page rendered: a missing tool or a failed render records nothing
    return body


def _note_view(tool_id: int) -> None:
    """Browsing history, for a signed-in user's full page load only (never a visitor or a fragment)."""
    if current_user.is_authenticated and not is_htmx_fragment_request():
        record_view(current_user.id, tool_id, current_app.config["BROWSING_HISTORY_LIMIT"])


def software_application(tool: Tool, lang: str) -> dict:
    """schema.org SoftwareApplication for the tool page; rendered with ``tojson``."""
    data = {
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "name": tool.display_name(lang),
        "description": tool.tagline(lang),
        "url": absolute(url_for("catalog.tool", slug=tool.slug)),
        "sameAs": tool.url,
        "applicationCategory": "BusinessApplication",
        "operatingSystem": "Web",
    }
    if tool.rating_count:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": round(tool.rating_avg, 2),
            "ratingCount": tool.rating_count,
            "bestRating": 5,
            "worstRating": 1,
        }
    return data


@bp.route("/t/<slug>/logo.svg")
def logo(slug: str):
    """The tool's uploaded logo (WebP, whatever the name says), or its generated monogram."""
    current = queries.tool_page(slug) or abort(404)
    uploaded = stored_logo(current_app.config["UPLOAD_DIR"], current.logo_path)
    if uploaded is not None:
        response = send_file(uploaded, mimetype="image/webp", max_age=3600, conditional=True)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    response = current_app.response_class(monogram_svg(current.name), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@localized_route(bp, "/go/<slug>")
def go(slug: str):
    """Count an outbound click, then send the visitor to the tool's stored URL."""
    current = queries.tool_page(slug)
    if current is None:  # a merged or renamed tool: shared links keep working, and are counted once
        new_slug = current_slug(slug) or abort(404)
        return redirect(url_for("catalog.go", slug=new_slug), code=301)
    if current.is_gone:
        return render_template("catalog/go_gone.html", tool=current)
    user_agent = request.headers.get("User-Agent", "")
    if not is_bot(user_agent):
        record_click(current.id, visitor_hash(current_app.secret_key, request.remote_addr or "", user_agent))
    response = redirect(current.url, code=302)
    response.headers["Referrer-Policy"] = "origin"
    response.cache_control.no_store = True
    return response
