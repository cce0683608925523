"""The company catalogue (issue 11, point 5): what the company sets for every office.

Pure rules, no SQL and no Flask: the centre checks a catalogue before it publishes it
(server/central/catalogue_routes.py, ``talon central catalogue publish``), cuts each office's view
out of it, and the office hub checks that view again before it applies it
(server/catalogue_pull.py): a hub never trusts the link more than its own rules.

A catalogue (JSON)::

    {"services": [{"id": "consult", "letter": "А", "name": "Консультация", "kind": "consultation",
                   "order": 1, "hint": "…", "local": "local_allowed"}, …],
     "norms": {"profile": "rosatom-2026", "overrides": {…as the hub's profile_overrides…},
               "local": "locked"},
     "texts": {"greeting": {"text": "Здравствуйте!", "local": "local_allowed"}, …},
     "heads": [{"login": "ivanova", "name": "Иванова Мария Петровна", "office": "lenina"}],
     "exceptions": {"lenina": {"without_services": ["cash"]}}}

``local`` says whether an office may change the setting on its own stand: ``locked`` (the
company's value always; the hub refuses a change with 403 ``locked_by_company``) or
``local_allowed`` (the office's change survives the next versions). The norm overrides are
checked by the hub's own schema (server/api/schemas.py ``NORM_OVERRIDES``) and the hub's own
:func:`server.domain.norms.profile`.
"""
from __future__ import annotations

import hashlib
import json

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ..api import schemas as S
from ..domain.norms import PRESETS
from ..domain.norms import profile as norm_profile

LOCAL = ("locked", "local_allowed")
TEXT_KEYS = tuple(S.TEXTS["properties"])
SERVICE_FIELDS = ("id", "letter", "name", "kind", "order", "hint")
LOGIN = {"type": "string", "pattern": r"^[a-zA-Z0-9_.-]{2,40}$"}

_SERVICE = S.obj({
    "id": S.ID, "letter": S.SERVICE["properties"]["letter"], "name": S.SHORT,
    "kind": S.SERVICE["properties"]["kind"], "order": S.SERVICE["properties"]["order"],
    "hint": S.SERVICE["properties"]["hint"], "local": {"enum": list(LOCAL)},
}, ["id", "letter", "name", "kind"])
_NORMS = S.obj({"profile": {"enum": sorted(PRESETS)}, "overrides": S.NORM_OVERRIDES,
                "local": {"enum": list(LOCAL)}}, ["profile"])
_TEXTS = S.obj({k: S.obj({"text": {"type": "string", "maxLength": 2000}, "local": {"enum": list(LOCAL)}},
                         ["text"]) for k in TEXT_KEYS})
_HEAD = S.obj({"login": LOGIN, "name": S.SHORT, "office": S.ID,
               # the one-time code's hash, as the hub stores passwords (made by the centre, never sent in)
               "code_hash": {"type": "string", "maxLength": 400,
                             "pattern": r"^(scrypt|pbkdf2):[a-z0-9:]{1,60}\$[A-Za-z0-9]{1,100}\$[0-9a-f]{32,256}$"}},
              ["login", "name", "office"])

#: The centre's public address (issue 18): the tickets' QR codes of the offices point at its
#: visitor pages (``{public_url}/t/{token}``) instead of the office hub, which a phone on mobile
#: data can not reach. Optional; without it the QR points at the hub as before.
PUBLIC_URL = {"type": "string", "maxLength": 200,
              "pattern": r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~-]+)*/?$"}

#: what a company administrator sends (no ``code_hash``: the centre makes the codes)
CATALOGUE = S.obj({
    "services": {"type": "array", "items": _SERVICE, "maxItems": 200},
    "norms": _NORMS,
    "texts": _TEXTS,
    "heads": {"type": "array", "items": {**_HEAD, "properties": {k: v for k, v in _HEAD["properties"].items()
                                                                 if k != "code_hash"}},
              "maxItems": 2000},
    "exceptions": {"type": "object", "propertyNames": S.ID, "maxProperties": 2000,
                   "additionalProperties": S.obj({"without_services": {"type": "array", "items": S.ID,
                                                                       "maxItems": 200, "uniqueItems": True}})},
    "public_url": PUBLIC_URL,
}, ["services", "norms"])

#: what an office hub receives and checks again before applying
OFFICE_VIEW = S.obj({
    "version": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    "hash": {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
    "office": S.ID,
    "services": {"type": "array", "items": _SERVICE, "maxItems": 200},
    "norms": _NORMS,
    "texts": _TEXTS,
    "heads": {"type": "array", "items": _HEAD, "maxItems": 2000},
    "public_url": PUBLIC_URL,
}, ["version", "hash", "office", "services", "norms", "texts", "heads"])

_VALIDATORS = {id(CATALOGUE): Draft202012Validator(CATALOGUE), id(OFFICE_VIEW): Draft202012Validator(OFFICE_VIEW)}


class CatalogueError(ValueError):
    """A catalogue that can not be published or applied; ``message`` is Russian, ``field`` a dotted path."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


def _schema_check(schema: dict, data) -> None:
    from ..api.framework import _explain  # the hub's own Russian words for a schema error

    errors = sorted(_VALIDATORS[id(schema)].iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = best_match([errors[0]])
        raise CatalogueError(_explain(err), ".".join(map(str, err.absolute_path)))


def _no_nul(node, path: str = "") -> None:
    """PostgreSQL's text and jsonb can not hold NUL: refused here, not as the database's 500."""
    if isinstance(node, str):
        if "\x00" in node:
            raise CatalogueError("Неверные данные: в тексте не может быть символа NUL", path.lstrip("."))
    elif isinstance(node, list):
        for i, x in enumerate(node):
            _no_nul(x, f"{path}.{i}")
    elif isinstance(node, dict):
        for k, x in node.items():
            _no_nul(k, path)
            _no_nul(x, f"{path}.{k}")


def _check_rules(data: dict) -> None:
    """What a schema can not say: unique ids and letters, ranges, the profile built."""
    _no_nul(data)
    seen_ids, seen_letters = set(), set()
    for i, s in enumerate(data["services"]):
        if s["id"] in seen_ids:
            raise CatalogueError(f"Услуга «{s['id']}» указана в каталоге дважды", f"services.{i}.id")
        if s["letter"] in seen_letters:
            raise CatalogueError(f"Буква «{s['letter']}» указана у двух услуг каталога", f"services.{i}.letter")
        seen_ids.add(s["id"])
        seen_letters.add(s["letter"])
    overrides = data["norms"].get("overrides") or {}
    reversed_ranges = S.norm_range_errors(overrides)
    if reversed_ranges:
        raise CatalogueError(f"Неверные данные: в нормативе «{reversed_ranges[0]}» начало диапазона больше конца",
                             "norms.overrides." + reversed_ranges[0])
    try:
        norm_profile(data["norms"]["profile"], overrides)
    except (ValueError, KeyError, TypeError):
        raise CatalogueError("Неверные настройки нормативов", "norms") from None
    logins = set()
    for i, h in enumerate(data.get("heads") or []):
        if h["login"] in logins:
            raise CatalogueError(f"Руководитель «{h['login']}» указан в каталоге дважды", f"heads.{i}.login")
        logins.add(h["login"])


def check_catalogue(data) -> dict:
    """The catalogue as the centre stores it (``local`` filled in, lists in order), or
    :class:`CatalogueError`."""
    _schema_check(CATALOGUE, data)
    _check_rules(data)
    known = {s["id"] for s in data["services"]}
    for office, ex in (data.get("exceptions") or {}).items():
        for sid in ex.get("without_services") or []:
            if sid not in known:
                raise CatalogueError(f"В исключениях офиса «{office}» указана услуга «{sid}», которой нет в каталоге",
                                     f"exceptions.{office}.without_services")
    return {
        "services": [{"id": s["id"], "letter": s["letter"], "name": s["name"], "kind": s["kind"],
                      "order": s.get("order", i + 1), "hint": s.get("hint", ""),
                      "local": s.get("local", "locked")} for i, s in enumerate(data["services"])],
        "norms": {"profile": data["norms"]["profile"], "overrides": data["norms"].get("overrides") or {},
                  "local": data["norms"].get("local", "locked")},
        "texts": {k: {"text": v["text"], "local": v.get("local", "local_allowed")}
                  for k, v in sorted((data.get("texts") or {}).items())},
        "heads": [{"login": h["login"], "name": h["name"], "office": h["office"]} for h in data.get("heads") or []],
        "exceptions": {o: {"without_services": sorted(ex.get("without_services") or [])}
                       for o, ex in sorted((data.get("exceptions") or {}).items())},
        **({"public_url": data["public_url"].rstrip("/")} if data.get("public_url") else {}),
    }


def content_hash(content: dict) -> str:
    """sha256 of the catalogue's canonical JSON (sorted keys, no spaces, UTF-8)."""
    raw = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def public(content: dict) -> dict:
    """The catalogue as staff read it: the heads' one-time code hashes left out."""
    return {**content, "heads": [{k: v for k, v in h.items() if k != "code_hash"} for h in content.get("heads", [])]}


def office_view(content: dict, version: int, digest: str, office: str) -> dict:
    """What the office ``office`` receives: the services less its exceptions, its own heads."""
    without = set(((content.get("exceptions") or {}).get(office) or {}).get("without_services") or [])
    return {"version": version, "hash": digest, "office": office,
            "services": [s for s in content["services"] if s["id"] not in without],
            "norms": content["norms"], "texts": content.get("texts") or {},
            "heads": [h for h in content.get("heads") or [] if h["office"] == office],
            **({"public_url": content["public_url"]} if content.get("public_url") else {})}


def check_office_view(data, office: str) -> dict:
    """The hub's check of what it pulled (the same rules as at the centre), or :class:`CatalogueError`."""
    _schema_check(OFFICE_VIEW, data)
    if data["office"] != office:
        raise CatalogueError(f"Каталог выдан для другого офиса («{data['office']}»)", "office")
    _check_rules(data)
    for i, h in enumerate(data["heads"]):
        if h["office"] != office:
            raise CatalogueError(f"Руководитель «{h['login']}» относится к другому офису", f"heads.{i}.office")
    return data
