"""Slack: a teammate mentions @unstuck, sends it a DM or types ``/unstuck``, and the same
diagnosis as everywhere else comes back in a thread (one thread, one session).

``routes`` mounts Bolt at ``POST /slack/events`` (and the OAuth install routes); ``app``
builds the Bolt app and its listeners; ``frontend`` runs the turns after each ack;
``blocks`` renders replies in Block Kit; ``threads`` maps threads to sessions per workspace;
``installations`` keeps OAuth installations in the session store, found for each
workspace as ``workspaces`` reads it from a request (Enterprise Grid included); ``files``
checks tables shared in a thread, which ``download`` fetches. Set up from nothing: README,
section Slack.
"""

from server.slack.routes import router

__all__ = ["router"]
