"""Serving the hub: waitress, a pure-Python WSGI server that runs on Linux and Windows alike.

Each Server-Sent Events stream holds one worker thread, so the pool is sized for the streams
an office has (boards, consoles, the stand, visitors' phones) plus ordinary requests; see
``docs/decisions.md`` for why waitress.
"""
from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)

DEFAULT_THREADS = 320
DEFAULT_CONNECTIONS = 1000


def serve(app, host: str = "0.0.0.0", port: int = 8470, threads: int = DEFAULT_THREADS,
          connection_limit: int = DEFAULT_CONNECTIONS) -> None:
    from waitress import serve as waitress_serve

    from .api.live import LiveEvents

    log.info("Talon hub on http://%s:%d (%d threads)", host, port, threads)
    waitress_serve(LiveEvents(app, enabled=os.environ.get("TALON_SSE") != "threads"), host=host, port=port, threads=threads, connection_limit=connection_limit,
                   channel_timeout=300, backlog=2048, ident="talon", clear_untrusted_proxy_headers=True)
