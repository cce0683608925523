"""The one client for the hub: HTTP calls with retries, and the live event stream with resync.

Kiosk, console and board talk to the hub only through this module (DESIGN §2). It has no Qt in
it, so it is tested on its own and works the same on Linux and Windows.
"""
from .client import HubClient, HubError, HubUnavailable  # noqa: F401
from .stream import EventStream, HubEvent  # noqa: F401
