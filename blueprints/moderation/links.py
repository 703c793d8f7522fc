"""Link health: the staff queue of dead, changed and refused links, and ``flask check-links``."""

from __future__ import annotations

import sys

import click
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from blueprints.auth.views import no_store
from blueprints.i18n import localized_route
from blueprints.moderation import bp
from blueprints.moderation.access import staff_required
from blueprints.moderation.queues import QueueSource, register_queue
from blueprints.moderation.responses import decision_response
from services.link_check import decisions, runner, store

register_queue(QueueSource("links", _l("Dead and changed links"), "moderation.link_queue", store.open_count))


@localized_route(bp, "/staff/links")
@staff_required
def link_queue():
    """Links whose latest check is dead, changed or refused, oldest first, each with its recent history."""
    kind = request.args.get("kind", "")
    kind = kind if kind in store.KINDS else ""
    rows = store.waiting_checks(kind)
    history = store.recent_history([tool.id for _check, tool in rows])
    last_run, summary = store.latest_summary()
    return no_store(render_template("moderation/links.html", rows=rows, history=history, kind=kind,
                                    kinds=store.KINDS, last_run=last_run, summary=summary,
                                    is_refused=store.is_refused))


@localized_route(bp, "/staff/links/<int:check_id>/decide", methods=["POST"])
@staff_required
def decide_link(check_id: int):
    """Mark the tool dead, use the URL the link now leads to, or keep it as it is; with a reason."""
    decision = request.form.get("decision", "")
    reason = request.form.get("reason", "").strip()[:500]
    try:
        decisions.decide_link(check_id, decision, staff_id=current_user.id, reason=reason)
    except decisions.LinkDecisionError as error:
        if error.reason == "missing":
            return decision_response(_("That link check no longer exists."), "error", 404)
        messages = {
            "unknown decision": _("Choose mark dead, use the new URL, or keep."),
            "decided": _("This link was decided already, or a newer check replaced it. Reload the queue."),
            "not published": _("Only a published tool can be marked dead; edit a hidden or pending tool "
                               "from the catalog instead."),
            "not changed": _("Only a link that moved has a new URL to use."),
            "bad url": _("The new address is not a plain web address; edit the tool from the catalog instead."),
            "url taken": _("Another tool already has the new address; merge the two from the catalog instead."),
        }
        message = messages.get(error.reason, messages["unknown decision"])
        if error.other_tool is not None:
            message = _("%(tool)s already has the new address; merge the two from the catalog instead.",
                        tool=error.other_tool.name)
        return decision_response(message, "error", 422)
    done = {
        "mark_dead": _("Marked dead: the tool page now says the website is unavailable."),
        "update_url": _("The tool now links to its new address."),
        "keep": _("Kept as it is; this result will not come back unless the link changes again."),
    }
    return decision_response(done[decision])


@bp.cli.command("check-links")
@click.option("--only-slug", metavar="SLUG", help="Check this one tool, whatever its state.")
@click.option("--limit", type=click.IntRange(min=1), help="Check at most N tools.")
@click.option("--concurrency", type=click.IntRange(1, 256),
              help="Parallel checks (default LINK_CHECK_CONCURRENCY).")
def check_links_command(only_slug: str | None, limit: int | None, concurrency: int | None):
    """Check every tool's URL; dead and changed links wait in the staff queue (tools are never changed)."""
    try:
        settings = runner.settings_from_config(current_app.config)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    tools = store.tools_to_check(only_slug, limit)
    if only_slug and not tools:
        raise click.ClickException(f"no tool has the slug {only_slug!r}")
    concurrency = concurrency or current_app.config.get("LINK_CHECK_CONCURRENCY", 16)
    total = len(tools)
    if sys.stdout.isatty():
        with click.progressbar(length=total, label="Checking links") as bar:
            counts = runner.check_links(tools, settings, concurrency=concurrency,
                                        on_result=lambda _tool, _result: bar.update(1))
    else:
        step = max(1, total // 10)  # a log-friendly counter instead of a bar redrawn in place
        done = 0

        def count_one(_tool, _result):
            nonlocal done
            done += 1
            if done % step == 0 or done == total:
                click.echo(f"checked {done}/{total}")

        counts = runner.check_links(tools, settings, concurrency=concurrency, on_result=count_one)
    click.echo(f"{total} links checked: {counts['live']} live, {counts['dead']} dead, "
               f"{counts['changed']} changed, {counts['unknown']} unknown; "
               f"{store.open_count()} waiting in the staff queue")
