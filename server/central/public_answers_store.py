"""The visitors' answers given at the centre (issue 18 point 1): the 1-5 rating and the survey of a
visit, given on the centre's public page by a phone that can not reach the office's LAN. SQL only
(migration 14, ``public_answers``); the rules are the office's own (server/domain/rating.py,
server/domain/survey.py) and the routes are server/central/public_answers.py.

The centre only HOLDS the answers: the office's hub pulls them (server/central_pull.py), applies
each once by its id (the hub is the authority: it records ``rating.given`` / ``survey.answered`` as
if given at the hub, or refuses), and acknowledges them; an acknowledged answer is not sent again.
One rating and one answer set per visit are kept here (a primary key on office, ticket and kind).
"""
from __future__ import annotations

from psycopg.types.json import Jsonb

#: The ticket a page token's hash names, and what the centre's projection knows of it.
_FIND = """SELECT e.office, (e.data->>'ticket')::bigint AS ticket, e.day::text AS day, t.state,
                  (SELECT max(day)::text FROM tickets WHERE office = e.office) AS latest_day
           FROM events e LEFT JOIN tickets t ON t.office = e.office AND t.id = (e.data->>'ticket')::bigint
           WHERE e.type = 'ticket.issued' AND e.data->>'token' = %s
           ORDER BY e.seq DESC LIMIT 1"""


def find_visit(store, token_hash: str) -> dict | None:
    """``{office, ticket, day, state, latest_day}`` of the ticket whose page token hashes to
    ``token_hash`` (the hub ships only the hash), or None."""
    with store.connection() as conn:
        return conn.execute(_FIND, (token_hash,)).fetchone()


def answer_of(store, office: str, ticket: int, kind: str) -> dict | None:
    with store.connection() as conn:
        return conn.execute("SELECT id, body FROM public_answers WHERE office = %s AND ticket = %s AND kind = %s",
                            (office, ticket, kind)).fetchone()


def hold(store, office: str, ticket: int, day: str, kind: str, body: dict) -> tuple[int, bool]:
    """Keep a visit's answer of ``kind`` (``rating`` or ``survey``) once. Answers (id, written now):
    a second answer of the same kind for the visit writes nothing and answers the first's id."""
    with store.transaction() as conn:
        row = conn.execute(
            """INSERT INTO public_answers (office, ticket, day, kind, body) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (office, ticket, kind) DO NOTHING RETURNING id""",
            (office, ticket, day, kind, Jsonb(body))).fetchone()
        if row is not None:
            return int(row["id"]), True
        row = conn.execute("SELECT id FROM public_answers WHERE office = %s AND ticket = %s AND kind = %s",
                           (office, ticket, kind)).fetchone()
        return int(row["id"]), False


def waiting(store, office: str, limit: int = 200) -> list[dict]:
    """The office's answers its hub has not acknowledged yet, oldest first (ratings before the
    surveys of the same visit: a survey is applied after its visit's rating)."""
    with store.connection() as conn:
        rows = conn.execute(
            """SELECT id, ticket, day::text AS day, kind, body, extract(epoch FROM given_at) AS given_at
               FROM public_answers WHERE office = %s AND acked_at IS NULL
               ORDER BY id LIMIT %s""", (office, limit)).fetchall()
    return [{**r, "given_at": float(r["given_at"])} for r in rows]


def acknowledge(store, office: str, ids: list[int], outcomes: dict[int, str]) -> int:
    """The hub applied (or refused, for good) these answers: they are not sent again."""
    if not ids:
        return 0
    with store.transaction() as conn:
        n = 0
        for ident in ids:
            cur = conn.execute("UPDATE public_answers SET acked_at = now(), outcome = %s "
                               "WHERE office = %s AND id = %s AND acked_at IS NULL",
                               (outcomes.get(ident, "applied"), office, ident))
            n += cur.rowcount
        return n


def counts(store, office: str) -> dict:
    """How many answers the office has here: held, waiting for its hub, acknowledged (for tests
    and the log)."""
    with store.connection() as conn:
        row = conn.execute("""SELECT count(*) AS held, count(*) FILTER (WHERE acked_at IS NULL) AS waiting
                              FROM public_answers WHERE office = %s""", (office,)).fetchone()
    return {"held": int(row["held"]), "waiting": int(row["waiting"])}
