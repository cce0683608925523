"""Serving the hub: waitress, a pure-Python WSGI server that runs on Linux and Windows alike.

Each Server-Sent Events stream holds one worker thread, so the pool is sized for the streams
an office has (boards, consoles, the stand, visitors' phones) plus ordinary requests; see
``docs/decisions.md`` for why waitress.
"""
from __future__ import annotations

import ipaddress
import logging
import socket

log = logging.getLogger(__name__)

DEFAULT_THREADS = 320
DEFAULT_CONNECTIONS = 1000
#: Only this computer: the hub listens on the LAN only when told to (``talon hub --host``).
DEFAULT_HOST = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or a name) reaches this computer only. ``0.0.0.0`` and ``::``
    (every interface) are not loopback; a name is loopback when every address it resolves to is."""
    name = host.strip().strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def demo_logins_unchanged(store) -> list[str]:
    """Active users whose password is still the well-known demo one (``server/demo.py``)."""
    from werkzeug.security import check_password_hash

    from .demo import DEMO_PASSWORDS

    marks = ", ".join("?" for _ in DEMO_PASSWORDS)
    rows = store.query(f"SELECT login, password_hash FROM users WHERE active = 1 AND login IN ({marks})",
                       tuple(DEMO_PASSWORDS))
    return sorted(r["login"] for r in rows
                  if r["password_hash"] and check_password_hash(r["password_hash"], DEMO_PASSWORDS[r["login"]]))


def exposure_refusal(store, host: str) -> str | None:
    """Why the hub must not listen on ``host`` (a Russian message), or None when it may: on any
    address other computers can reach, no user may still have a demo password."""
    if is_loopback(host):
        return None
    unchanged = demo_logins_unchanged(store)
    if not unchanged:
        return None
    return (f"Хаб не запущен на адресе {host}: у пользователей {', '.join(unchanged)} остались "
            "демонстрационные пароли, известные всем. Смените их (стойка администратора, раздел "
            "пользователей) или запустите хаб только для этого компьютера: --host 127.0.0.1.")


def serve(app, host: str = DEFAULT_HOST, port: int = 8470, threads: int = DEFAULT_THREADS,
          connection_limit: int = DEFAULT_CONNECTIONS) -> None:
    from waitress import serve as waitress_serve

    from .api.live import LiveEvents
    from .settings import current as current_settings

    log.info("Talon hub on http://%s:%d (%d threads)", host, port, threads)
    waitress_serve(LiveEvents(app, enabled=current_settings().sse_broadcast), host=host, port=port,
                   threads=threads, connection_limit=connection_limit,
                   channel_timeout=300, backlog=2048, ident="talon", clear_untrusted_proxy_headers=True)
