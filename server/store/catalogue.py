"""The company catalogue in the office's SQLite file: applying a version, and where each setting
comes from (issue 11, point 5). All of its SQL is here.

Applying is a three-way merge per setting, in the caller's one transaction: the office's value,
the value of the catalogue version applied before, and the new version's value.

* ``locked``: the new version's value, always.
* ``local_allowed``: the new version's value, unless the office changed the setting since the
  previous version (its value differs from that version's) - then the office's value stays.
* A setting the office has and the catalogue never had is the office's own («только в этом офисе»).
* The first version applied takes over the office's settings of the same id.
* A service the previous version had and this one has not (removed, or an exception of the
  office) is switched off, not deleted: its tickets' history stays readable.

Heads become ``head`` users of the office; a new one gets the one-time code's hash as password
(made at the centre with the hub's scheme); an existing account keeps its password.
"""
from __future__ import annotations

import json

from ..central.catalogue import SERVICE_FIELDS, CatalogueError

SOURCE_COMPANY, SOURCE_CHANGED, SOURCE_LOCAL = "company", "changed", "local"
TEXT_NAMES = {"ticker": "Бегущая строка", "recording": "Уведомление о записи", "phone": "Телефон",
              "greeting": "Приветствие", "farewell": "Прощание", "site": "Сайт"}


def state(store, office: str) -> dict | None:
    """``catalogue_state`` of the office with ``content`` parsed (None: never pulled)."""
    row = store.one("SELECT * FROM catalogue_state WHERE office = ?", (office,))
    if row and row["content"]:
        row["content"] = json.loads(row["content"])
    return row


def applied(store, office: str) -> dict | None:
    """The office view of the version applied last, or None."""
    row = state(store, office)
    return row["content"] if row and row["content"] else None


def ticket_url(store, office: str, token: str) -> str:
    """The visitor's page of a ticket as its QR shows it: at the company centre's public address
    when the catalogue applied in the office names one (issue 18: a phone on mobile data can reach
    it), else the hub's own relative ``/t/{token}`` (the kiosk prefixes the hub's address)."""
    view = applied(store, office)
    base = view.get("public_url") if view else None
    return f"{base.rstrip('/')}/t/{token}" if base else f"/t/{token}"


def _service_fields(row: dict) -> dict:
    return {"id": row["id"], "letter": row["letter"], "name": row["name"], "kind": row["kind"],
            "order": int(row["ord"] if "ord" in row else row.get("order", 0)), "hint": row["hint"] or ""}


def _same_service(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] for k in SERVICE_FIELDS)


def _norms_of(office_row: dict) -> dict:
    return {"profile": office_row["profile"], "overrides": office_row["profile_overrides"] or {}}


def _same_norms(a: dict, b: dict) -> bool:
    return a["profile"] == b["profile"] and (a.get("overrides") or {}) == (b.get("overrides") or {})


def _office_row(conn, office: str) -> dict:
    row = conn.execute("SELECT * FROM offices WHERE id = ?", (office,)).fetchone()
    if row is None:
        raise CatalogueError(f"Офиса «{office}» на этом сервере нет")
    row = dict(row)
    for key in ("profile_overrides", "texts"):
        row[key] = json.loads(row[key])
    return row


def plan(conn, office: str, view: dict, previous: dict | None) -> dict:
    """What applying ``view`` over the office's settings changes (nothing is written): services to
    write and to switch off, the norms and texts to set, heads to add or update. Raises
    :class:`CatalogueError` when the office's own settings do not fit with it (a letter of
    the catalogue taken by a service only this office has)."""
    prev_services = {s["id"]: s for s in (previous or {}).get("services", [])}
    current = {r["id"]: dict(r) for r in conn.execute("SELECT * FROM services WHERE office = ?", (office,))}
    write, kept = [], []
    for s in view["services"]:
        cur, before = current.get(s["id"]), prev_services.get(s["id"])
        if (cur is not None and s["local"] == "local_allowed" and before is not None
                and not _same_service(_service_fields(cur), before)):
            kept.append(s["id"])
            continue
        if cur is not None and _same_service(_service_fields(cur), s) and (cur["active"] or before is not None):
            continue  # as the company has it (switched off by the office itself: stays so)
        write.append(s)
    in_view = {s["id"] for s in view["services"]}
    switch_off = [sid for sid in prev_services if sid not in in_view and sid in current and current[sid]["active"]]
    letters: dict[str, list[str]] = {}
    written = {s["id"]: s["letter"] for s in write}
    # a service leaving the catalogue gives its letter up to the one replacing it (its tickets keep
    # their own codes; the switched-off service gets a spare Latin pair the stand asks to replace)
    wanted = set(written.values())
    used = {r["letter"] for r in current.values()} | wanted
    spare = (a + b for a in "ZYXWVUTSRQPONMLKJIHGFEDCBA" for b in "ZYXWVUTSRQPONMLKJIHGFEDCBA")
    released = {}
    for sid in switch_off:
        if current[sid]["letter"] in wanted:
            letter = next(x for x in spare if x not in used)
            used.add(letter)
            released[sid] = written[sid] = letter
    final = {sid: written.get(sid, row["letter"]) for sid, row in current.items()}
    final.update(written)
    for sid, letter in final.items():
        letters.setdefault(letter, []).append(sid)
    for s in write:
        others = [x for x in letters[s["letter"]] if x != s["id"]]
        if others:
            name = current[others[0]]["name"] if others[0] in current else others[0]
            raise CatalogueError(f"Буква «{s['letter']}» услуги «{s['name']}» из каталога уже занята услугой "
                                 f"«{name}» этого офиса: смените букву в офисе или в каталоге",
                                 f"services.{s['id']}.letter")

    row = _office_row(conn, office)
    norms = None
    company_norms = view["norms"]
    before_norms = (previous or {}).get("norms")
    ours = _norms_of(row)
    if not (company_norms["local"] == "local_allowed" and before_norms is not None
            and not _same_norms(ours, before_norms)) and not _same_norms(ours, company_norms):
        norms = {"profile": company_norms["profile"], "overrides": company_norms.get("overrides") or {}}

    texts = {}
    before_texts = (previous or {}).get("texts") or {}
    for key, t in view["texts"].items():
        mine = row["texts"].get(key, "")
        if t.get("local") == "local_allowed" and key in before_texts and mine != before_texts[key]["text"]:
            continue
        if mine != t["text"]:
            texts[key] = t["text"]

    heads = []
    for h in view["heads"]:
        user = conn.execute("SELECT login, name, roles, office FROM users WHERE login = ?", (h["login"],)).fetchone()
        if user is None:
            heads.append({**h, "new": True})
            continue
        if user["office"] not in (None, office):  # never moves a person of another office of this file
            raise CatalogueError(f"Логин «{h['login']}» руководителя из каталога уже занят пользователем другого "
                                 f"офиса («{user['office']}») на этом сервере", f"heads.{h['login']}")
        roles = json.loads(user["roles"])
        if user["name"] != h["name"] or "head" not in roles:
            # an account of the whole server (office NULL) stays so: it keeps its reach
            heads.append({**h, "new": False, "office": user["office"],
                          "roles": roles if "head" in roles else [*roles, "head"]})
    return {"services": write, "switch_off": switch_off, "released": released, "kept": kept, "norms": norms,
            "texts": texts, "heads": heads}


def apply(conn, office: str, view: dict, previous: dict | None, at: float) -> dict:
    """Apply ``view`` (already checked) inside the caller's transaction; answers the plan done."""
    from .config import save_office, save_service

    done = plan(conn, office, view, previous)
    prev_ids = {s["id"] for s in (previous or {}).get("services", [])}
    # letters first out of the way (UNIQUE (office, letter) is checked per statement: a swap of
    # two letters would otherwise collide half-way)
    for s in done["services"]:
        conn.execute("UPDATE services SET letter = ? WHERE office = ? AND id = ?", ("#" + s["id"], office, s["id"]))
    for sid, letter in done["released"].items():
        conn.execute("UPDATE services SET letter = ? WHERE office = ? AND id = ?", (letter, office, sid))
    for s in done["services"]:
        old = conn.execute("SELECT * FROM services WHERE office = ? AND id = ?", (office, s["id"])).fetchone()
        keep = dict(old) if old else {}
        save_service(conn, office, {
            "id": s["id"], "letter": s["letter"], "name": s["name"], "kind": s["kind"], "order": s["order"],
            "hint": s["hint"], "client_type": keep.get("client_type", "any"),
            "checklist": json.loads(keep["checklist"]) if keep else [], "until": keep.get("until"),
            # a service back in the catalogue (or new) is offered; the office's own switch-off stays
            "active": bool(keep["active"]) if keep and s["id"] in prev_ids else True})
    for sid in done["switch_off"]:
        conn.execute("UPDATE services SET active = 0 WHERE office = ? AND id = ?", (office, sid))
    if done["norms"] is not None or done["texts"]:
        row = _office_row(conn, office)
        row["schedule"] = json.loads(row["schedule"])
        row["settings"] = json.loads(row["settings"])
        if done["norms"] is not None:
            row["profile"], row["profile_overrides"] = done["norms"]["profile"], done["norms"]["overrides"]
        row["texts"] = {**row["texts"], **done["texts"]}
        save_office(conn, row)
    for h in done["heads"]:
        if h["new"]:
            import secrets

            from werkzeug.security import generate_password_hash
            password_hash = h.get("code_hash") or generate_password_hash(secrets.token_urlsafe(32))
            conn.execute("INSERT INTO users (login, name, password_hash, pin_hash, roles, office, active) "
                         "VALUES (?, ?, ?, NULL, ?, ?, 1)",
                         (h["login"], h["name"], password_hash, json.dumps(["head"]), office))
        else:
            conn.execute("UPDATE users SET name = ?, office = ?, roles = ? WHERE login = ?",
                         (h["name"], h["office"], json.dumps(h["roles"]), h["login"]))
    conn.execute(
        """INSERT INTO catalogue_state (office, version, hash, content, applied_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (office) DO UPDATE SET version = excluded.version, hash = excluded.hash,
             content = excluded.content, applied_at = excluded.applied_at""",
        (office, view["version"], view["hash"], json.dumps(view, ensure_ascii=False), at))
    return done


def record_refusal(store, office: str, version: int | None, digest: str | None, error: str, at: float) -> None:
    """Remember a version this office refused (the stand shows why); the applied one stays."""
    with store.write() as conn:
        conn.execute(
            """INSERT INTO catalogue_state (office, refused_version, refused_hash, refused_error, refused_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (office) DO UPDATE SET refused_version = excluded.refused_version,
                 refused_hash = excluded.refused_hash, refused_error = excluded.refused_error,
                 refused_at = excluded.refused_at""",
            (office, version, digest, error, at))


def clear_refusal(conn, office: str) -> None:
    conn.execute("UPDATE catalogue_state SET refused_version = NULL, refused_hash = NULL, refused_error = NULL, "
                 "refused_at = NULL WHERE office = ?", (office,))


# ---------------------------------------------------------------------- where each setting comes from

def locks(store, office: str) -> dict:
    """The settings the company locked for this office: ``{"services": {id}, "texts": {key},
    "norms": bool}`` (all empty before the first version)."""
    view = applied(store, office)
    if not view:
        return {"services": set(), "texts": set(), "norms": False}
    return {"services": {s["id"] for s in view["services"] if s["local"] == "locked"},
            "texts": {k for k, t in view["texts"].items() if t.get("local") == "locked"},
            "norms": view["norms"]["local"] == "locked"}


def provenance(store, office: str) -> dict:
    """Where each service, text and the norms come from: ``{source: company|changed|local,
    locked: bool}`` (``company``: the catalogue's value of the version applied; ``changed``: the
    catalogue's setting changed in the office; ``local``: only in this office)."""
    view = applied(store, office) or {"services": [], "texts": {}, "norms": None}
    services = {s["id"]: s for s in view["services"]}
    out = {"services": {}, "texts": {}, "norms": None}
    for r in store.query("SELECT * FROM services WHERE office = ?", (office,)):
        s = services.get(r["id"])
        if s is None:
            out["services"][r["id"]] = {"source": SOURCE_LOCAL, "locked": False}
        else:
            same = _same_service(_service_fields(r), s)
            out["services"][r["id"]] = {"source": SOURCE_COMPANY if same else SOURCE_CHANGED,
                                        "locked": s["local"] == "locked"}
    row = store.one("SELECT profile, profile_overrides, texts FROM offices WHERE id = ?", (office,))
    if row is None:
        return out
    texts = json.loads(row["texts"])
    for key, value in texts.items():
        t = view["texts"].get(key)
        out["texts"][key] = ({"source": SOURCE_LOCAL, "locked": False} if t is None else
                             {"source": SOURCE_COMPANY if value == t["text"] else SOURCE_CHANGED,
                              "locked": t.get("local") == "locked"})
    for key, t in view["texts"].items():
        out["texts"].setdefault(key, {"source": SOURCE_CHANGED, "locked": t.get("local") == "locked"})
    if view.get("norms"):
        ours = {"profile": row["profile"], "overrides": json.loads(row["profile_overrides"])}
        out["norms"] = {"source": SOURCE_COMPANY if _same_norms(ours, view["norms"]) else SOURCE_CHANGED,
                        "locked": view["norms"]["local"] == "locked"}
    else:
        out["norms"] = {"source": SOURCE_LOCAL, "locked": False}
    return out
