"""The Slack front end's work after each ack: turns in threads, clicks, and results that join.

Bolt acknowledges each request first (``server.slack.app``); what is here then runs the turn
through the service's ``SessionService`` (the one drive loop every front end shares) and posts
the replies into the thread through Slack's Web API. Nothing here computes beliefs or words a
cause: the replies are the engine's, rendered by ``server.slack.blocks``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, ParamSpec, TypeVar

import aiohttp
from pydantic import TypeAdapter
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from assistant.core.replies import Reply, Text
from server import probe_tokens
from server.errors import ApiError
from server.probe_command import ProbeCommand
from server.runtime import Runtime
from server.schemas import TYPICAL_KEYS, RankedCause
from server.sessions import TurnReplies
from server.slack.blocks import (
    CONTROL_ACTION,
    ButtonValue,
    Message,
    answered_blocks,
    escape,
    parse_button,
    render_turn,
    text_message,
)
from server.slack.installations import DatabaseInstallationStore
from server.slack.settings import SlackSettings
from server.slack.text import incoming, target_named
from server.slack.threads import TeamKeys, Thread, bind, session_of, thread_of
from server.storage import Claim, KeyRecord

P = ParamSpec("P")
T = TypeVar("T")
log = logging.getLogger("unstuck.server.slack")

#: How often one Web API call is retried after Slack answers 429 (waiting its Retry-After).
RATE_LIMIT_RETRIES = 5
CLAIM_THREADS = 4
#: Claims are kept a week: Slack retries an event for an hour at most, and a click on an older
#: message is refused by its buttons' log length anyway.
CLAIM_KEEP_S = 7 * 86_400
PRUNE_EVERY_S = 3600.0
WORK_THREADS = 4
STALE_BUTTONS = (
    "These buttons are from an earlier point of this conversation, so they were not applied. "
    "Use the newest message in the thread, or reply in your own words."
)
Body = Mapping[str, Any]


@dataclass(frozen=True)
class Turn:
    """A turn's replies with what their message shows besides: the log's length (for the
    buttons), the ranking, and the probe token when checks are asked for."""

    session_id: str
    replies: list[Reply]
    seq: int
    ranking: list[RankedCause]
    token: str | None
    first: bool = False
    """The thread's first reply."""
    command: ProbeCommand | None = None
    """The ``unstuck probe`` command the replies ask the user to run, as data."""

    def kept(self) -> str:
        """The turn as the store keeps it until its message is sent: without the probe token,
        which is stored only as its digest (a turn sent from here gets a fresh one)."""
        return _KEPT_TURN.dump_json(replace(self, token=None)).decode()

    def message(self) -> Message:
        return render_turn(
            self.replies,
            self.session_id,
            self.seq,
            self.ranking,
            self.token,
            self.first,
            self.command,
        )


_KEPT_TURN: TypeAdapter[Turn] = TypeAdapter(Turn)


class NotInstalled(Exception):
    """A workspace with no installation (OAuth) to post with."""


class SlackFrontEnd:
    def __init__(self, runtime: Runtime, config: SlackSettings) -> None:
        self.runtime = runtime
        self.db = runtime.db
        self.sessions = runtime.sessions
        self.config = config
        self.keys = TeamKeys(runtime.db)
        self.installations = DatabaseInstallationStore(runtime.db, self.call)
        self.loop = asyncio.get_running_loop()
        self._clients: dict[str | None, AsyncWebClient] = {}
        # One connection pool for every Web API call (Bolt's per-request clients share it
        # too): without it slack_sdk opens a new session, and connection, per call.
        self._http = aiohttp.ClientSession()
        self._claims = ThreadPoolExecutor(CLAIM_THREADS, thread_name_prefix="unstuck-slack-claim")
        self._work = ThreadPoolExecutor(WORK_THREADS, thread_name_prefix="unstuck-slack")
        self.sessions.results_listeners.append(self.results_joined)
        self.sessions.job_failure_listeners.append(self.job_failed)
        self._pruner = self.loop.create_task(self._prune_forever())

    async def close(self) -> None:
        self._pruner.cancel()
        await self._http.close()
        self._claims.shutdown(wait=False, cancel_futures=True)
        self._work.shutdown(wait=False, cancel_futures=True)

    async def _prune_forever(self) -> None:
        """Forget old claims and expired tokens and OAuth states, now and every hour."""
        while True:
            now = time.time()
            try:
                gone = await self.call(self.db.prune_slack, now - CLAIM_KEEP_S, now)
                log.info("Slack: pruned %d old claims, tokens and OAuth states", gone)
            except Exception as error:  # the store may be down for a while; try next time
                log.warning("Slack: pruning failed: %r", error)
            await asyncio.sleep(PRUNE_EVERY_S)

    # -- the Web API ----------------------------------------------------------------------

    def web_client(self, token: str | None) -> AsyncWebClient:
        """A client for ``token`` whose calls that meet HTTP 429 wait and are sent again."""
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(
                token=token,
                base_url=self.runtime.settings.slack_api_url,
                session=self._http,
                retry_handlers=[
                    AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
                ],
            )
            self._clients[token] = client
        return client

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The client with the bot token for ``team_id`` (work that no request brought)."""
        if self.config.bot_token is not None:
            return self.web_client(self.config.bot_token.get_secret_value())
        bot = await self.installations.bot_for_team(team_id)
        if bot is None:
            raise NotInstalled(f"unstuck is not installed in workspace {team_id}")
        return self.web_client(bot.bot_token)

    async def call(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A store or session operation, in this front end's few threads, whatever the store.

        Never on the event loop, unlike ``server.api``: a turn there holds up the ack of every
        request behind it, and Slack wants each within 3 s (benchmarks/slack.py, 50 threads at
        50 events/s on the shared machine: acks p50 126 ms, p99 475 ms on the loop; p50
        22-32 ms, p99 227-254 ms here). Its own threads, not the shared pool, so that Slack's
        turns cannot take every thread that the JSON API's requests wait for."""
        return await self.loop.run_in_executor(self._work, partial(work, *args, **kwargs))

    async def claim(self, claim_id: str) -> Claim | None:
        """Claim ``claim_id`` in the store, in threads of its own: a claim decides an ack, so
        it must not queue behind the turns waiting for the work threads. A claim whose reply
        was never sent is taken over once it is older than ``slack_takeover_s``."""
        stale = self.stale_before()
        return await self.loop.run_in_executor(self._claims, self.db.claim, claim_id, stale)

    async def replied(self, claim_id: str) -> None:
        """The claim's reply went out: no retry takes it over now."""
        await self.loop.run_in_executor(self._claims, self.db.replied, claim_id)

    def stale_before(self) -> float:
        """Claims made before this time with no reply sent belong to a delivery that died."""
        return time.time() - self.runtime.settings.slack_takeover_s

    # -- conversations --------------------------------------------------------------------

    async def converse(
        self, client: AsyncWebClient, thread: Thread, message_ts: str, text: str, may_start: bool
    ) -> None:
        """A user's message in ``thread``: it starts the thread's session (when ``may_start``)
        or continues it. One message is handled once, whichever event brought it first."""
        claim = f"msg:{thread.team_id}:{thread.channel}:{message_ts}"
        try:
            turn = await self.call(self._converse, thread, claim, incoming(text), may_start)
        except ApiError as error:
            await self.say(client, thread, text_message(error.message))
            return
        if turn is not None and await self.say(client, thread, turn.message()):
            await self.replied(claim)

    def _converse(self, thread: Thread, claim: str, words: str, may_start: bool) -> Turn | None:
        """The turn for one message, all in one trip to a worker thread; None for a message
        that is not unstuck's (a thread it is not in, one handled already, no words).

        The turn is kept with the claim before its message is sent: a retry that takes over
        the claim of a delivery that died sends that turn, instead of telling the session the
        same words twice."""
        session_id = session_of(self.db, thread)
        if session_id is None and not may_start:
            return None
        claimed = self.db.claim(claim, self.stale_before())
        if claimed is None:
            return None
        key = self.keys.key(thread.team_id)
        if claimed.reply is not None:
            return self._kept(key, claimed.reply)
        turn = self._new_turn(thread, key, session_id, words)
        if turn is not None:
            self.db.keep_reply(claim, turn.kept())
        return turn

    def _new_turn(
        self, thread: Thread, key: KeyRecord, session_id: str | None, words: str
    ) -> Turn | None:
        """The message's turn: the first of a new session, or the next of the thread's."""
        if session_id is None:
            created, turned = self.sessions.create(key, words or None)
            session_id = bind(self.db, thread, created)
            if session_id == created:
                return replace(self._turn(key, session_id, *_parts(turned)), first=True)
            turned = self._said(key, session_id, words)  # another process started it just now
        elif words:
            turned = self._said(key, session_id, words)
        else:
            return None
        return self._turn(key, session_id, *_parts(turned))

    def _kept(self, key: KeyRecord, kept: str) -> Turn:
        """A turn kept by a delivery that died before sending it, with a fresh probe token
        when its message shows the ``unstuck probe`` command."""
        turn = _KEPT_TURN.validate_json(kept)
        if turn.command is None:
            return turn
        ttl = self.runtime.settings.slack_probe_token_ttl_s
        return replace(turn, token=probe_tokens.issue(self.db, turn.session_id, key.id, ttl))

    def _said(self, key: KeyRecord, session_id: str, words: str) -> TurnReplies:
        """Words in a thread: a training file named alone is attached, anything else is said."""
        target = target_named(words)
        if target is not None:
            return self.sessions.attach(key, session_id, target, TYPICAL_KEYS)
        return self.sessions.send(key, session_id, words)

    def _turn(
        self,
        key: KeyRecord,
        session_id: str,
        replies: list[Reply],
        command: ProbeCommand | None = None,
    ) -> Turn:
        """What the message needs besides the replies: where the session stands, and a fresh
        probe token when the replies ask for checks with an ``unstuck probe`` command."""
        seq, ranking = self.sessions.standing(key, session_id)
        token = None
        if command is not None:
            ttl = self.runtime.settings.slack_probe_token_ttl_s
            token = probe_tokens.issue(self.db, session_id, key.id, ttl)
        return Turn(session_id, replies, seq, ranking, token, command=command)

    async def say(self, client: AsyncWebClient, thread: Thread, message: Message) -> bool:
        """Post ``message`` in the thread; False when Slack refused it (logged)."""
        try:
            await client.chat_postMessage(
                channel=thread.channel,
                thread_ts=thread.thread_ts,
                text=message.text,
                blocks=message.blocks,
            )
        except SlackApiError as error:
            log.warning("posting to %s failed: %s", thread, error.response.get("error"))
            return False
        return True

    # -- buttons --------------------------------------------------------------------------

    async def click(self, client: AsyncWebClient, team_id: str, body: Body, action: Body) -> None:
        """A button in workspace ``team_id``: answers or a control, applied once, and only
        from the newest message."""
        value = parse_button(str(action.get("value", "")))
        user = body.get("user", {})
        message = body.get("message") or {}
        channel = str(body.get("channel", {}).get("id", ""))
        if value is None or not message or not _same_team(team_id, user.get("team_id")):
            log.info("ignored a click that is not one of unstuck's buttons: %s", action)
            return
        message_ts = str(message.get("ts", ""))
        thread = Thread(team_id, channel, str(message.get("thread_ts") or message_ts))
        control = value.v if str(action.get("action_id", "")).startswith(CONTROL_ACTION) else None
        label = str(action.get("text", {}).get("text", value.v))
        claim = f"click:{team_id}:{channel}:{message_ts}"
        try:
            outcome = await self.call(self._click, thread, claim, value, control)
        except ApiError as error:
            await self.say(client, thread, text_message(error.message))
            return
        if outcome is None:
            return
        if outcome == "stale":
            await self._close_message(
                client, channel, message, f":information_source: {STALE_BUTTONS}"
            )
            await self.replied(claim)
            return
        if control != "why":
            note = f"<@{user.get('id')}> chose *{escape(label)}*"
            await self._close_message(client, channel, message, note)
        if await self.say(client, thread, outcome.message()) and control != "why":
            await self.replied(claim)

    def _click(
        self, thread: Thread, claim: str, value: ButtonValue, control: str | None
    ) -> Turn | Literal["stale"] | None:
        # The button names its session; the thread must be that session's, in this workspace.
        if session_of(self.db, thread) != value.s:
            log.info("ignored a click whose session is not this thread's: %s", value.s)
            return None
        key = self.keys.key(thread.team_id)
        if control == "why":  # changes nothing: any message's "Why?" may be asked again
            return self._turn(key, value.s, [Text(text=self.sessions.why(key, value.s))])
        # One click per message: a double click, or a second person, finds it claimed. A click
        # whose first handling died before its reply went out is handled again later (Slack
        # never retries a click, but the user may click once more): its kept turn is sent.
        claimed = self.db.claim(claim, self.stale_before())
        if claimed is None:
            return None
        if claimed.reply is not None:
            return self._kept(key, claimed.reply)
        seq, _ = self.sessions.standing(key, value.s)
        if seq != value.n:
            return "stale"
        turn = self._turn(key, value.s, *_parts(self._apply(key, value, control)))
        self.db.keep_reply(claim, turn.kept())
        return turn

    def _apply(self, key: KeyRecord, value: ButtonValue, control: str | None) -> TurnReplies:
        if control is None:
            return self.sessions.answer(key, value.s, value.q, value.v)
        if control == "undo":
            return self.sessions.undo(key, value.s)
        if control == "restart":
            return self.sessions.restart(key, value.s)
        fixed = control == "fixed"
        return self.sessions.turn(key, value.s, lambda session: session.outcome(fixed))

    async def _close_message(
        self, client: AsyncWebClient, channel: str, message: Body, note: str
    ) -> None:
        """Replace the message's buttons by ``note``, so that it cannot be answered twice."""
        try:
            await client.chat_update(
                channel=channel,
                ts=str(message.get("ts", "")),
                text=str(message.get("text", "")),
                blocks=answered_blocks(list(message.get("blocks", [])), note),
            )
        except SlackApiError as error:
            log.warning("updating a message in %s failed: %s", channel, error.response.get("error"))

    # -- results from elsewhere -----------------------------------------------------------

    def results_joined(self, session_id: str, turned: TurnReplies) -> None:
        """Told by the session service, on any thread: post the replies in the session's
        thread, if it has one, from this process's event loop."""
        future = asyncio.run_coroutine_threadsafe(self._post_results(session_id, turned), self.loop)
        future.add_done_callback(_log_failure)

    def job_failed(self, session_id: str, message: str) -> None:
        """Told by the session service, on any thread: a table check of the session failed;
        say why in its thread, if it has one."""
        future = asyncio.run_coroutine_threadsafe(self._post_notice(session_id, message), self.loop)
        future.add_done_callback(_log_failure)

    async def _post_notice(self, session_id: str, notice: str) -> None:
        thread = await self.call(thread_of, self.db, session_id)
        if thread is None:
            return
        client = await self.client_for(thread.team_id)
        await self.say(client, thread, text_message(notice))

    async def _post_results(self, session_id: str, turned: TurnReplies) -> None:
        thread = await self.call(thread_of, self.db, session_id)
        if thread is None:
            return
        client = await self.client_for(thread.team_id)
        heading = Text(text="New results joined this conversation.")
        headed = [heading, *turned.replies]
        turn = await self.call(self._joined, thread, session_id, headed, turned.command)
        await self.say(client, thread, turn.message())

    def _joined(
        self,
        thread: Thread,
        session_id: str,
        replies: list[Reply],
        command: ProbeCommand | None,
    ) -> Turn:
        return self._turn(self.keys.key(thread.team_id), session_id, replies, command)


def _parts(turned: TurnReplies) -> tuple[list[Reply], ProbeCommand | None]:
    """A turn's replies and its ``unstuck probe`` command, which Slack renders from the data."""
    return turned.replies, turned.command


def _same_team(team_id: str, user_team: object) -> bool:
    """Whether the user belongs to the workspace (a shared channel brings in others)."""
    return bool(team_id) and (user_team is None or user_team == team_id)


def _log_failure(future: Any) -> None:
    error = future.exception()
    if error is not None:
        log.error("posting to a Slack thread failed: %r", error)
