"""What every public form of the hub needs: a rate limiter and signed values (CSRF).

Used by the visitor's page (server/web/visitor.py) and the booking forms (server/web/booking.py).
Names and signatures here are a contract for both; keep them stable.

* :func:`check_limits` counts a request against in-memory sliding windows per client address and
  per token (:data:`LIMITS`), raising :class:`TooMany` when one is spent; :func:`count_miss`
  counts a wrong guess (an unknown token, a bad key): an address that guesses too often is
  paused altogether.
* :func:`sign` is an HMAC of ``purpose:value`` with the hub's persisted key (the ``site_keys``
  table, name ``visitor``: stable across restarts, so a printed desk QR keeps working);
  :func:`csrf_value` is the CSRF value of a visitor token and :func:`same` compares two values in
  constant time.

The state (limits, key) lives once per Flask app in ``app.extensions["talon_forms"]``.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable

from flask import current_app, request

from ..store import visitor as visitor_store

#: Rate limits: (requests, seconds). Phones on the guest Wi-Fi may share one address (NAT),
#: so the per-address limits are wide; a token is one phone; unknown tokens are the abuse.
LIMITS = {
    "address": (1200, 60.0),   # every visitor request from one address
    "token": (60, 60.0),       # page, JSON, stream opens of one ticket (polling is 15 a minute)
    "post": (10, 60.0),        # rating submissions of one ticket
    "miss": (30, 60.0),        # unknown or expired tokens, bad desk keys, from one address
}


class SlidingWindow:
    """At most ``limit`` hits per ``period`` seconds per key (a log of hit times per key)."""

    def __init__(self, limit: int, period: float, max_keys: int = 20000,
                 clock: Callable[[], float] = time.monotonic):
        self.limit, self.period, self.max_keys, self.clock = limit, period, max_keys, clock
        self.hits: dict[object, deque] = {}
        self.lock = threading.Lock()

    def _trim(self, key, now: float) -> deque:
        dq = self.hits.get(key)
        if dq is None:
            dq = deque()
            if len(self.hits) >= self.max_keys:
                self._prune(now)
            self.hits[key] = dq
        while dq and dq[0] <= now - self.period:
            dq.popleft()
        return dq

    def _prune(self, now: float) -> None:
        for k in [k for k, dq in self.hits.items() if not dq or dq[-1] <= now - self.period]:
            del self.hits[k]
        while len(self.hits) >= self.max_keys:  # still full: forget the quietest keys
            del self.hits[min(self.hits, key=lambda k: self.hits[k][-1] if self.hits[k] else 0.0)]

    def blocked(self, key) -> float:
        """Seconds until ``key`` may be hit again (0: it may now). Does not count a hit."""
        with self.lock:
            now = self.clock()
            dq = self.hits.get(key)
            if not dq:
                return 0.0
            while dq and dq[0] <= now - self.period:
                dq.popleft()
            return max(0.0, dq[0] + self.period - now) if len(dq) >= self.limit else 0.0

    def hit(self, key) -> float:
        """Count a hit; answer 0 if it was allowed, else the seconds to wait (not counted)."""
        with self.lock:
            now = self.clock()
            dq = self._trim(key, now)
            if len(dq) >= self.limit:
                return max(0.001, dq[0] + self.period - now)
            dq.append(now)
            return 0.0


class TooMany(Exception):
    """A limit is spent: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: float):
        super().__init__("too many requests")
        self.retry_after = retry_after


class FormGuard:
    """The limits and the signing key of one app."""

    def __init__(self, app):
        self.app = app
        self.limits = {name: SlidingWindow(*spec) for name, spec in LIMITS.items()}
        self._key: bytes | None = None
        self._key_lock = threading.Lock()

    def key(self) -> bytes:
        if self._key is None:
            with self._key_lock:
                if self._key is None:
                    self._key = visitor_store.site_key(self.app.config["TALON_HUB"].store, "visitor")
        return self._key

    def sign(self, purpose: str, value: str, length: int = 22) -> str:
        mac = hmac.new(self.key(), f"{purpose}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")[:length]


_guard_lock = threading.Lock()


def guard(app=None) -> FormGuard:
    """The app's :class:`FormGuard` (made on first use)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("talon_forms")
    if found is None:
        with _guard_lock:
            found = app.extensions.setdefault("talon_forms", FormGuard(app))
    return found


def client_address() -> str:
    return request.remote_addr or "?"


def check_limits(token: str | None = None, post: bool = False) -> None:
    """Count this request against the limits; raise :class:`TooMany` when one is spent."""
    limits = guard().limits
    addr = client_address()
    wait = limits["miss"].blocked(addr)  # an address that guesses tokens is paused altogether
    if not wait:
        wait = limits["address"].hit(addr)
    if not wait and token is not None:
        wait = limits["token"].hit(token)
    if not wait and post and token is not None:
        wait = limits["post"].hit(token)
    if wait:
        raise TooMany(wait)


def count_miss() -> None:
    """Count a wrong guess (an unknown token, a bad desk key) of this client's address."""
    guard().limits["miss"].hit(client_address())


def sign(purpose: str, value: str, length: int = 22) -> str:
    """HMAC-SHA256 of ``purpose:value`` with the hub's persisted key, URL-safe, ``length`` characters."""
    return guard().sign(purpose, value, length)


def csrf_value(token: str) -> str:
    """The CSRF value the visitor page's forms of this ticket token carry."""
    return sign("csrf", token, 32)


def same(given: object, expected: str) -> bool:
    """``given`` (what a form sent; anything) equals ``expected``, compared in constant time."""
    return isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode())
