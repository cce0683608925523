"""The visitor questionnaire's answers (``survey_answers``, migration m009_survey): SQL only.

One row per chosen option of a visit: the ticket, the question's id, the option's id, the office
and its day. No names, no free text: nothing personal (server/domain/survey.py says what was left
out of the form and why). A visit's answers are written once, in one transaction.
"""
from __future__ import annotations

import sqlite3


def rated(store, ticket: int) -> bool:
    """Has the visit been rated (the form opens after the rating)?"""
    return store.one("SELECT 1 AS x FROM ratings WHERE ticket = ?", (ticket,)) is not None


def answers_of(store, ticket: int) -> dict[str, str | list[str]] | None:
    """The answers a visit gave (as :func:`server.domain.survey.validate` cleans them), or None."""
    from ..domain.survey import BY_ID

    rows = store.query("SELECT question, answer FROM survey_answers WHERE ticket = ? ORDER BY rowid", (ticket,))
    if not rows:
        return None
    out: dict[str, str | list[str]] = {}
    for r in rows:
        q = BY_ID.get(r["question"])
        if q is not None and q.multiple:
            out.setdefault(r["question"], []).append(r["answer"])
        else:
            out[r["question"]] = r["answer"]
    for qid, v in out.items():  # in the options' order, as validate() gives them
        if isinstance(v, list):
            order = [o for o, _ in BY_ID[qid].options]
            out[qid] = sorted(v, key=order.index)
    return out


def save(conn: sqlite3.Connection, ticket: int, office: str, day: str, pairs: list[tuple[str, str]],
         at: float) -> bool:
    """Write a visit's answers; False (nothing written) when the visit has answered already."""
    if conn.execute("SELECT 1 FROM survey_answers WHERE ticket = ? LIMIT 1", (ticket,)).fetchone():
        return False
    conn.executemany("INSERT INTO survey_answers (ticket, question, office, day, answer, at) "
                     "VALUES (?, ?, ?, ?, ?, ?)", [(ticket, q, office, day, a, at) for q, a in pairs])
    return True


def counts(store, office: str, first_day: str, last_day: str) -> list[dict]:
    """For each question and option: how many times it was chosen (``n``) and how many visits
    answered the question (``visits``), over days ``first_day``..``last_day``."""
    return store.query(
        """SELECT a.question AS question, a.answer AS answer, count(*) AS n, v.visits AS visits
           FROM survey_answers a
           JOIN (SELECT question, count(DISTINCT ticket) AS visits FROM survey_answers
                 WHERE office = ? AND day BETWEEN ? AND ? GROUP BY question) v ON v.question = a.question
           WHERE a.office = ? AND a.day BETWEEN ? AND ?
           GROUP BY a.question, a.answer ORDER BY a.question, a.answer""",
        (office, first_day, last_day, office, first_day, last_day))


def visits(store, office: str, first_day: str, last_day: str) -> int:
    row = store.one("SELECT count(DISTINCT ticket) AS n FROM survey_answers WHERE office = ? AND day BETWEEN ? AND ?",
                    (office, first_day, last_day))
    return int(row["n"] or 0) if row else 0
