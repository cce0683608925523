"""The company catalogue over HTTP (issue 11, point 5).

* ``GET /api/v1/central/catalogue`` - any staff member: the latest version (``ETag: "N"``).
* ``PUT /api/v1/central/catalogue`` - company administrator, ``If-Match: N`` (the version the
  edit was made to): publishes version N+1; 409 ``stale_version`` when N is not the latest, 428
  without ``If-Match``, 400 for a catalogue the rules refuse (nothing stored).
* ``GET /api/v1/central/offices/{office}/catalogue?since=N`` - the office's hub with its own key:
  the office's view of the latest version, or 304 when it has N already. N is the version the hub
  holds: the centre keeps it, and ``GET /api/v1/central/catalogue/offices`` (any staff, their
  offices) tells which office runs which version.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, current_app, jsonify, request

from .access import current_staff, staff_required
from .catalogue import CatalogueError, check_catalogue, public
from .catalogue_store import CatalogueStore
from .store import Refused

log = logging.getLogger(__name__)

bp = Blueprint("central_catalogue", __name__, url_prefix="/api/v1/central")


def catalogue_store() -> CatalogueStore:
    s = current_app.config.get("CENTRAL_CATALOGUE")
    if s is None:
        s = current_app.config["CENTRAL_CATALOGUE"] = CatalogueStore(current_app.config["CENTRAL_STORE"])
    return s


def _answer(row: dict | None):
    if row is None:
        resp = jsonify({"version": 0, "hash": None, "catalogue": None})
        resp.headers["ETag"] = '"0"'
        return resp
    resp = jsonify({"version": row["version"], "hash": row["hash"], "published_at": row["published_at"].isoformat(),
                    "published_by": row["published_by"], "catalogue": public(row["content"])})
    resp.headers["ETag"] = f'"{row["version"]}"'
    return resp


@bp.get("/catalogue")
@staff_required()
def get_catalogue():
    return _answer(catalogue_store().latest())


def _if_match() -> int:
    raw = request.headers.get("If-Match")
    if raw is None:
        raise Refused(428, "version_required", "Укажите версию каталога, к которой сделаны изменения "
                                               "(заголовок If-Match, например If-Match: \"3\"; для первой версии - 0)")
    text = raw.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit() or len(text) > 9:
        raise Refused(400, "invalid", "Заголовок If-Match должен содержать номер версии каталога, например \"3\"")
    return int(text)


@bp.put("/catalogue")
@staff_required("company_admin")
def put_catalogue():
    expected = _if_match()
    try:
        body = json.loads(request.get_data(cache=False) or b"null",
                          parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        json.dumps(body, ensure_ascii=False).encode("utf-8")  # a lone surrogate can not be stored
    except (ValueError, RecursionError):
        raise Refused(400, "invalid", "Тело запроса должно быть JSON") from None
    try:
        content = check_catalogue(body)
    except CatalogueError as exc:
        raise Refused(400, "invalid_catalogue", f"Каталог не опубликован: {exc.message}", field=exc.field) from exc
    staff = current_staff()
    answer = catalogue_store().publish(content, expected, by=staff.login)
    log.info("%s published catalogue version %d", staff.login, answer["version"])
    resp = jsonify(answer)
    resp.status_code = 201
    resp.headers["ETag"] = f'"{answer["version"]}"'
    return resp


@bp.get("/catalogue/offices")
@staff_required()
def catalogue_offices():
    """Which version each office the staff member may see holds: ``{version, offices: [{office,
    name, applied, handed, pulled_at, current}]}``; ``current``: it holds the latest version."""
    staff = current_staff()
    latest = catalogue_store().latest()
    version = latest["version"] if latest else 0
    rows = [r for r in catalogue_store().offices() if staff.can_see(r["office"], r["region"])]
    return jsonify({"version": version, "offices": [
        {"office": r["office"], "name": r["name"] or r["office"], "applied": r["applied"] or 0,
         "handed": r["handed"], "pulled_at": r["pulled_at"].isoformat() if r["pulled_at"] else None,
         "current": (r["applied"] or 0) == version} for r in rows]})


@bp.get("/offices/<office>/catalogue")
def office_catalogue(office: str):
    from .app import _hub_office  # the office's own key, as for shipping

    try:
        _hub_office(office)
    except Refused as exc:
        if exc.status == 403:
            raise Refused(403, "forbidden", "Этим ключом можно получать каталог только своего офиса") from exc
        raise
    raw = request.args.get("since", "0")
    if not raw.isdigit() or len(raw) > 9:
        raise Refused(400, "invalid", "Параметр since должен быть номером версии каталога (целое число от 0)")
    view = catalogue_store().for_office(office, int(raw))
    if view is None:
        return "", 304
    return jsonify(view)
