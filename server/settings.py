"""The service's settings, read from ``UNSTUCK_*`` environment variables (docs/server.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    folder = Path(platformdirs.user_data_dir("unstuck", appauthor=False))
    return f"sqlite:///{folder / 'sessions.sqlite3'}"


class SeedKey(BaseModel):
    """An API key the service creates at start-up when it does not exist yet."""

    name: str
    key: str = Field(min_length=16)
    origins: list[str] = Field(default_factory=list)
    revoked: bool = False
    """True revokes the key at start-up (it stays revoked: removing the flag does not bring it
    back). ``unstuck revoke-key`` revokes it without a restart."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNSTUCK_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    """``sqlite:///path/file.sqlite3`` (the default, under the user's data directory) or
    ``postgresql://user:password@host/db``."""
    redis_url: str | None = None
    """When set, table jobs go through an arq queue in Redis and an ``arq server.worker.
    WorkerSettings`` process runs them; otherwise a child process of the server does."""
    public_url: str = "http://127.0.0.1:8000"
    """The address users reach the service at, used in the ``unstuck probe`` command we show."""
    seed_keys: list[SeedKey] = Field(default_factory=list)
    """API keys to create at start-up, as JSON: ``[{"name", "key", "origins", "revoked"}]``."""
    rate_limit: int = 600
    """Requests allowed per API key in each rate window."""
    rate_window_s: float = 60.0
    max_body_bytes: int = 1_048_576
    """Largest JSON body accepted."""
    max_upload_bytes: int = 20_971_520
    """Largest table upload accepted."""
    max_table_cells: int = 20_000_000
    """Largest table (rows x columns) accepted, checked before a Parquet file is decoded."""
    job_wall_s: int = 300
    """Wall-clock limit of one table job."""
    job_cpu_s: int = 300
    """CPU-time limit of one table job."""
    job_memory_mb: int = 4096
    """Address-space limit of one table job's process."""
    job_workers: int = 1
    """Table jobs run at once by one server process (embedded worker)."""
    table_probes: list[str] = Field(default_factory=lambda: ["data_checks", "baselines"])
    """The probes a table upload runs, in order."""
    probe_registry: str = "probes.registry:PROBES"
    """Where the probe functions are found, as ``module:name`` (set by the operator only)."""
    turns_on_loop: bool | None = None
    """Run each dialogue turn on the event loop rather than in a worker thread (the hop costs
    more CPU than the turn). Unset: yes with SQLite; no with PostgreSQL, where a slow or
    unreachable database would then hold up every request of the process. Set it to true for
    a PostgreSQL on the same host or network."""
    session_cache: int = 512
    """Replayed sessions kept in memory per process. A miss costs a replay (a few ms); each
    cached session is some 80 objects that every full garbage collection walks, which pauses
    the process (about 20 ms at 512, 85 ms at 2048)."""
    sse_poll_s: float = 0.2
    """How often an event stream looks for new events."""
    sse_ping_s: float = 15.0
    """Comment lines sent on an idle event stream so proxies keep it open."""
    token_secret: SecretStr | None = Field(default=None, min_length=32)
    """Signs the session tokens of the help-portal widget and of ``unstuck probe`` (see
    ``server.tokens``). Every server process must have the same one, or a token issued by one
    process is refused by the next; changing it ends every token. Unset: the widget answers 503
    and says to set it."""
    widget_token_ttl_s: int = Field(default=86_400, gt=0)
    """How long a widget's session token (and the ``unstuck probe`` token it shows) lasts; the
    widget renews it while its page is open, checking its key again each time."""
    stream_token_ttl_s: int = Field(default=60, gt=0)
    """How long the widget's event-stream token, which travels in the query string, can be used
    to open the stream."""
    slack_api_url: str = "https://slack.com/api/"
    """Where the Slack front end calls Slack's Web API (another address in tests only)."""
    slack_probe_token_ttl_s: int = Field(default=86_400, gt=0)
    """How long the token in an ``unstuck probe`` command shown in Slack lasts."""
    slack_takeover_s: float = Field(default=120.0, gt=0)
    """How long a Slack message (or click, or shared file) claimed by one delivery may go
    without its reply being sent before a retry of its event may take it over: the holder is
    then taken for dead (a crash, a failed post). Longer than the slowest healthy reply (a turn
    and a post that waits out Slack's 429s), and short enough that Slack's last retry, some
    5 minutes after the event, still finds the claim stale."""


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_problems(error: ValidationError) -> str:
    """Each wrong ``UNSTUCK_*`` variable with what it holds and what it should hold."""
    problems = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "?"
        problems.append(f"UNSTUCK_{field.upper()}={item['input']!r}: {item['msg']}")
    return "; ".join(problems)
