"""The visitors' answers given at the company centre, pulled into the office hub (issue 18 point 1).

A visitor on mobile data rates the visit (and answers the questionnaire) on the centre's public
page (server/central/public_answers.py). The centre only holds the answers; this module - a thread
beside each office's shipping loop (:func:`follow`, started by ``server/shipping.py``
``start_shipping``) - pulls the office's answers with the office's key, applies each one ONCE by
its centre id and acknowledges them:

* the hub is the authority: it checks the answer by its own rules (:mod:`server.domain.rating`,
  :mod:`server.domain.survey`: the visit finished, not rated yet, the questionnaire after the
  rating) and records it exactly as the hub's own page does - ``rating.given`` and a ``ratings``
  row, or ``survey.answered`` and ``survey_answers`` rows - so it enters the hub's reports (and,
  shipped back as the hub's own event, the company's) as if given at the hub;
* the answer's id goes into ``central_answers`` (migration ``m011_central_answers``) in the same
  SQLite transaction as the event, so a pull repeated after a lost answer, a lost
  acknowledgement or a restart applies nothing twice; an answer the hub refuses is marked too
  (``refused:<code>``) and acknowledged, so it is not offered again;
* the visit's day is not judged again here: the centre took the rating on the office day it last
  heard of, and the hub may pull it later (the link was down).

Every failure is logged and retried on the next round (``TALON_ANSWERS_EVERY`` seconds, 2 by
default); the queue never waits for it (its own thread, the office lock only to apply).
"""
from __future__ import annotations

import logging
import os
import threading

import requests

from .domain import rating as rating_rules
from .domain import survey as survey_rules
from .domain.model import QueueError
from .store import central_answers as applied
from .store import survey as survey_store
from .store import visitor as visitor_store

log = logging.getLogger(__name__)

EVERY = float(os.environ.get("TALON_ANSWERS_EVERY", "2"))


# ---------------------------------------------------------------------- applying one answer

def _mark(conn, office: str, answer: dict, outcome: str, now: float) -> None:
    applied.mark(conn, office, int(answer["id"]), int(answer["ticket"]), answer["kind"], outcome, now)


def apply_answer(hub, office: str, answer: dict) -> str:
    """Apply one answer held at the centre, once: ``applied``, ``refused:<code>``, or the outcome
    recorded the first time (a repeat)."""
    with hub.lock(office):
        done = applied.outcome(hub.store, int(answer["id"]))
        if done is not None:
            return done
        hall = hub.hall(office)
        now = hub.clock.now()
        ticket = hall.tickets.get(int(answer["ticket"])) or hall.yesterday.get(int(answer["ticket"]))
        outcome = "applied"
        try:
            if ticket is None or ticket.day != answer["day"]:
                raise QueueError("Визит уже не в памяти офиса", code="gone")
            if answer["kind"] == "rating":
                _apply_rating(hub, office, ticket, answer, now)
            elif answer["kind"] == "survey":
                outcome = _apply_survey(hub, office, ticket, answer, now)
            else:
                raise QueueError("Неизвестный вид ответа", code="unknown_kind")
        except QueueError as exc:
            outcome = f"refused:{exc.code}"
            with hub.store.write() as conn:
                _mark(conn, office, answer, outcome, now)
            log.info("answer %s from the centre (%s, ticket %s) refused: %s", answer["id"], answer["kind"],
                     answer["ticket"], exc.code)
        return outcome


def _apply_rating(hub, office: str, ticket, answer: dict, now: float) -> None:
    body = answer.get("body") or {}
    score = rating_rules.parse_score(body.get("score"))
    comment = rating_rules.clean_comment(body.get("comment"))
    # the day was the centre's to check (it took the rating on the visit's day); the rest is ours
    rating_rules.check(ticket, ticket.day, visitor_store.is_rated(hub.store, ticket.id))
    row = rating_rules.rating_row(ticket, score, comment, now)

    def write(conn):
        visitor_store.save_rating(conn, row)
        _mark(conn, office, answer, "applied", now)

    hub.record(office, "rating.given",
               {"ticket": ticket.id, "score": score, "service": row["service"], "window": row["window"],
                "operator": row["operator"], "commented": bool(comment)}, write=write)
    log.info("rating %d given at the centre applied to ticket %s (answer %s)", score, ticket.code, answer["id"])


def _apply_survey(hub, office: str, ticket, answer: dict, now: float) -> str:
    given = survey_rules.validate(answer.get("body"))
    if not survey_rules.check(survey_store.rated(hub.store, ticket.id), survey_store.answers_of(hub.store, ticket.id),
                              given):
        with hub.store.write() as conn:  # the same answers were recorded here already
            _mark(conn, office, answer, "same", now)
        return "same"
    pairs = survey_rules.rows(given)

    def write(conn):
        survey_store.save(conn, ticket.id, office, ticket.day, pairs, now)
        _mark(conn, office, answer, "applied", now)

    hub.record(office, "survey.answered", {"ticket": ticket.id, "answers": [list(p) for p in pairs]}, write=write)
    log.info("survey given at the centre applied to ticket %s (answer %s)", ticket.code, answer["id"])
    return "applied"


# ---------------------------------------------------------------------- the pull

class AnswerPull:
    """Pulls one office's answers from the centre every ``every`` seconds (a session with the
    office's key and the shipper's certificate checks)."""

    def __init__(self, hub, office: str, central: str, session: requests.Session, *, every: float = EVERY,
                 timeout: float = 15.0):
        self.hub, self.office, self.central, self.session = hub, office, central.rstrip("/"), session
        self.every, self.timeout = every, timeout
        self._stop = threading.Event()
        self.rounds = 0
        self.last_error: str | None = None
        self.thread = threading.Thread(target=self._loop, name=f"central-answers-{office}", daemon=True)

    def pull_once(self) -> dict:
        """One round: fetch what the centre holds, apply each once, acknowledge. Answers counts;
        raises ``requests.RequestException`` when the link fails (nothing is lost: retried)."""
        base = f"{self.central}/api/v1/central/offices/{self.office}/answers"
        resp = self.session.get(base, timeout=self.timeout)
        if resp.status_code == 404:  # a centre without the route: nothing to pull
            return {"pulled": 0}
        resp.raise_for_status()
        got = resp.json().get("answers") or []
        outcomes = {}
        for a in got:
            outcomes[int(a["id"])] = apply_answer(self.hub, self.office, a)
        if outcomes:
            ack = self.session.post(base + "/ack", json={"ids": list(outcomes), "outcomes": outcomes},
                                    timeout=self.timeout)
            ack.raise_for_status()
        return {"pulled": len(got), "applied": sum(o == "applied" for o in outcomes.values())}

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.pull_once()
                self.last_error = None
            except requests.RequestException as exc:
                if self.last_error is None:
                    log.warning("office %s: answers from the centre not pulled: %s", self.office, exc)
                self.last_error = str(exc)
            except Exception:  # noqa: BLE001 - the pull never stops the hub; logged, retried
                log.exception("office %s: applying answers from the centre failed", self.office)
            self.rounds += 1

    def start(self) -> AnswerPull:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()


def follow(shipper, hub) -> AnswerPull | None:
    """Start pulling the answers of the shipper's office beside its shipping loop (the shipper's
    key and certificate checks). None without a hub (a shipper of a bare store)."""
    if hub is None:
        return None
    session = requests.Session()  # its own (a Session is not shared between threads): the same key and checks
    session.headers.update(shipper.session.headers)
    session.verify = shipper.session.verify
    pull = AnswerPull(hub, shipper.office, shipper.central, session).start()
    shipper.answers = pull
    return pull
