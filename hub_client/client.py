"""HTTP calls to the hub: JSON in and out, bearer token, retries for safe calls, clear errors."""
from __future__ import annotations

import logging
import time
import uuid
from typing import Any, cast

import requests

log = logging.getLogger(__name__)

#: a JSON object as the hub answers it
JSON = dict[str, Any]


class HubError(Exception):
    """The hub answered and refused: ``status``, ``code`` and a Russian ``message`` to show."""

    def __init__(self, status: int, code: str, message: str, details: JSON | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details or {}


class HubUnavailable(Exception):
    """The hub could not be reached (network down, hub restarting)."""

    message = "Нет связи с сервером очереди"


class HubClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0, retries: int = 2) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.session = requests.Session()

    # ------------------------------------------------------------------ plumbing

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        h = {"Accept": "application/json"}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if extra:
            h.update(extra)
        return h

    def request(self, method: str, path: str, json: Any = None, params: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, retry: bool | None = None) -> Any:
        """Call the hub. Reads (and writes carrying an Idempotency-Key) are retried on network faults."""
        url = self.base_url + path
        if retry is None:
            retry = method == "GET" or bool(headers and "Idempotency-Key" in headers)
        attempts = 1 + (self.retries if retry else 0)
        last: Exception | None = None
        for attempt in range(attempts):
            try:
                resp = self.session.request(method, url, json=json, params=params, headers=self.headers(headers),
                                            timeout=self.timeout)
            except requests.RequestException as exc:
                last = exc
                log.warning("hub %s %s failed (%s), attempt %d/%d", method, path, exc, attempt + 1, attempts)
                if attempt + 1 < attempts:
                    time.sleep(min(0.2 * 2 ** attempt, 2.0))
                continue
            if resp.status_code == 204:
                return None
            try:
                body = resp.json()
            except ValueError:
                body = None
            if resp.status_code >= 400:
                if resp.status_code in (502, 503, 504) and attempt + 1 < attempts:
                    time.sleep(min(0.2 * 2 ** attempt, 2.0))
                    continue
                body = body if isinstance(body, dict) else {}
                raise HubError(resp.status_code, body.get("error", "error"),
                               body.get("message", f"Ошибка сервера ({resp.status_code})"), body.get("details"))
            return body
        raise HubUnavailable(str(last)) from last

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: JSON | None = None, idempotency_key: str | None = None) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", path, json=body if body is not None else {}, headers=headers)

    # ------------------------------------------------------------------ the hub's words

    def login(self, login: str, password: str | None = None, pin: str | None = None) -> JSON:
        body = {"login": login, **({"password": password} if password is not None else {"pin": pin})}
        result = cast(JSON, self.post("/api/v1/auth/login", body))
        self.token = result["token"]
        return result

    def pair(self, code: str) -> JSON:
        result = cast(JSON, self.post("/api/v1/devices/pair", {"code": code}))
        self.token = result["token"]
        return result

    def me(self) -> JSON:
        return cast(JSON, self.get("/api/v1/auth/me"))

    def offices(self) -> list[JSON]:
        return cast(list[JSON], self.get("/api/v1/offices"))

    def state(self, office: str) -> JSON:
        return cast(JSON, self.get(f"/api/v1/offices/{office}/state"))

    def issue(self, office: str, service: str, idempotency_key: str | None = None, **fields: Any) -> JSON:
        """Issue a ticket. A key is made if none is given, so a retry never makes a second ticket."""
        key = idempotency_key or uuid.uuid4().hex
        return cast(JSON, self.post(f"/api/v1/offices/{office}/tickets", {"service": service, **fields},
                                    idempotency_key=key))

    def ticket(self, ticket: int) -> JSON:
        return cast(JSON, self.get(f"/api/v1/tickets/{ticket}"))

    def call_next(self, window: int) -> JSON | None:
        return cast(JSON | None, self.post(f"/api/v1/windows/{window}/call-next"))

    def call(self, window: int, ticket: int) -> JSON:
        return cast(JSON, self.post(f"/api/v1/windows/{window}/call", {"ticket": ticket}))

    def act(self, ticket: int, action: str, **body: Any) -> JSON:
        """``recall``, ``start``, ``finish``, ``no-show``, ``transfer``, ``cancel``, ``phase``, …"""
        return cast(JSON, self.post(f"/api/v1/tickets/{ticket}/{action}", body))

    def set_accounts(self, ticket: int, accounts: int) -> JSON:
        """How many accounts the request covers (a per-account norm scales with it, 001:841)."""
        return cast(JSON, self.post(f"/api/v1/tickets/{ticket}/accounts", {"accounts": int(accounts)}))

    def check_in(self, office: str, code: str) -> JSON:
        """Check in for an appointment by its code (issue 16): the answer is the ticket, as ``issue``'s,
        with ``booking`` (code, on_time, time). Not retried: a second try answers 409 already_checked_in."""
        return cast(JSON, self.post(f"/api/v1/offices/{office}/bookings/{code}/check-in"))

    def window(self, window: int, action: str | None = None, **body: Any) -> JSON:
        if action is None:
            return cast(JSON, self.get(f"/api/v1/windows/{window}"))
        return cast(JSON, self.post(f"/api/v1/windows/{window}/{action}", body))

    def heartbeat(self, **status: Any) -> JSON:
        return cast(JSON, self.post("/api/v1/devices/heartbeat", status))

    def incident(self, kind: str, state: str, detail: str = "") -> JSON:
        return cast(JSON, self.post("/api/v1/devices/incidents", {"kind": kind, "state": state, "detail": detail}))

    def help(self, office: str, screen: str = "", comment: str = "") -> JSON:
        return cast(JSON, self.post(f"/api/v1/offices/{office}/help", {"screen": screen, "comment": comment}))
