"""Which workspace a request from Slack comes from, and its Enterprise Grid organisation.

Bolt's ``context.team_id`` is the team of the installation that authorised the request. For an
app installed for a whole organisation (org-wide, ``is_enterprise_install``) that is None: the
installation belongs to the organisation, and the workspace where the user wrote is only in the
payload (``team_id`` of an event or a command, ``user.team_id`` of a click). Threads and
sessions belong to that workspace, so every workspace of the organisation keeps its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from server.storage import TeamRecord


def workspace(body: Mapping[str, Any], context: AsyncBoltContext) -> str | None:
    """The workspace the request comes from, or None when neither Bolt nor the payload says."""
    if context.team_id:
        return str(context.team_id)
    team, user, event = body.get("team"), body.get("user"), body.get("event")
    for found in (
        body.get("team_id"),
        team.get("id") if isinstance(team, dict) else team,
        user.get("team_id") if isinstance(user, dict) else None,
        event.get("team") if isinstance(event, dict) else None,
    ):
        if found:
            return str(found)
    return None


def grid_team(body: Mapping[str, Any], context: AsyncBoltContext) -> TeamRecord | None:
    """The workspace with its organisation and the kind of install that served it, for a
    request from an Enterprise Grid organisation; None for any other."""
    team_id = workspace(body, context)
    if not context.enterprise_id or team_id is None:
        return None
    return TeamRecord(team_id, str(context.enterprise_id), bool(context.is_enterprise_install))
