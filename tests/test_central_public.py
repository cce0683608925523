"""The centre's public listener (issue 18): only public routes on it, each rate-limited per
address; the visitor's page /t/{token} at the centre, from what a real office hub ships to a real
centre on real PostgreSQL, live, honest about stale information; the page in Chromium at a phone's
viewport. One centre, one hub, one browser for the module."""
from __future__ import annotations

import pytest
import requests
from pg_support import CentralProcess, free_port, fresh_database

from server.central.store import CentralStore

OFFICE = "demo"
LIMIT = 400  # requests a minute per address on the test centre's public listener


@pytest.fixture(scope="module")
def centre(pg_cluster, tmp_path_factory):
    url = fresh_database(pg_cluster)
    store = CentralStore(url, min_size=1, max_size=4)
    store.migrate()
    public_port = free_port()
    proc = CentralProcess(url, tmp_path_factory.mktemp("centre"), project_every=0.5,
                          extra_args=("--public-port", str(public_port), "--public-limit", f"{LIMIT} per minute"))
    proc.start()
    proc.public = f"http://127.0.0.1:{public_port}"
    proc.store = store
    yield proc
    proc.stop()
    store.close()


def staff_rules(db_url: str) -> list[tuple[str, str]]:
    """Every (rule, method) of the centre's STAFF app, read from its url_map."""
    from server.central.app import create_app

    app = create_app(db_url, pool_size=2, project_interval=None)
    try:
        out = []
        for rule in app.url_map.iter_rules():
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                out.append((rule.rule, method))
        return out
    finally:
        app.config["CENTRAL_STORE"].close()


def concrete(rule: str) -> str:
    """A URL for a rule: each <converter:name> filled with a plausible value."""
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: {"filename": "x.js", "office": OFFICE,
                                                        "day": "2026-11-10"}.get(m.group(1), "x1"), rule)


def test_every_staff_route_is_404_on_the_public_listener(centre):
    from server.central.public_app import PUBLIC_BLUEPRINTS

    public = {bp.name for bp in PUBLIC_BLUEPRINTS}
    rules = staff_rules(centre.db_url)
    assert len(rules) > 20, rules  # the sweep reads the real staff app
    swept = 0
    for rule, method in rules:
        path = concrete(rule)
        # 404 on the public listener, with a Russian message (405: a public route of that path)
        r = requests.request(method, centre.public + path, timeout=10, json={})
        assert r.status_code in (404, 405), (method, rule, r.status_code, r.text[:200])
        if r.status_code == 404:
            assert r.json()["error"] == "not_found" and r.json()["message"] == "Страница не найдена"
        swept += 1
    assert swept == len(rules)
    # the staff listener is not the public one: the health route answers only there
    assert requests.get(centre.url + "/api/v1/central/health", timeout=5).status_code == 200
    assert requests.get(centre.public + "/api/v1/central/health", timeout=5).status_code == 404
    assert requests.get(centre.public + "/company", timeout=5).status_code == 404
    assert public  # names PUBLIC_BLUEPRINTS so a new public blueprint is seen by this test's author
