"""Reading and writing an office's configuration: the office, its services, windows and users."""
from __future__ import annotations

import json

from werkzeug.security import generate_password_hash

from ..domain.hall import Hall, Settings
from ..domain.model import Service, Window, WindowState
from ..domain.norms import PRESETS
from ..domain.norms import profile as norm_profile
from ..domain.rota import Rota
from ..domain.schedule import Schedule, parse_hhmm
from .db import Store


def office_row(store: Store, office: str) -> dict | None:
    row = store.one("SELECT * FROM offices WHERE id = ?", (office,))
    if row:
        for key in ("profile_overrides", "schedule", "texts", "settings"):
            row[key] = json.loads(row[key])
    return row


def service_from_row(r: dict) -> Service:
    return Service(id=r["id"], letter=r["letter"], name=r["name"], hint=r["hint"], kind=r["kind"],
                   client_type=r["client_type"], checklist=json.loads(r["checklist"]),
                   until=parse_hhmm(r["until"]) if r["until"] else None, active=bool(r["active"]),
                   order=r["ord"])


def window_from_row(r: dict) -> Window:
    return Window(id=r["id"], number=r["number"], zone=r["zone"], level=r["level"],
                  services={k: int(v) for k, v in json.loads(r["services"]).items()})


def load_hall(store: Store, office: str) -> Hall:
    """The office's configuration as a fresh hall (the day's events are replayed on top)."""
    row = office_row(store, office)
    if row is None:
        raise KeyError(office)
    services = {r["id"]: service_from_row(r) for r in
                store.query("SELECT * FROM services WHERE office = ? ORDER BY ord, letter", (office,))}
    windows = {r["id"]: window_from_row(r) for r in
               store.query("SELECT * FROM windows WHERE office = ? ORDER BY number", (office,))}
    settings = Settings(**{k: v for k, v in row["settings"].items() if k in Settings.__dataclass_fields__})
    return Hall(office=office, services=services, windows=windows,
                profile=norm_profile(row["profile"], row["profile_overrides"]),
                schedule=Schedule.from_json(row["schedule"]), settings=settings,
                rota=load_rota(store, office))


def refresh_config(store: Store, hall: Hall) -> None:
    """Take new configuration into a running hall, keeping its tickets and window states."""
    fresh = load_hall(store, hall.office)
    for wid, w in fresh.windows.items():
        old = hall.windows.get(wid)
        if old is not None:
            w.state, w.pause_reason, w.since, w.operator, w.ticket = (
                old.state, old.pause_reason, old.since, old.operator, old.ticket)
            w.state_since = old.state_since
    hall.services, hall.windows = fresh.services, fresh.windows
    hall.profile, hall.schedule, hall.settings = fresh.profile, fresh.schedule, fresh.settings
    hall.rota = fresh.rota


def load_rota(store: Store, office: str) -> Rota:
    """The office's break rota (an empty one when none was set)."""
    row = store.one("SELECT rota FROM rotas WHERE office = ?", (office,))
    return Rota.from_json(json.loads(row["rota"])) if row else Rota()


def rota_info(store: Store, office: str) -> dict:
    """The rota's JSON with when (``updated``) and by whom (``by``) it was last set."""
    row = store.one("SELECT rota, updated, by FROM rotas WHERE office = ?", (office,))
    rota = Rota.from_json(json.loads(row["rota"])) if row else Rota()
    return {**rota.to_json(), "updated": row["updated"] if row else None, "by": row["by"] if row else None}


def save_rota(conn, office: str, rota: Rota, by: str | None, at: float) -> None:
    conn.execute(
        """INSERT INTO rotas (office, rota, updated, by) VALUES (?, ?, ?, ?)
           ON CONFLICT (office) DO UPDATE SET rota = excluded.rota, updated = excluded.updated,
             by = excluded.by""",
        (office, json.dumps(rota.to_json(), ensure_ascii=False), at, by))


# ---------------------------------------------------------------------- writing

def save_office(conn, office: dict) -> None:
    if office["profile"] not in PRESETS:
        raise ValueError(f"неизвестный профиль нормативов: {office['profile']}")
    Schedule.from_json(office["schedule"])  # raises on a bad timetable
    conn.execute(
        """INSERT INTO offices (id, name, company, address, profile, profile_overrides, schedule, texts, settings)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, company = excluded.company,
             address = excluded.address, profile = excluded.profile,
             profile_overrides = excluded.profile_overrides, schedule = excluded.schedule,
             texts = excluded.texts, settings = excluded.settings""",
        (office["id"], office["name"], office.get("company", ""), office.get("address", ""),
         office["profile"], json.dumps(office.get("profile_overrides") or {}, ensure_ascii=False),
         json.dumps(office["schedule"], ensure_ascii=False),
         json.dumps(office.get("texts") or {}, ensure_ascii=False),
         json.dumps(office.get("settings") or {}, ensure_ascii=False)))


def save_service(conn, office: str, s: dict) -> None:
    until = s.get("until")
    if until:
        parse_hhmm(until)
    conn.execute(
        """INSERT INTO services (office, id, letter, name, hint, kind, client_type, checklist, until, active, ord)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (office, id) DO UPDATE SET letter = excluded.letter, name = excluded.name,
             hint = excluded.hint, kind = excluded.kind, client_type = excluded.client_type,
             checklist = excluded.checklist, until = excluded.until, active = excluded.active,
             ord = excluded.ord""",
        (office, s["id"], s["letter"], s["name"], s.get("hint", ""), s.get("kind", "consultation"),
         s.get("client_type", "any"), json.dumps(s.get("checklist") or [], ensure_ascii=False),
         until, int(s.get("active", True)), int(s.get("order", 0))))


def save_window(conn, office: str, w: dict) -> int:
    services = json.dumps({k: int(v) for k, v in (w.get("services") or {}).items()})
    if w.get("id") is not None:
        conn.execute("UPDATE windows SET number = ?, zone = ?, level = ?, services = ? WHERE id = ? AND office = ?",
                     (w["number"], w.get("zone", ""), w.get("level", "specialist"), services, w["id"], office))
        return int(w["id"])
    cur = conn.execute(
        "INSERT INTO windows (office, number, zone, level, services, state) VALUES (?, ?, ?, ?, ?, ?)",
        (office, w["number"], w.get("zone", ""), w.get("level", "specialist"), services,
         str(WindowState.CLOSED)))
    return int(cur.lastrowid)


def save_user(conn, u: dict) -> None:
    existing = conn.execute("SELECT password_hash, pin_hash FROM users WHERE login = ?", (u["login"],)).fetchone()
    password_hash = (generate_password_hash(u["password"]) if u.get("password")
                     else (existing["password_hash"] if existing else None))
    if password_hash is None:
        raise ValueError("для нового пользователя нужен пароль")
    pin_hash = (generate_password_hash(str(u["pin"])) if u.get("pin")
                else (existing["pin_hash"] if existing else None))
    conn.execute(
        """INSERT INTO users (login, name, password_hash, pin_hash, roles, office, active)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (login) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash,
             pin_hash = excluded.pin_hash, roles = excluded.roles, office = excluded.office,
             active = excluded.active""",
        (u["login"], u["name"], password_hash, pin_hash, json.dumps(u["roles"]), u.get("office"),
         int(u.get("active", True))))


def import_office(store: Store, data: dict) -> None:
    """Create or update a whole office from one definition (``talon office import``)."""
    office = data["office"]
    with store.write() as conn:
        save_office(conn, office)
        for s in data.get("services", []):
            save_service(conn, office["id"], s)
        existing = {r["number"]: r["id"] for r in
                    conn.execute("SELECT id, number FROM windows WHERE office = ?", (office["id"],))}
        for w in data.get("windows", []):
            save_window(conn, office["id"], {**w, "id": existing.get(w["number"])})
        for u in data.get("users", []):
            save_user(conn, {**u, "office": u.get("office", office["id"])})
