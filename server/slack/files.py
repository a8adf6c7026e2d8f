"""A CSV or Parquet file shared in an unstuck thread: fetched with the bot token and checked.

The same limits and checks as ``POST /v1/sessions/{id}/tables``: the size limit (told before
the download, from ``files.info``, and held during it), the format, the cell limit, the label
column. The table job goes where the HTTP API's uploads go (``server.jobs.enqueue``): this
process's job threads, or the arq queue when ``UNSTUCK_REDIS_URL`` is set. Whichever process
runs it posts how it ended in the thread: the results that joined the session
(``SlackFrontEnd.results_joined``), or why the job failed (``SlackFrontEnd.job_failed``); so an
arq worker needs the same ``SLACK_*`` settings as the server (``server.worker``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from starlette.concurrency import run_in_threadpool

from server import jobs
from server.errors import ApiError, BadTable
from server.slack.blocks import text_message
from server.slack.download import FileProblem, download, too_large
from server.slack.frontend import SlackFrontEnd
from server.slack.threads import Thread, session_of
from server.tables import read_table, table_format

log = logging.getLogger("unstuck.server.slack")

#: Column names taken as the label when the file does not name one, case aside.
LABEL_NAMES = ("label", "target", "y", "class", "outcome")
_NAMED_LABEL = re.compile(r"\blabel\s*[:=]\s*`?([^\s`,;]+)`?", re.IGNORECASE)


class SharedTables:
    def __init__(self, front: SlackFrontEnd) -> None:
        self.front = front

    async def shared(self, client: AsyncWebClient, team_id: str, file_id: str) -> None:
        """A ``file_shared`` event: check the file when it was shared in an unstuck thread."""
        claim = f"file:{team_id}:{file_id}"
        if await self.front.claim(claim) is None:
            return
        try:
            info = (await client.files_info(file=file_id))["file"]
        except SlackApiError as error:
            log.warning("files.info %s failed: %s", file_id, error.response.get("error"))
            return
        for thread in _threads(team_id, info):
            session_id = await self.front.call(session_of, self.front.db, thread)
            if session_id is not None:
                await self._check(client, thread, session_id, info)
                break
        await self.front.replied(claim)

    async def _check(
        self, client: AsyncWebClient, thread: Thread, session_id: str, info: Mapping[str, Any]
    ) -> None:
        name = str(info.get("name") or info.get("title") or "the file")
        try:
            data = await self._download(client, info, name)
            label, rows, columns = await run_in_threadpool(self._read, name, data, info)
        except (ApiError, FileProblem) as error:
            message = error.message if isinstance(error, ApiError) else str(error)
            await self.front.say(client, thread, text_message(message))
            return
        settings = self.front.runtime.settings
        probes = ", ".join(settings.table_probes)
        await self.front.say(
            client,
            thread,
            text_message(
                f"Checking '{name}' ({rows} rows x {columns} columns, label '{label}'): "
                f"running {probes}. The results follow here."
            ),
        )
        key = await self.front.call(self.front.keys.key, thread.team_id)
        job = jobs.new_job(session_id, key.id, name, table_format(name, data), label)
        try:
            await jobs.enqueue(self.front.db, self.front.runtime.jobs, job, data)
        except ApiError as error:
            await self.front.say(client, thread, text_message(error.message))

    async def _download(self, client: AsyncWebClient, info: Mapping[str, Any], name: str) -> bytes:
        limit = self.front.runtime.settings.max_upload_bytes
        table_format(name, b"")  # refuses a file that is neither CSV nor Parquet, by its name
        size = int(info.get("size") or 0)
        if size > limit:
            raise FileProblem(too_large(name, size, limit))
        url = info.get("url_private_download") or info.get("url_private")
        if not url:
            raise FileProblem(f"Slack gave no download address for '{name}'. Share it again.")
        return await download(str(url), str(client.token), name, limit)

    def _read(self, name: str, data: bytes, info: Mapping[str, Any]) -> tuple[str, int, int]:
        settings = self.front.runtime.settings
        frame = read_table(name, data, table_format(name, data), settings.max_table_cells)
        label = label_column(frame, _said_with(info))
        if label is None:
            shown = ", ".join(str(c) for c in frame.columns[:40])
            raise BadTable(
                f"Which column of '{name}' is the label? Its columns are: {shown}. Share it "
                "again with 'label: COLUMN' in the file's title, or name the column one of: "
                f"{', '.join(LABEL_NAMES)}."
            )
        return label, len(frame), len(frame.columns)


def label_column(frame: pd.DataFrame, said: str) -> str | None:
    """The label column: the one named as ``label: NAME`` in ``said``, else one with a usual
    label name, else None."""
    columns = {str(column): str(column) for column in frame.columns}
    named = _NAMED_LABEL.search(said)
    if named and named.group(1) in columns:
        return named.group(1)
    lowered = {column.lower(): column for column in columns}
    for name in LABEL_NAMES:
        if name in lowered:
            return lowered[name]
    return None


def _said_with(info: Mapping[str, Any]) -> str:
    """What the user wrote with the file: its title and its first comment."""
    comment = info.get("initial_comment")
    said = comment.get("comment", "") if isinstance(comment, dict) else ""
    return f"{info.get('title') or ''} {said}"


def _threads(team_id: str, info: Mapping[str, Any]) -> list[Thread]:
    """Each thread the file was shared in (``shares.public`` and ``shares.private``)."""
    found = []
    for shares in (info.get("shares") or {}).values():
        for channel, places in (shares or {}).items():
            for place in places or []:
                thread_ts = place.get("thread_ts")
                if thread_ts:
                    found.append(Thread(team_id, str(channel), str(thread_ts)))
    return found
