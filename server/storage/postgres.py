"""The session store in PostgreSQL, which several server processes share.

psycopg is an optional dependency (the ``postgres`` extra): it is imported on first connection,
so that a missing driver is reported as a store that cannot be opened.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from server.storage.records import StreamItem
from server.storage.sql import SQLDatabase, schema

if TYPE_CHECKING:
    import psycopg

#: ``commit_turn`` as one statement, so one round trip and one transaction (the connection is in
#: autocommit): the inserts take their rows from the sequence check's ``RETURNING``, so they
#: write nothing when it matched no row.
COMMIT_TURN = """
WITH moved AS (
    UPDATE sessions SET seq = %(new)s, stream_seq = stream_seq + %(count)s
    WHERE id = %(id)s AND seq = %(old)s RETURNING stream_seq
), new_events AS (
    INSERT INTO events (session_id, seq, event, replies)
    SELECT %(id)s, %(old)s + e.n, e.event, e.replies
    FROM moved, unnest(%(events)s::text[], %(replies)s::text[]) WITH ORDINALITY
        AS e(event, replies, n)
), new_items AS (
    INSERT INTO stream (session_id, seq, kind, data)
    SELECT %(id)s, moved.stream_seq - %(count)s + i.n, i.kind, i.data
    FROM moved, unnest(%(kinds)s::text[], %(data)s::text[]) WITH ORDINALITY AS i(kind, data, n)
)
SELECT stream_seq FROM moved
"""


class PostgresDatabase(SQLDatabase["psycopg.Connection[Any]"]):
    dialect: Literal["postgres"] = "postgres"

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg

        url = self.url.replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(url, autocommit=True)

    def _failures(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.OperationalError,)

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s")

    def _transaction(
        self, conn: psycopg.Connection[Any], write: bool
    ) -> Iterator[psycopg.Cursor[Any]]:
        if not write:
            with conn.cursor() as cur:
                yield cur
            return
        with conn.transaction(), conn.cursor() as cur:
            yield cur

    def create_schema(self) -> None:
        with self._cursor(write=True) as cur:
            # Several processes may start at once: only one creates the tables.
            cur.execute("SELECT pg_advisory_xact_lock(7431)")
            for statement in schema(blob="BYTEA"):
                cur.execute(statement)

    def commit_turn(
        self,
        session_id: str,
        expected_seq: int,
        events: Sequence[tuple[str, str]],
        stream: Sequence[StreamItem],
    ) -> bool:
        with self._cursor(write=False) as cur:
            row = cur.execute(
                COMMIT_TURN,
                {
                    "id": session_id,
                    "old": expected_seq,
                    "new": expected_seq + len(events),
                    "events": [event for event, _ in events],
                    "replies": [replies for _, replies in events],
                    "count": len(stream),
                    "kinds": [item.kind for item in stream],
                    "data": [item.data for item in stream],
                },
            ).fetchone()
        return row is not None
