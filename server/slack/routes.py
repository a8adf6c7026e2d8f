"""Slack's routes: events, commands and clicks at ``POST /slack/events``; the OAuth install.

They hand the request to Bolt's FastAPI adapter. When Slack is not set up on this process the
routes say what to set, instead of a bare 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request, Response

from server.errors import SlackUnavailable

if TYPE_CHECKING:
    from server.slack.service import SlackService

router = APIRouter(include_in_schema=False, tags=["slack"])

NOT_SET_UP = (
    "Slack is not set up on this service: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (or "
    "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for the install flow) and restart it. The README's "
    "Slack section goes through it."
)
SOCKET_ONLY = (
    "This service takes Slack's requests over Socket Mode (--slack-socket-mode), not over "
    "HTTP: set SLACK_SIGNING_SECRET as well to take them here too."
)
NO_OAUTH = (
    "The Slack install flow is off: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (and leave "
    "SLACK_BOT_TOKEN unset) to install unstuck in several workspaces."
)


def _service(request: Request) -> SlackService:
    service: SlackService | None = getattr(request.app.state, "slack", None)
    if service is None:
        raise SlackUnavailable(NOT_SET_UP)
    if service.handler is None:
        raise SlackUnavailable(SOCKET_ONLY)
    return service


@router.post("/slack/events")
async def events(request: Request) -> Response:
    """Events, slash commands and button clicks, verified and acknowledged by Bolt."""
    return await _service(request).handle(request)


@router.get("/slack/install")
@router.get("/slack/oauth_redirect")
async def install(request: Request) -> Response:
    """Bolt's OAuth flow: the 'Add to Slack' page and Slack's redirect back with the code."""
    service = _service(request)
    if service.bolt.oauth_flow is None:
        raise SlackUnavailable(NO_OAUTH)
    return await service.handle(request)
