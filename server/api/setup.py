"""Office setup (role admin): services, windows, users, hours, norms and hall texts."""
from __future__ import annotations

import json
import sqlite3

from flask import Blueprint, jsonify

from ..app_context import current_hub as _hub
from ..store import config as cfg
from ..store import office_setup
from ..store import users as user_store
from . import schemas as S
from .framework import ApiError, api, check_office, current_principal

bp = Blueprint("setup", __name__, url_prefix="/api/v1")
ADMIN = ("admin",)
READERS = ("admin", "administrator", "head", "operator")


def _changed(office: str, what: str) -> None:
    hub = _hub()
    hub.reload_config(office)
    hub.record(office, "config.changed", {"what": what})


def _office(office: str) -> dict:
    check_office(current_principal(), office)
    return _hub().office(office)


def _refuse_locked(office: str, row: dict | None = None, body: dict | None = None, service: str | None = None,
                   deleting: bool = False) -> None:
    """403 ``locked_by_company`` when the change touches a setting the company catalogue locked
    (server/store/catalogue.py); sending a locked setting unchanged is fine (the stand sends whole forms)."""
    from ..store import catalogue as company
    locked = company.locks(_hub().store, office)
    words = None
    if row is not None and body is not None:
        if locked["norms"] and (body.get("profile", row["profile"]) != row["profile"] or
                                body.get("profile_overrides", row["profile_overrides"]) != row["profile_overrides"]):
            words = "Нормативы офиса"
        for key in sorted(locked["texts"]):
            if key in (body.get("texts") or {}) and body["texts"][key] != row["texts"].get(key, ""):
                words = f"Текст «{company.TEXT_NAMES.get(key, key)}»"
    if service is not None and service in locked["services"]:
        current = office_setup.service(_hub().store, office, service)
        changed = deleting or current is None or any(
            body.get(k, d) != v for k, d, v in (("letter", None, current["letter"]), ("name", None, current["name"]),
                                                ("kind", "consultation", current["kind"]),
                                                ("hint", "", current["hint"]), ("order", 0, current["ord"])))
        if changed:
            words = f"Услуга «{current['name'] if current else service}»"
    if words:
        raise ApiError(403, "locked_by_company", f"{words}: эту настройку задаёт компания в своём каталоге, "
                                                 "в офисе её изменить нельзя. Обратитесь к администратору компании.")


@api(bp, "/offices/<office>/settings", summary="Office settings: name, norms, hours, texts, policy",
     tag="setup", roles=READERS)
def get_settings(office):
    row = _office(office)
    return jsonify({**{k: row[k] for k in ("id", "name", "company", "address", "profile", "profile_overrides",
                                            "schedule", "texts")}, **row["settings"]})


@api(bp, "/offices/<office>/settings", "PUT", summary="Change office settings", tag="setup", roles=ADMIN,
     body=S.OFFICE_SETTINGS)
def put_settings(office, body):
    row = _office(office)
    _refuse_locked(office, row, body)
    reversed_ranges = S.norm_range_errors(body.get("profile_overrides"))
    if reversed_ranges:
        raise ApiError(400, "invalid", "Неверные данные: в нормативе «" + reversed_ranges[0]
                       + "» начало диапазона больше конца", field="profile_overrides." + reversed_ranges[0])
    merged = {**row, **{k: v for k, v in body.items() if k not in ("policy", "transfer_position", "alert_near")}}
    merged["settings"] = {**row["settings"],
                          **{k: body[k] for k in ("policy", "transfer_position", "alert_near") if k in body}}
    if "texts" in body:
        merged["texts"] = {**row["texts"], **body["texts"]}
    from zoneinfo import ZoneInfoNotFoundError

    from ..domain.norms import profile as norm_profile
    from ..domain.schedule import Schedule
    try:
        norm_profile(merged["profile"], merged.get("profile_overrides"))
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "invalid", "Неверные настройки нормативов") from None
    tz = (merged.get("schedule") or {}).get("tz", "Europe/Moscow")
    try:
        Schedule.from_json(merged["schedule"])
    except (ZoneInfoNotFoundError, OSError):
        raise ApiError(400, "invalid", f"Неизвестный часовой пояс «{tz}»", field="schedule.tz") from None
    except (ValueError, KeyError, TypeError) as exc:
        words = str(exc) if any("а" <= ch.lower() <= "я" for ch in str(exc)) else "проверьте даты и часы"
        raise ApiError(400, "invalid", f"Неверное расписание: {words}", field="schedule") from exc
    with _hub().store.write() as conn:
        cfg.save_office(conn, merged)
    _changed(office, "settings")
    return get_settings.__wrapped__(office)


@api(bp, "/offices/<office>/texts", "PUT", summary="Hall texts: ticker, recording notice, phone (administrator)",
     tag="setup", roles=("administrator", "admin"), body=S.TEXTS)
def put_texts(office, body):
    row = _office(office)
    _refuse_locked(office, row, {"texts": body})
    row["texts"] = {**row["texts"], **body}
    with _hub().store.write() as conn:
        cfg.save_office(conn, row)
    _changed(office, "texts")
    return jsonify(row["texts"])


# ---------------------------------------------------------------------- services

@api(bp, "/offices/<office>/services", summary="Services (topics) of the office", tag="setup", roles=None)
def list_services(office):
    _hub().office(office)
    rows = office_setup.services(_hub().store, office)
    return jsonify([cfg.service_from_row(r).to_json() for r in rows])


def _save_service(office: str, body: dict, creating: bool):
    _office(office)
    hub = _hub()
    exists = office_setup.service(hub.store, office, body["id"])
    if creating and exists:
        raise ApiError(409, "exists", "Услуга с таким кодом уже есть")
    if not creating and not exists:
        raise ApiError(404, "service_not_found", "Услуга не найдена")
    if office_setup.letter_taken(hub.store, office, body["letter"], body["id"]):
        raise ApiError(409, "letter_taken", f"Буква «{body['letter']}» уже занята другой услугой")
    with hub.store.write() as conn:
        cfg.save_service(conn, office, body)
    _changed(office, "services")
    return jsonify(body), 201 if creating else 200


@api(bp, "/offices/<office>/services", "POST", summary="Add a service", tag="setup", roles=ADMIN, body=S.SERVICE,
     status=201)
def create_service(office, body):
    return _save_service(office, body, True)


@api(bp, "/offices/<office>/services/<service>", "PUT", summary="Change a service", tag="setup", roles=ADMIN,
     body=S.SERVICE)
def update_service(office, service, body):
    if body["id"] != service:
        raise ApiError(400, "invalid", "Код услуги в адресе и в теле не совпадает")
    _office(office)
    _refuse_locked(office, body=body, service=service)
    return _save_service(office, body, False)


@api(bp, "/offices/<office>/services/<service>", "DELETE", summary="Remove a service nobody waits for",
     tag="setup", roles=ADMIN, status=204)
def delete_service(office, service):
    _office(office)
    _refuse_locked(office, service=service, deleting=True)
    hub = _hub()
    with hub.lock(office):
        hall = hub.hall(office)
        if service not in hall.services:
            raise ApiError(404, "service_not_found", "Услуга не найдена")
        if any(t.service == service and not t.state.terminal for t in hall.tickets.values()):
            raise ApiError(409, "in_use", "По этой услуге ещё есть талоны в работе; сначала отключите её")
        used = [w.number for w in hall.windows.values() if service in w.services]
        if used:
            raise ApiError(409, "in_use", f"Услугу оказывают окна {', '.join(map(str, used))}; уберите её из окон")
        if office_setup.service_has_history(hub.store, office, service):
            raise ApiError(409, "has_history", "По услуге есть история талонов: отключите её вместо удаления")
        office_setup.remove_service(hub.store, office, service)
    _changed(office, "services")
    return "", 204


# ---------------------------------------------------------------------- windows

def _check_window_services(office: str, body: dict) -> None:
    known = office_setup.service_ids(_hub().store, office)
    unknown = set(body["services"]) - known
    if unknown:
        raise ApiError(400, "invalid", f"Неизвестные услуги: {', '.join(sorted(unknown))}")


@api(bp, "/offices/<office>/windows", summary="Windows of the office", tag="setup", roles=READERS)
def list_windows(office):
    _office(office)
    rows = office_setup.windows(_hub().store, office)
    return jsonify([cfg.window_from_row(r).to_json() for r in rows])


@api(bp, "/offices/<office>/windows", "POST", summary="Add a window with its services and weights", tag="setup",
     roles=ADMIN, body=S.WINDOW_CONFIG, status=201)
def create_window(office, body):
    _office(office)
    _check_window_services(office, body)
    try:
        with _hub().store.write() as conn:
            wid = cfg.save_window(conn, office, body)
    except sqlite3.IntegrityError:
        raise ApiError(409, "exists", f"Окно {body['number']} уже есть") from None
    _changed(office, "windows")
    return jsonify({**body, "id": wid}), 201


@api(bp, "/offices/<office>/windows/<int:window>", "PUT", summary="Change a window's number, services, level",
     tag="setup", roles=ADMIN, body=S.WINDOW_CONFIG)
def update_window(office, window, body):
    _office(office)
    _check_window_services(office, body)
    if not office_setup.window_exists(_hub().store, office, window):
        raise ApiError(404, "window_not_found", "Окно не найдено")
    try:
        with _hub().store.write() as conn:
            cfg.save_window(conn, office, {**body, "id": window})
    except sqlite3.IntegrityError:
        raise ApiError(409, "exists", f"Окно {body['number']} уже есть") from None
    _changed(office, "windows")
    return jsonify({**body, "id": window})


@api(bp, "/offices/<office>/windows/<int:window>", "DELETE", summary="Remove a closed window", tag="setup",
     roles=ADMIN, status=204)
def delete_window(office, window):
    _office(office)
    hub = _hub()
    with hub.lock(office):
        hall = hub.hall(office)
        w = hall.windows.get(window)
        if w is None:
            raise ApiError(404, "window_not_found", "Окно не найдено")
        if w.state.value != "closed":
            raise ApiError(409, "window_open", "Сначала закройте окно")
        office_setup.remove_window(hub.store, window)
    _changed(office, "windows")
    return "", 204


# ---------------------------------------------------------------------- users

def _user_json(r: dict) -> dict:
    return {"login": r["login"], "name": r["name"], "roles": json.loads(r["roles"]), "office": r["office"],
            "active": bool(r["active"]), "has_pin": bool(r["pin_hash"])}


@api(bp, "/users", summary="Users", tag="setup", roles=ADMIN)
def list_users():
    p = current_principal()
    rows = user_store.all_users(_hub().store)
    return jsonify([_user_json(r) for r in rows if p.office is None or r["office"] in (None, p.office)])


@api(bp, "/users", "POST", summary="Add a user (password hashed)", tag="setup", roles=ADMIN, body=S.USER, status=201)
def create_user(body):
    if "password" not in body:
        raise ApiError(400, "invalid", "Для нового пользователя нужен пароль (не короче 6 знаков)")
    if user_store.user_exists(_hub().store, body["login"]):
        raise ApiError(409, "exists", "Такой логин уже есть")
    if body.get("office"):
        _office(body["office"])
    with _hub().store.write() as conn:
        cfg.save_user(conn, body)
    row = user_store.user(_hub().store, body["login"])
    return jsonify(_user_json(row)), 201


@api(bp, "/users/<login>", "PUT", summary="Change a user", tag="setup", roles=ADMIN, body=S.USER)
def update_user(login, body):
    if body["login"] != login:
        raise ApiError(400, "invalid", "Логин в адресе и в теле не совпадает")
    if not user_store.user_exists(_hub().store, login):
        raise ApiError(404, "user_not_found", "Пользователь не найден")
    if body.get("office"):
        _office(body["office"])
    with _hub().store.write() as conn:
        cfg.save_user(conn, body)
    return jsonify(_user_json(user_store.user(_hub().store, login)))


# ---------------------------------------------------------------------- the break rota (001:353)

ROTA_EDITORS = ("admin", "administrator", "head")


def _rota_answer(office: str) -> dict:
    return cfg.rota_info(_hub().store, office)


@api(bp, "/offices/<office>/rota", summary="The break rota: planned lunches and breaks per window",
     tag="setup", roles=READERS, response=S.ROTA)
def get_rota(office):
    _office(office)
    return jsonify(_rota_answer(office))


@api(bp, "/offices/<office>/rota", "PUT", summary="Set the break rota (never every window at once: 001:353)",
     tag="setup", roles=ROTA_EDITORS, body=S.ROTA, response=S.ROTA)
def put_rota(office, body):
    from ..domain.rota import Rota, RotaError
    _office(office)
    hall = cfg.load_hall(_hub().store, office)
    try:
        rota = Rota.from_json({"breaks": body["breaks"]})
        rota.check(hall.schedule, [w.number for w in hall.windows.values()])
    except RotaError as exc:
        raise ApiError(400, exc.code, f"График перерывов не сохранён: {exc}", **exc.details) from exc
    with _hub().store.write() as conn:
        cfg.save_rota(conn, office, rota, current_principal().login, _hub().clock.now())
    _changed(office, "rota")
    return jsonify(_rota_answer(office))
