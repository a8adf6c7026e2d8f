"""The Slack front end's settings: Slack's own variable names, as Slack's guides use them."""

from __future__ import annotations

from functools import lru_cache

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLACK_", extra="ignore")

    signing_secret: SecretStr | None = None
    """``SLACK_SIGNING_SECRET``: Basic Information > App Credentials. Set, ``POST /slack/events``
    answers Slack (every request's signature checked by Bolt)."""
    bot_token: SecretStr | None = None
    """``SLACK_BOT_TOKEN`` (``xoxb-...``): one workspace. Unset, the OAuth flow installs the app
    in each workspace and the tokens are kept in the session store."""
    client_id: str | None = None
    """``SLACK_CLIENT_ID``: with ``SLACK_CLIENT_SECRET``, turns on ``/slack/install``."""
    client_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    """``SLACK_APP_TOKEN`` (``xapp-...``): Socket Mode, for a service Slack cannot reach."""
    socket_mode: bool = False
    """``SLACK_SOCKET_MODE``: set by ``unstuck serve --slack-socket-mode``."""

    @property
    def oauth(self) -> bool:
        return self.client_id is not None and self.client_secret is not None

    @property
    def enabled(self) -> bool:
        """Whether this process answers Slack at all."""
        return self.signing_secret is not None or self.socket_mode

    def problems(self) -> str | None:
        """What is missing for the Slack front end as configured, or None when nothing is."""
        if not self.enabled:
            return None
        if self.bot_token is None and not self.oauth:
            return (
                "Slack is on but has no bot token: set SLACK_BOT_TOKEN (xoxb-..., one "
                "workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the OAuth install flow)."
            )
        if self.socket_mode and self.app_token is None:
            return (
                "--slack-socket-mode needs SLACK_APP_TOKEN (xapp-..., Basic Information > "
                "App-Level Tokens, with the connections:write scope)."
            )
        if self.oauth and self.signing_secret is None:
            return "The OAuth install flow needs SLACK_SIGNING_SECRET as well."
        return None


@lru_cache
def get_slack_settings() -> SlackSettings:
    return SlackSettings()
