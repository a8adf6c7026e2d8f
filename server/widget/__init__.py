"""The help-portal widget: ``<script src=".../widget.js" data-key="KEY">`` embeds the chat.

``widget.js`` runs in the portal's page and adds a launcher and a panel; the panel is an
iframe (``/widget/frame``) served from here, so the portal and the chat cannot reach into each
other. The frame talks to the JSON API and its event stream with a session token
(``server.tokens``) that opens its own session only.
"""

from server.widget.routes import router

__all__ = ["router"]
