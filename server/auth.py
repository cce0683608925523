"""Sign-in: hashed passwords and PINs, bearer tokens for users and paired devices."""
from __future__ import annotations

import hashlib
import json
import secrets
import time
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from .store import Store
from .store import users as user_store

USER_TOKEN_TTL = 14 * 3600.0        # one working day and a bit
DEVICE_TOKEN_TTL = 5 * 365 * 86400.0  # a paired kiosk or board keeps its key
PAIRING_TTL = 15 * 60.0

# a hash to compare against when the login is unknown, so timing does not tell logins apart
_DUMMY = generate_password_hash("not-a-password")


@dataclass
class Principal:
    """Who is signed in: a user (``login``) or a paired device (``device``), their roles and office
    (``None`` for a user of every office)."""
    login: str | None
    device: str | None
    roles: tuple[str, ...]
    office: str | None

    @property
    def who(self) -> str:
        return self.login or f"device:{self.device}"

    def may_act_in(self, office: str) -> bool:
        return self.office is None or self.office == office


def token_hash(token: str) -> str:
    """What the store keeps of a token, a pairing code or a key: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


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
        user = user_store.active_user(self.store, login)
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
        user_store.save_token(self.store, token_hash(token), login=login, device=device, roles=roles, office=office,
                              created=now, expires=now + ttl)
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
        row = user_store.token(self.store, key)
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
        user_store.drop_token(self.store, token_hash(token))

    # ------------------------------------------------------------------ devices

    def create_device(self, office: str, kind: str, name: str) -> dict:
        """A kiosk or board to pair: the administrator reads its one-time code off the stand."""
        device_id = f"{kind}-{secrets.token_hex(4)}"
        code = f"{secrets.randbelow(10**6):06d}"
        user_store.add_device_to_pair(self.store, device_id, office, kind, name, token_hash(code),
                                      time.time() + PAIRING_TTL)
        return {"id": device_id, "office": office, "kind": kind, "name": name, "pairing_code": code,
                "expires_in": int(PAIRING_TTL)}

    def pair(self, code: str) -> dict | None:
        row = user_store.device_waiting_for(self.store, token_hash(code), time.time())
        if row is None:
            return None
        token = self._issue(login=None, device=row["id"], roles=[row["kind"]], office=row["office"],
                            ttl=DEVICE_TOKEN_TTL)
        user_store.mark_paired(self.store, row["id"], time.time())
        return {"token": token, "device": row["id"], "office": row["office"], "kind": row["kind"],
                "roles": [row["kind"]]}

    def device_key(self, office: str, kind: str, name: str, device_id: str) -> str:
        """Create a device already paired, with its key (``talon init --demo`` uses this)."""
        user_store.add_paired_device(self.store, device_id, office, kind, name, time.time())
        return self._issue(login=None, device=device_id, roles=[kind], office=office, ttl=DEVICE_TOKEN_TTL)

    def revoke_device(self, conn, device_id: str) -> list[str]:
        """Withdraw a device inside the caller's write (``conn``): its keys, a code not yet used and
        its row go. Call :meth:`forget_keys` with the answer once the write is committed."""
        return user_store.remove_device(conn, device_id)

    def forget_keys(self, keys: list[str]) -> None:
        """Withdrawn keys stop working in this process at once, not when their cache entry expires."""
        self._revoked.update(keys)
        for key in keys:
            self._cache.pop(key, None)
