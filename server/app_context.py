"""The hub's parts as the request's app holds them, typed (issue 15 point 4): one accessor instead
of a ``_hub()`` helper in every route module."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:  # the hub imports the routes' neighbours; only the type is needed here
    from .hub import Hub


def current_hub() -> Hub:
    """The :class:`server.hub.Hub` of the app serving this request."""
    return current_app.config["TALON_HUB"]
