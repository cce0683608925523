"""Sign-in: hashed passwords and PINs, bearer tokens for users and paired devices."""
from __future__ import annotations

import json
import secrets
import time

from werkzeug.security import check_password_hash, generate_password_hash

from .api.framework import Principal, token_hash
from .store import Store

USER_TOKEN_TTL = 14 * 3600.0        # one working day and a bit
DEVICE_TOKEN_TTL = 5 * 365 * 86400.0  # a paired kiosk or board keeps its key
PAIRING_TTL = 15 * 60.0

# a hash to compare against when the login is unknown, so timing does not tell logins apart
_DUMMY = generate_password_hash("not-a-password")


def new_token() -> str:
    """A random bearer token (256 bits, URL-safe) that never starts with «-», so that it can follow
    ``--key`` on a command line (``talon kiosk --key -x…`` would read as a missing value)."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


class Auth:
    def __init__(self, store: Store, cache_seconds: float = 30.0):
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._revoked: set[str] = set()  # hashes of device keys withdrawn while this process runs

    def login(self, login: str, password: str | None = None, pin: str | None = None) -> dict | None:
        user = self.store.one("SELECT * FROM users WHERE login = ? AND active = 1", (login,))
        if password is not None:
            ok = check_password_hash(user["password_hash"] if user else _DUMMY, password)
        elif pin is not None:
            ok = bool(user and user["pin_hash"]) and check_password_hash(user["pin_hash"], str(pin))
        else:
            ok = False
        if not (user and ok):
            return None
        roles = json.loads(user["roles"])
        token = self._issue(login=login, device=None, roles=roles, office=user["office"], ttl=USER_TOKEN_TTL)
        return {"token": token, "roles": roles, "login": login, "name": user["name"], "office": user["office"]}

    def _issue(self, *, login, device, roles, office, ttl) -> str:
        token = new_token()
        now = time.time()
        with self.store.write() as conn:
            conn.execute("INSERT INTO tokens (token_hash, login, device, roles, office, created, expires) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (token_hash(token), login, device, json.dumps(roles), office, now, now + ttl))
        return token

    def principal(self, token: str) -> Principal | None:
        """Who holds this token (looked up at most every ``cache_seconds``; logout forgets at once)."""
        key = token_hash(token)
        if key in self._revoked:  # a withdrawn device key: refused at once, whatever the cache holds
            return None
        now = time.time()
        cached = self._cache.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        row = self.store.one("SELECT * FROM tokens WHERE token_hash = ?", (key,))
        principal = None
        if row is not None and row["expires"] >= now:
            principal = Principal(login=row["login"], device=row["device"], roles=tuple(json.loads(row["roles"])),
                                  office=row["office"])
        if len(self._cache) > 10000:
            self._cache.clear()
        expires = min(now + self.cache_seconds, row["expires"]) if row else now + self.cache_seconds
        self._cache[key] = (expires, principal)
        return principal

    def logout(self, token: str) -> None:
        self._cache.pop(token_hash(token), None)
        with self.store.write() as conn:
            conn.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash(token),))

    # ------------------------------------------------------------------ devices

    def create_device(self, office: str, kind: str, name: str) -> dict:
        """A kiosk or board to pair: the administrator reads its one-time code off the stand."""
        device_id = f"{kind}-{secrets.token_hex(4)}"
        code = f"{secrets.randbelow(10**6):06d}"
        with self.store.write() as conn:
            conn.execute("INSERT INTO devices (id, office, kind, name, pairing_code_hash, pairing_expires) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         (device_id, office, kind, name, token_hash(code), time.time() + PAIRING_TTL))
        return {"id": device_id, "office": office, "kind": kind, "name": name, "pairing_code": code,
                "expires_in": int(PAIRING_TTL)}

    def pair(self, code: str) -> dict | None:
        row = self.store.one("SELECT * FROM devices WHERE pairing_code_hash = ? AND pairing_expires > ?",
                             (token_hash(code), time.time()))
        if row is None:
            return None
        token = self._issue(login=None, device=row["id"], roles=[row["kind"]], office=row["office"],
                            ttl=DEVICE_TOKEN_TTL)
        with self.store.write() as conn:
            conn.execute("UPDATE devices SET pairing_code_hash = NULL, pairing_expires = NULL, paired_at = ? "
                         "WHERE id = ?", (time.time(), row["id"]))
        return {"token": token, "device": row["id"], "office": row["office"], "kind": row["kind"],
                "roles": [row["kind"]]}

    def device_key(self, office: str, kind: str, name: str, device_id: str) -> str:
        """Create a device already paired, with its key (``talon init --demo`` uses this)."""
        with self.store.write() as conn:
            conn.execute("INSERT OR IGNORE INTO devices (id, office, kind, name, paired_at) VALUES (?, ?, ?, ?, ?)",
                         (device_id, office, kind, name, time.time()))
        return self._issue(login=None, device=device_id, roles=[kind], office=office, ttl=DEVICE_TOKEN_TTL)

    def revoke_device(self, conn, device_id: str) -> list[str]:
        """Withdraw a device inside the caller's write (``conn``): its keys, a code not yet used and
        its row go. Call :meth:`forget_keys` with the answer once the write is committed."""
        keys = [r[0] for r in conn.execute("SELECT token_hash FROM tokens WHERE device = ?", (device_id,))]
        conn.execute("DELETE FROM tokens WHERE device = ?", (device_id,))
        conn.execute("DELETE FROM devices WHERE id = ?", (device_id,))
        return keys

    def forget_keys(self, keys: list[str]) -> None:
        """Withdrawn keys stop working in this process at once, not when their cache entry expires."""
        self._revoked.update(keys)
        for key in keys:
            self._cache.pop(key, None)
