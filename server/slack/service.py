"""The Slack front end of one server process: built at start-up when Slack is configured."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from fastapi import Request, Response
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.adapter.socket_mode.websockets import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp

from server.errors import MalformedJson
from server.runtime import Runtime
from server.slack.app import build_bolt
from server.slack.frontend import SlackFrontEnd
from server.slack.settings import SlackSettings

log = logging.getLogger("unstuck.server.slack")


@dataclass
class SlackService:
    front: SlackFrontEnd
    bolt: AsyncApp
    handler: AsyncSlackRequestHandler | None
    socket: AsyncSocketModeHandler | None

    async def handle(self, request: Request) -> Response:
        if self.handler is None:
            raise RuntimeError("Slack's requests come over Socket Mode here; see routes._service")
        try:
            return await self.handler.handle(request)
        except ValueError as error:
            # Bolt parses the body before anything else, its signature check included.
            raise MalformedJson(
                f"The request body is not one Slack sends ({error}). Events come as JSON; "
                "slash commands and clicks as forms, a click's 'payload' field holding JSON."
            ) from error

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
        await self.front.close()


async def start(runtime: Runtime, config: SlackSettings) -> SlackService | None:
    """The front end, or None when Slack is not configured; in Socket Mode it connects."""
    if not config.enabled:
        return None
    problems = config.problems()
    if problems:
        raise ValueError(problems)
    front = SlackFrontEnd(runtime, config)
    bolt = build_bolt(front)
    socket = None
    handler = None
    if config.socket_mode and config.app_token is not None:
        socket = AsyncSocketModeHandler(bolt, config.app_token.get_secret_value())
        await socket.connect_async()  # type: ignore[no-untyped-call]
        log.info("Slack: connected in Socket Mode")
    if config.signing_secret is not None:
        handler = AsyncSlackRequestHandler(bolt)
    return SlackService(front, bolt, handler, socket)


async def start_poster(runtime: Runtime, config: SlackSettings) -> SlackFrontEnd | None:
    """The front end without Bolt, or None when Slack is not configured: for a process that
    takes no requests from Slack but runs work whose results join Slack's sessions (the arq
    worker), and posts them, or why a check failed, in their threads."""
    if not config.enabled:
        return None
    problems = config.problems()
    if problems:
        raise ValueError(problems)
    return SlackFrontEnd(runtime, config)
