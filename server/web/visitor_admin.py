"""For administrators: the desk QR of a window (001:509), as a link and as a printable SVG.
Routes on the visitor's blueprint (server/web/visitor.py)."""
from __future__ import annotations

import io

from flask import Response, jsonify, request, url_for

from ..api.framework import ApiError, api, check_office, current_principal
from ..store import visitor as visitor_store
from .visitor import bp
from .visitor_view import vs

DESK_ROLES = ("administrator", "admin")


def _desk_link(window: int) -> dict:
    state = vs()
    row = visitor_store.window_place(state.hub.store, window)
    if row is None:
        raise ApiError(404, "window_not_found", "Окно не найдено")
    check_office(current_principal(), row["office"])
    path = url_for("visitor.desk_rate", window=window, k=state.desk_key(window))
    return {"window": window, "number": row["number"], "office": row["office"], "path": path,
            "url": request.host_url.rstrip("/") + path}


@api(bp, "/api/v1/windows/<int:window>/rating-link",
     summary="The desk QR link of a window for rating the visit served there (001:509)",
     tag="visitor", roles=DESK_ROLES,
     response={"type": "object", "properties": {"window": {"type": "integer"}, "number": {"type": "integer"},
                                                 "office": {"type": "string"}, "path": {"type": "string"},
                                                 "url": {"type": "string"}}})
def rating_link(window):
    return jsonify(_desk_link(window))


@api(bp, "/api/v1/windows/<int:window>/rating-qr.svg",
     summary="The desk QR code (SVG) of a window for rating the visit served there (001:509)",
     tag="visitor", roles=DESK_ROLES, content_types=("image/svg+xml",))
def rating_qr(window):
    import qrcode
    import qrcode.image.svg

    link = _desk_link(window)
    img = qrcode.make(link["url"], image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml")
