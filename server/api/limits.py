"""Guessing is not free: sign-in, PIN and pairing attempts, limited per account and per address.

One limiter for the whole hub, in two layers:

* **Growing delays after failures** (:class:`AttemptGuard`, on the hub's :class:`~server.hub.Clock`,
  so a test hub's ``--testing-clock`` moves past a delay instead of sleeping). An account may fail
  ``FREE_ACCOUNT`` times; after that every failure makes the next attempt wait 1 s, 2 s, 4 s …
  up to 15 min, and while the wait lasts even the right password is refused (429). A success
  clears the account. An address (one computer, or an office behind one NAT) is counted apart,
  with a higher allowance, and only an account's first ``FREE_ACCOUNT`` failures count towards it:
  one operator who forgot a password slows that one account, never the whole office; an address
  that fails on many accounts (someone trying logins one after another) is slowed as a whole.
  Wrong pairing codes count per address (``FREE_PAIRING``).
* **A flat ceiling of requests per address** on the same routes (Flask-Limiter, its in-memory
  storage, real time): a brake on a flood of requests, each of which costs a password hash.

Failed and refused attempts are also counted over the last ``BURST_WINDOW`` seconds per address
and per office; at ``BURST_COUNT`` the office's log gets one ``auth.burst`` event, which the
administrator's stand shows as an alert (:func:`server.domain.alerts.security_alerts`).

Memory: records are kept for ``FORGET_AFTER`` seconds after their last failure, at most
``MAX_RECORDS`` of them (the oldest go first).
"""
from __future__ import annotations

import logging
import math
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from ..app_context import current_hub
from ..store import offices as office_store

log = logging.getLogger(__name__)

FREE_ACCOUNT = 5            # failures of one account before the delays begin
FREE_ADDRESS = 20           # failures from one address (first five of each account) before its delays
FREE_PAIRING = 10           # wrong pairing codes from one address before the delays
BASE_DELAY = 1.0            # the first delay, seconds; each further failure doubles it
MAX_DELAY = 15 * 60.0       # the longest delay
FORGET_AFTER = 24 * 3600.0  # a record with no failure for this long is forgotten
MAX_RECORDS = 50_000
BURST_WINDOW = 5 * 60.0     # failed sign-ins counted over this window for the stand's alert
BURST_COUNT = 20            # this many in the window raise the alert
FLOOD = "600 per minute"    # the flat ceiling per address on sign-in and pairing (real time)

KIND_FREE = {"account": FREE_ACCOUNT, "address": FREE_ADDRESS, "pairing": FREE_PAIRING}
Key = tuple[str, str]  # (kind, value): ("account", "op1"), ("address", "10.0.0.5"), ("pairing", "10.0.0.5")


def delay_after(failures: int, free: int) -> float:
    """Seconds to wait after the ``failures``-th failure: none within the allowance, then 1, 2, 4 … ≤ 15 min."""
    if failures <= free:
        return 0.0
    return min(BASE_DELAY * 2.0 ** min(failures - free - 1, 30), MAX_DELAY)


def wait_words(seconds: float) -> str:
    """«8 с», «2 мин 5 с», «15 мин»."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} с"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} мин" + (f" {rest} с" if rest else "")


@dataclass
class Record:
    failures: int = 0
    last: float = 0.0     # the last failure
    until: float = 0.0    # no attempt before this
    pending: int = 0      # attempts being checked right now


class AttemptGuard:
    """Failures per account, per address and per address for pairing codes, on ``clock``."""

    def __init__(self, clock: Callable[[], float]):
        self.clock = clock
        self._lock = threading.Lock()
        self._records: dict[Key, Record] = {}
        self._recent: dict[tuple[str, str], deque] = {}  # ("address"|"office", value) → (time, address, login)
        self._reported: dict[tuple[str, str, str], float] = {}  # (office, scope, value) → when last reported

    # ------------------------------------------------------------------ delays

    def wait(self, keys: list[Key]) -> float:
        """Seconds before an attempt under these keys may be checked (0: now)."""
        now = self.clock()
        with self._lock:
            return self._wait(keys, now)

    def _wait(self, keys: list[Key], now: float) -> float:
        wait = 0.0
        for key in keys:
            r = self._records.get(key)
            if r is None:
                continue
            if r.until > now:
                wait = max(wait, r.until - now)
            elif r.pending and r.failures and r.failures + r.pending >= KIND_FREE[key[0]]:
                # near or beyond the allowance one attempt at a time: parallel guesses do not slip
                # through (colleagues signing in at once with no failure never wait)
                wait = max(wait, BASE_DELAY)
        return wait

    @contextmanager
    def attempt(self, keys: list[Key]) -> Iterator[Attempt]:
        """Reserve an attempt (``Attempt.wait`` > 0: refused, do not check the secret); the caller
        marks it ``ok`` or leaves it failed; the records are updated when the block ends."""
        now = self.clock()
        with self._lock:
            wait = self._wait(keys, now)
            if wait <= 0:
                for key in keys:
                    self._record(key).pending += 1
        att = Attempt(wait)
        try:
            yield att
        except BaseException:
            if wait <= 0:  # the check itself broke (storage): release the reservation, count nothing
                with self._lock:
                    for key in keys:
                        if key in self._records:
                            self._records[key].pending = max(0, self._records[key].pending - 1)
            raise
        if wait <= 0:
            self._settle(keys, att)

    def _record(self, key: Key) -> Record:
        r = self._records.get(key)
        if r is None:
            if len(self._records) >= MAX_RECORDS:
                self._prune()
            r = self._records[key] = Record()
        return r

    def _prune(self) -> None:
        now = self.clock()
        for key in [k for k, r in self._records.items() if not r.pending and now - r.last > FORGET_AFTER]:
            del self._records[key]
        if len(self._records) >= MAX_RECORDS:
            idle = sorted((r.last, k) for k, r in self._records.items() if not r.pending)
            for _, key in idle[: len(idle) // 2 + 1]:
                del self._records[key]

    def _settle(self, keys: list[Key], att: Attempt) -> None:
        now = self.clock()
        with self._lock:
            account_over = False
            for key in keys:
                r = self._record(key)
                r.pending = max(0, r.pending - 1)
                kind = key[0]
                if att.ok:
                    if kind == "account":
                        del self._records[key]
                    continue
                if r.last and now - r.last > FORGET_AFTER:
                    r.failures = 0
                if kind == "account":
                    account_over = r.failures >= FREE_ACCOUNT
                elif kind == "address" and account_over:
                    continue  # this account is already slowed on its own: it does not slow the address
                r.failures += 1
                r.last = now
                r.until = now + delay_after(r.failures, KIND_FREE[kind])

    # ------------------------------------------------------------------ bursts, for the stand

    def note(self, *, address: str, offices: list[str], login: str | None) -> list[dict]:
        """Count one failed or refused attempt; answer the bursts (one per office and scope per
        window) to record as ``auth.burst`` events."""
        now = self.clock()
        out = []
        with self._lock:
            for scope, value in [("address", address)] + [("office", o) for o in offices]:
                q = self._recent.setdefault((scope, value), deque())
                q.append((now, address, login))
                while q and q[0][0] < now - BURST_WINDOW:
                    q.popleft()
                if len(q) < BURST_COUNT:
                    continue
                addresses = {a for _, a, _ in q}
                if scope == "office" and len(addresses) < 2:
                    continue  # all from one address: that address's alert says it
                logins = sorted({lg for _, _, lg in q if lg})
                for office in (offices if scope == "address" else [value]):
                    seen = self._reported.get((office, scope, value))
                    if seen is not None and now - seen < BURST_WINDOW:
                        continue
                    self._reported[(office, scope, value)] = now
                    out.append({"office": office, "scope": scope,
                                "address": value if scope == "address" else None,
                                "addresses": len(addresses), "attempts": len(q), "window": BURST_WINDOW,
                                "logins": [lg[:40] for lg in logins[:5]], "more_logins": max(0, len(logins) - 5)})
            if len(self._recent) > MAX_RECORDS:
                for key in [k for k, q in self._recent.items() if not q or q[-1][0] < now - BURST_WINDOW]:
                    del self._recent[key]
            if len(self._reported) > MAX_RECORDS:
                for key in [k for k, at in self._reported.items() if at < now - BURST_WINDOW]:
                    del self._reported[key]
        return out


@dataclass
class Attempt:
    wait: float
    ok: bool = False


# ---------------------------------------------------------------------- the hub's side

#: The hub's one Flask-Limiter (the flat ceiling per address); bound to the app by :func:`init_app`.
limiter = Limiter(key_func=lambda: client_address(), storage_uri="memory://", default_limits=[],
                  headers_enabled=False, strategy="moving-window")


def client_address() -> str:
    """The address the request came from (the hub is reached directly on the office's network)."""
    return request.remote_addr or "unknown"


def init_app(app) -> None:
    """Give the app its guard (on the hub's clock) and its limiter. Called once per app."""
    if "TALON_GUARD" in app.config:
        return
    hub = app.config["TALON_HUB"]
    app.config["TALON_GUARD"] = AttemptGuard(hub.clock.now)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _flood_answer)


def guard() -> AttemptGuard:
    return current_app.config["TALON_GUARD"]


def flood_limit():
    """The flat ceiling per address, as a decorator for a view."""
    return limiter.limit(FLOOD, key_func=client_address)


def _flood_answer(exc: RateLimitExceeded):
    seconds = int(exc.limit.limit.get_expiry()) if getattr(exc, "limit", None) else 60
    return refusal(seconds, "Слишком много запросов с этого компьютера", code="too_many_requests")


def refusal(seconds: float, what: str, code: str = "too_many_attempts", offices: list[str] | None = None):
    """429 with ``Retry-After`` (whole seconds) and a Russian message saying when to try again: in
    how long, and from a minute on also at what time by the office's clock (when there is one office)."""
    seconds = max(1, math.ceil(seconds))
    when = ""
    if seconds >= 60 and offices and len(offices) == 1:
        when = _office_clock(offices[0], current_hub().clock.now() + seconds)
    body = {"error": code,
            "message": f"{what}. Пожалуйста, повторите через {wait_words(seconds)}{when}",
            "details": {"retry_after": seconds}}
    resp = jsonify(body)
    resp.status_code = 429
    resp.headers["Retry-After"] = str(seconds)
    return resp


def _office_clock(office: str, at: float) -> str:
    """« (в 10:47)» in the office's time zone, or nothing if it can not be read."""
    try:
        tz = office_store.office_time_zone(current_hub().store, office)
        zone = ZoneInfo(tz) if tz else None
    except Exception:  # a time is a courtesy: never a reason for a 500
        return ""
    if zone is None:
        return ""
    local = datetime.fromtimestamp(at, zone)
    return f" (в {local:%H:%M})"


def record_bursts(bursts: list[dict]) -> None:
    """Write each burst into its office's log (the stand's alert reads it from there)."""
    if not bursts:
        return
    hub = current_hub()
    for b in bursts:
        office = b.pop("office")
        try:
            hub.record(office, "auth.burst", b)
            log.warning("office %s: %d failed sign-in attempts in %d s (%s %s)", office, b["attempts"],
                        int(b["window"]), b["scope"], b["address"] or "")
        except Exception:  # an alert must never turn a refusal into a 500
            log.exception("could not record a sign-in burst for office %s", office)


def all_offices() -> list[str]:
    hub = current_hub()
    return office_store.office_ids(hub.store)
