"""Staff set and remove a tool's uploaded logo; each change is audited and shows on the next page view."""

from __future__ import annotations

from extensions import db
from models import Tool
from services import audit
from services.images import delete_upload, store_upload
from services.logos import LOGO_FOLDER, reencode_logo
from services.moderation.catalog_tools import ToolActionError, commit_tool_change


def set_logo(tool_id: int, data: bytes, *, upload_dir: str, actor_id: int) -> None:
    """Store a new logo for the tool (raises ``ImageRejected`` for a bad file); the old file goes afterwards."""
    tool = db.session.get(Tool, tool_id, populate_existing=True)
    if tool is None:
        raise ToolActionError("missing")
    logo = reencode_logo(data)
    old_path = tool.logo_path
    new_path = store_upload(upload_dir, LOGO_FOLDER, logo)
    tool.logo_path = new_path
    audit.record(actor_id=actor_id, action="tool.logo", target_type="tool", target_id=tool_id,
                 before={"logo_path": old_path}, after={"logo_path": new_path})
    try:
        commit_tool_change(tool_id)
    except Exception:
        delete_upload(upload_dir, new_path)  # the row kept the old logo: the new file belongs to nothing
        raise
    delete_upload(upload_dir, old_path)  # only after the new path is saved: never a row pointing nowhere


def remove_logo(tool_id: int, *, upload_dir: str, actor_id: int) -> None:
    """Back to the generated monogram; the file is deleted once the change is saved."""
    tool = db.session.get(Tool, tool_id, populate_existing=True)
    if tool is None:
        raise ToolActionError("missing")
    if not tool.logo_path:
        raise ToolActionError("no_logo")
    old_path = tool.logo_path
    audit.record(actor_id=actor_id, action="tool.logo_removed", target_type="tool", target_id=tool_id,
                 before={"logo_path": old_path}, after={"logo_path": None})
    tool.logo_path = None
    commit_tool_change(tool_id)
    delete_upload(upload_dir, old_path)
