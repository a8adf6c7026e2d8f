"""The Bolt app: Slack's requests verified, acknowledged, de-duplicated and handed on.

Bolt checks every request's signature and timestamp (``SLACK_SIGNING_SECRET``; a bad or stale
one gets 401 and nothing runs), authorises it with the bot token or the workspace's
installation, ignores the bot's own messages, and acknowledges: events at once, commands and
clicks when the listener calls ``ack()``, which each does before any work. The work then goes
on after the response (``process_before_response`` stays off), in ``SlackFrontEnd``.

Slack sends an event again when it thinks it was missed (``X-Slack-Retry-Num``, the same
``event_id``); the first delivery claims the id in the session store and every later one, in
any process, is acknowledged and dropped while that claim is fresh. Once it is older than
``UNSTUCK_SLACK_TAKEOVER_S`` a retry goes on to the work, whose own claim (the user's message,
the shared file) knows whether a reply was sent: when the first delivery died before sending
it, the retry sends it, once (``SlackFrontEnd.converse``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from server.slack.blocks import ANSWER_ACTION, CONTROL_ACTION, escape
from server.slack.files import SharedTables
from server.slack.frontend import SlackFrontEnd
from server.slack.installations import DatabaseStateStore
from server.slack.threads import Thread
from server.slack.workspaces import grid_team, workspace

log = logging.getLogger("unstuck.server.slack")

#: What the manifest asks for (docs/slack-manifest.yml); the OAuth flow asks for the same.
BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "im:history",
    "mpim:history",
    "chat:write",
    "commands",
    "files:read",
]
COMMAND = "/unstuck"
COMMAND_USAGE = (
    "Say what is wrong after the command, for example: `/unstuck my loss stays flat after the "
    "first epoch`. I answer in a thread; reply there to go on."
)
NOT_IN_CHANNEL = (
    "I cannot post in this channel. Invite me with `/invite @unstuck`, or send me a direct message."
)
_BOT_MENTION = "<@{}>"

Next = Callable[[], Awaitable[BoltResponse]]


def build_bolt(front: SlackFrontEnd) -> AsyncApp:
    config = front.config
    settings = front.runtime.settings
    token = config.bot_token.get_secret_value() if config.bot_token else None
    oauth = None
    if config.oauth and token is None:
        oauth = AsyncOAuthSettings(
            client_id=config.client_id,
            client_secret=config.client_secret.get_secret_value() if config.client_secret else None,
            scopes=BOT_SCOPES,
            redirect_uri=settings.public_url.rstrip("/") + "/slack/oauth_redirect",
            installation_store=front.installations,
            installation_store_bot_only=True,
            state_store=DatabaseStateStore(front.db, front.call),
        )
    bolt = AsyncApp(
        name="unstuck",
        logger=log,
        signing_secret=config.signing_secret.get_secret_value() if config.signing_secret else "",
        client=front.web_client(token),
        oauth_settings=oauth,
        installation_store=front.installations if oauth is not None else None,
        installation_store_bot_only=True if oauth is not None else None,
        request_verification_enabled=not config.socket_mode,
    )
    if oauth is not None:
        # Uninstalling the app, or revoking its bot token, deletes the workspace's installation
        # (Bolt's listeners call the store's delete methods): no token is kept past its life.
        bolt.enable_token_revocation_listeners()
    _listen(bolt, front)
    return bolt


def _listen(bolt: AsyncApp, front: SlackFrontEnd) -> None:
    tables = SharedTables(front)

    @bolt.middleware
    async def deliver_once(req: AsyncBoltRequest, resp: BoltResponse, next: Next) -> BoltResponse:
        event_id = req.body.get("event_id") if req.body.get("type") == "event_callback" else None
        if event_id and await front.claim(f"event:{event_id}") is None:
            retry = req.headers.get("x-slack-retry-num", ["0"])[0]
            log.info("dropped event %s, delivered again (retry %s)", event_id, retry)
            return BoltResponse(status=200, body="")
        return await next()

    if front.config.bot_token is None:

        @bolt.middleware
        async def know_the_organisation(
            req: AsyncBoltRequest, resp: BoltResponse, next: Next
        ) -> BoltResponse:
            # So that work no request brings later finds the workspace's installation.
            team = grid_team(req.body, req.context)
            if team is not None:
                await front.installations.remember(team)
            return await next()

    @bolt.event("app_mention")
    async def mention(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        team = workspace(body, context)
        if team is None or not _from_a_member(event, team):
            return
        thread = Thread(team, event["channel"], event.get("thread_ts") or event["ts"])
        await front.converse(_client(context), thread, event["ts"], event.get("text", ""), True)

    @bolt.event("message")
    async def message(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        if event.get("subtype") not in (None, "thread_broadcast") or event.get("bot_id"):
            return  # edits, joins, files (``file_shared``), other bots
        team = workspace(body, context)
        if team is None or not _from_a_member(event, team):
            return
        direct = event.get("channel_type") == "im"
        text = str(event.get("text", ""))
        if not direct and _BOT_MENTION.format(context.bot_user_id) in text:
            return  # the app_mention event brings it
        thread_ts = event.get("thread_ts")
        thread = Thread(team, event["channel"], thread_ts or event["ts"])
        # In a channel only threads that unstuck is in go on; in a DM every message counts.
        await front.converse(_client(context), thread, event["ts"], text, direct)

    @bolt.event("file_shared")
    async def file_shared(
        event: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        team = workspace(body, context)
        if team is not None:
            await tables.shared(_client(context), team, str(event.get("file_id")))

    @bolt.command(COMMAND)
    async def command(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        text = str(body.get("text", "")).strip()
        if not text:
            await ack(text=COMMAND_USAGE)
            return
        await ack()
        team = workspace(body, context)
        if team is not None:
            await _start_from_command(front, _client(context), body, text, team, context)

    @bolt.action(re.compile(f"^({ANSWER_ACTION}|{CONTROL_ACTION}):"))
    async def click(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await ack()
        team = workspace(body, context)
        if team is not None:
            await front.click(_client(context), team, body, action)

    @bolt.action(re.compile(".*"))
    async def unknown_action(ack: AsyncAck, action: dict[str, Any]) -> None:
        await ack()
        log.info("ignored an action unstuck does not know: %s", action.get("action_id"))


async def _start_from_command(
    front: SlackFrontEnd,
    client: AsyncWebClient,
    body: dict[str, Any],
    text: str,
    team: str,
    context: AsyncBoltContext,
) -> None:
    """``/unstuck words``: a message in the channel that the conversation threads under."""
    channel = str(body.get("channel_id", ""))
    user = str(body.get("user_id", ""))
    try:
        root = await client.chat_postMessage(
            channel=channel, text=f"<@{user}> asked unstuck: {escape(text)}"
        )
    except Exception as error:
        log.info("could not post in %s: %s", channel, error)
        if context.respond is not None:
            await context.respond(text=NOT_IN_CHANNEL, response_type="ephemeral")
        return
    thread = Thread(team, channel, str(root["ts"]))
    await front.converse(client, thread, str(root["ts"]), text, True)


def _client(context: AsyncBoltContext) -> AsyncWebClient:
    client: AsyncWebClient = context.client
    return client


def _from_a_member(event: dict[str, Any], team: str) -> bool:
    """False for a user of another workspace (a shared channel): their words stay out of this
    workspace's sessions."""
    user_team = event.get("user_team") or event.get("team")
    return user_team is None or user_team == team
