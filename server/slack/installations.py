"""Bolt's OAuth installations and state, kept in unstuck's own session store.

So that every server process (and a restarted one) finds the bot token of each workspace that
installed the app, in SQLite or PostgreSQL alike, instead of in files beside one process.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from server.storage import Database, TeamRecord

#: Runs a store call where the store may block (``server.slack.app.SlackFrontEnd.call``).
Call = Callable[..., Awaitable[Any]]
log = logging.getLogger("unstuck.server.slack")


class DatabaseInstallationStore(AsyncInstallationStore):
    """One installation per workspace (or organisation), the latest one winning.

    Keyed as slack-bolt's own stores key them (``FileInstallationStore``,
    ``SQLAlchemyInstallationStore``): ``(enterprise_id, team_id)``, with the team left out for
    an org-wide install, whose one installation serves every workspace of the organisation."""

    def __init__(self, db: Database, call: Call) -> None:
        self.db = db
        self.call = call
        self._teams: dict[str, TeamRecord] = {}

    async def remember(self, team: TeamRecord) -> None:
        """Keep the organisation of a workspace that a request came from (once per process
        while it stays the same), for ``bot_for_team``."""
        if self._teams.get(team.team_id) == team:
            return
        await self.call(self.db.save_team, team)
        self._teams[team.team_id] = team

    async def bot_for_team(self, team_id: str) -> Bot | None:
        """The bot for work in a workspace that no request brought (a probe report or a table
        check joining a thread later), found as Bolt finds it for a request from there: with
        the organisation and the kind of install the workspace's requests showed, or, for a
        workspace outside Enterprise Grid, by its team alone."""
        team = self._teams.get(team_id) or await self.call(self.db.team, team_id)
        if team is None:
            return await self.async_find_bot(enterprise_id=None, team_id=team_id)
        return await self.async_find_bot(
            enterprise_id=team.enterprise_id,
            team_id=team_id,
            is_enterprise_install=team.enterprise_install,
        )

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        data = json.dumps(installation.__dict__)
        enterprise, team = _ids(installation.enterprise_id, installation.team_id)
        await self.call(self.db.save_installation, enterprise, team, data)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        # An org-wide install is the organisation's: a request from any of its workspaces
        # finds it without the team (Bolt passes is_enterprise_install from the payload).
        team = None if is_enterprise_install else team_id
        data = await self.call(self.db.installation, *_ids(enterprise_id, team))
        return None if data is None else Installation(**json.loads(data))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        installation = await self.async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if installation is None or installation.bot_token is None:
            return None
        return installation.to_bot()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is not None:
            return  # a person's own token was revoked: only bot tokens are kept, so none is ours
        await self.call(self.db.delete_installation, *_ids(enterprise_id, team_id))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.call(self.db.delete_installation, *_ids(enterprise_id, team_id))

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.call(self.db.delete_installation, *_ids(enterprise_id, team_id))


class DatabaseStateStore(AsyncOAuthStateStore):
    """The OAuth ``state`` values, each usable once until it expires, by any process."""

    def __init__(self, db: Database, call: Call, expiration_s: int = 600) -> None:
        self.db = db
        self.call = call
        self.expiration_s = expiration_s

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self.call(self.db.add_oauth_state, state, time.time() + self.expiration_s)
        return state

    async def async_consume(self, state: str) -> bool:
        consumed: bool = await self.call(self.db.consume_oauth_state, state)
        return consumed


def _ids(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    """The store's key: an absent id is '' (SQL primary keys cannot be NULL)."""
    return enterprise_id or "", team_id or ""
