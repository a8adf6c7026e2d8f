"""The workspace of a request and its organisation, as org-wide installs send them."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.async_app import AsyncBoltContext

from server.slack.workspaces import grid_team, workspace
from server.storage import TeamRecord

ORG_WIDE = {"enterprise_id": "E1", "team_id": None, "is_enterprise_install": True}


@pytest.mark.parametrize(
    ("context", "body", "team"),
    [
        ({"team_id": "T1"}, {"team_id": "T9"}, "T1"),
        (ORG_WIDE, {"team_id": "T2", "event": {"team": "T2"}}, "T2"),
        (ORG_WIDE, {"team": None, "user": {"id": "U1", "team_id": "T3"}}, "T3"),
        (ORG_WIDE, {"team": {"id": "T4"}, "user": {"team_id": "T4"}}, "T4"),
        (ORG_WIDE, {"event": {"team": "T5"}}, "T5"),
        (ORG_WIDE, {"enterprise_id": "E1"}, None),
    ],
    ids=[
        "the installation's team",
        "an event, org-wide",
        "a click whose team is null",
        "a click with its team",
        "only the event names it",
        "nothing names it",
    ],
)
def test_the_workspace_of_a_request(
    context: dict[str, Any], body: dict[str, Any], team: str | None
) -> None:
    assert workspace(body, AsyncBoltContext(context)) == team


def test_a_grid_request_names_the_organisation_and_the_kind_of_install() -> None:
    org_wide = AsyncBoltContext(ORG_WIDE)
    assert grid_team({"team_id": "T2"}, org_wide) == TeamRecord("T2", "E1", True)
    per_workspace = AsyncBoltContext({"enterprise_id": "E1", "team_id": "T3"})
    assert grid_team({}, per_workspace) == TeamRecord("T3", "E1", False)
    assert grid_team({}, AsyncBoltContext({"team_id": "T1"})) is None
