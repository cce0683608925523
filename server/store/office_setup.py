"""The hub's SQL for the office's setup (issue 15 point 4): its services and windows as the
administrator edits them (server/api/setup.py calls these; saving a service or a window stays in
server/store/config.py, shared with the import). ``store`` is a :class:`server.store.Store`."""
from __future__ import annotations

# ---------------------------------------------------------------------------- services

def service(store, office: str, service_id: str) -> dict | None:
    return store.one("SELECT * FROM services WHERE office = ? AND id = ?", (office, service_id))


def services(store, office: str) -> list[dict]:
    """The office's services in the kiosk's order (then by letter)."""
    return store.query("SELECT * FROM services WHERE office = ? ORDER BY ord, letter", (office,))


def service_ids(store, office: str) -> set[str]:
    return {r["id"] for r in store.query("SELECT id FROM services WHERE office = ?", (office,))}


def letter_taken(store, office: str, letter: str, by_other_than: str) -> bool:
    """Another service of the office already numbers its tickets with this letter."""
    return store.one("SELECT id FROM services WHERE office = ? AND letter = ? AND id != ?",
                     (office, letter, by_other_than)) is not None


def service_has_history(store, office: str, service_id: str) -> bool:
    """Some ticket (of any day) was issued for the service."""
    return store.one("SELECT 1 AS x FROM tickets WHERE office = ? AND service = ? LIMIT 1",
                     (office, service_id)) is not None


def remove_service(store, office: str, service_id: str) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM services WHERE office = ? AND id = ?", (office, service_id))


# ---------------------------------------------------------------------------- windows

def windows(store, office: str) -> list[dict]:
    """The office's windows by number."""
    return store.query("SELECT * FROM windows WHERE office = ? ORDER BY number", (office,))


def window_exists(store, office: str, window: int) -> bool:
    return store.one("SELECT id FROM windows WHERE office = ? AND id = ?", (office, window)) is not None


def remove_window(store, window: int) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM windows WHERE id = ?", (window,))
