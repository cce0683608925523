"""What the visitor's phone shows (``/t/<token>``): finding the ticket of a token, the people
ahead and the estimate shared by all the phones of an office, and the view with its Russian
sentences. No routes here (server/web/visitor.py); the rules are in :mod:`server.domain`."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from flask import current_app, url_for

from ..domain import estimate, rating
from ..domain import survey as survey_rules
from ..domain.hall import Hall
from ..domain.model import Ticket, TicketState, WindowState
from ..store import survey as survey_store
from ..store import visitor as visitor_store
from ..texts import day_month, people
from . import forms

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

FIGURES_TTL = 15.0        # people ahead / estimates are shared by all phones for this long

SCORE_WORDS = rating.SCORE_WORDS
STATE_OUTCOME_WORDS = {
    "no_show": "Талон закрыт: Вас приглашали к окну, но, к сожалению, не дождались.",
    "cancelled": "Талон отменён.",
    "expired": "Талон закрыт в конце рабочего дня.",
}


class Unknown(Exception):
    """A made-up or mistyped token (or desk key)."""


class Gone(Exception):
    """A real ticket of an earlier office day."""

    def __init__(self, day: str, office: str | None = None):
        super().__init__(day)
        self.day = day
        self.office = office


@dataclass
class Found:
    ticket: int
    office: str
    day: str
    token: str


class VisitorState:
    """What the visitor pages keep in memory per app: the streams' count and shared figures
    (the limits and the signing key are the app's :class:`server.web.forms.FormGuard`)."""

    def __init__(self, app):
        from ..settings import current

        self.app = app
        self.hub = app.config["TALON_HUB"]  # set before the blueprints are registered (server/app.py)
        self.max_streams = current().visitor_streams
        self.streams = 0
        self.streams_lock = threading.Lock()
        self.figures: dict[str, tuple[tuple, dict]] = {}  # office → (cache key, figures)

    @property
    def limits(self) -> dict[str, forms.SlidingWindow]:
        return forms.guard(self.app).limits

    def sign(self, purpose: str, value: str, length: int = 22) -> str:
        return forms.guard(self.app).sign(purpose, value, length)

    def csrf(self, token: str) -> str:
        return self.sign("csrf", token, 32)

    def desk_key(self, window: int) -> str:
        return self.sign("desk", str(window))

    def take_stream(self) -> bool:
        with self.streams_lock:
            if self.streams >= self.max_streams:
                return False
            self.streams += 1
            return True

    def give_stream(self) -> None:
        with self.streams_lock:
            self.streams -= 1


def vs() -> VisitorState:
    return current_app.extensions["talon_visitor"]


def find(token: str) -> Found:
    """The ticket of a token (of any day); :class:`Unknown` for a made-up one."""
    if not TOKEN_RE.match(token or ""):
        forms.count_miss()
        raise Unknown()
    row = visitor_store.ticket_of_token(vs().hub.store, token)
    if row is None:
        forms.count_miss()
        raise Unknown()
    return Found(row["id"], row["office"], row["day"], token)


def today_ticket(hall: Hall, found: Found, now: float) -> Ticket:
    """The ticket in today's hall; :class:`Gone` if it belongs to an earlier office day."""
    today = hall.schedule.office_day(now)
    t = hall.tickets.get(found.ticket)
    if found.day != today or t is None or t.day != today:
        raise Gone(found.day, found.office)
    return t


def compute_figures(hall: Hall, now: float) -> dict[int, tuple]:
    """People ahead and the estimate range (minutes) of every waiting ticket, from one run of
    the estimate's projection. The counting is :meth:`Hall.people_ahead`'s: visitors of the same
    service expected to be called first (by the time of queueing when no open window serves it)."""
    projected = estimate.project(hall, now)
    out: dict[int, tuple] = {}
    ahead_of_service: dict[str, int] = {}
    for tid in sorted(projected, key=lambda x: (projected[x], x)):
        t = hall.tickets[tid]
        n = ahead_of_service.get(t.service, 0)
        ahead_of_service[t.service] = n + 1
        out[tid] = (n, estimate.wait_range(hall, projected[tid] - now))
    waiting = hall.waiting()
    for t in waiting:
        if t.id not in out:
            n = sum(1 for x in waiting if x.service == t.service and x.queued_at <= t.queued_at and x.id != t.id)
            out[t.id] = (n, (None, None))
    return out


def figures(state: VisitorState, office: str, hall: Hall, now: float) -> dict[int, tuple]:
    """:func:`compute_figures`, once per event of the office (or per :data:`FIGURES_TTL`) for all
    the phones of the office. Call under the office lock."""
    key = (state.hub.stream(office).last, int(now // FIGURES_TTL))
    cached = state.figures.get(office)
    if cached is not None and cached[0] == key:
        return cached[1]
    out = compute_figures(hall, now)
    state.figures[office] = (key, out)
    return out


def minutes(low: float, high: float) -> str:
    if int(low) <= 0:
        return f"до {int(high)} мин"
    return f"{int(low)}–{int(high)} мин"


def day_words(day: str) -> str:
    """«3 декабря» for ``2026-12-03`` (the day a ticket was valid); the text itself if it is not a date."""
    return day_month(day)


def _waiting_words(hall: Hall, t: Ticket, figs: dict, v: dict) -> None:
    say = v["say"]
    ahead, (low, high) = figs.get(t.id, (0, (None, None)))
    v["ahead"] = ahead
    v["estimate"] = [low, high] if low is not None else None
    say["title"] = f"Талон {t.code}"
    say["ahead"] = ("Перед Вами никого нет — Вас скоро пригласят" if ahead == 0
                    else f"Перед Вами {people(ahead)}")
    say["estimate"] = (f"Примерное время ожидания: {minutes(low, high)}" if low is not None
                       else "Время ожидания подскажет администратор зала")
    opening = estimate.opening_text(hall, t)
    if opening and not any(w.state is WindowState.OPEN and w.serves(t.service) for w in hall.windows.values()):
        say["estimate"] = opening[0].upper() + opening[1:]  # no window of its service open yet


def _active_words(hall: Hall, t: Ticket, v: dict) -> None:
    say = v["say"]
    w = hall.windows.get(t.window) if t.window is not None else None
    v["window"] = w.number if w else None
    number = v["window"] if v["window"] is not None else ""
    if t.state is TicketState.CALLED:
        say["title"] = f"Вас приглашают к окну {number}"
        say["call"] = f"Вас приглашают к окну {number}"
        say["hint"] = "Пожалуйста, подойдите к окну. Номер окна указан над ним."
    else:
        say["title"] = f"Вас обслуживают в окне {number}"
        say["serving"] = f"Вас обслуживают в окне {number}"
        say["hint"] = "После приёма на этой странице можно будет оценить качество обслуживания."


def _final_words(hall: Hall, t: Ticket, today: str, score: int | None, v: dict) -> None:
    say = v["say"]
    v["final"] = True
    seg = rating.served_segment(t) or (t.segment if t.segments else None)
    w = hall.windows.get(seg.window) if seg is not None and seg.window is not None else None
    v["window"] = w.number if w else None
    v["outcome"] = t.outcome if t.state is TicketState.FINISHED else (
        "expired" if t.outcome == "expired" else v["state"])
    refusal = rating.refusal(t, today, score is not None)
    v["can_rate"] = refusal is None
    if t.state is TicketState.FINISHED:
        say["title"] = "Приём завершён"
        say["done"] = "Приём завершён. Спасибо, что обратились к нам!"
        if score is not None:
            say["thanks"] = f"Спасибо за оценку! Ваша оценка: {score} из 5 — {SCORE_WORDS[score]}."
        elif refusal is not None:
            say["note"] = refusal.message
    else:
        say["title"] = "Талон закрыт"
        say["closed"] = STATE_OUTCOME_WORDS.get(v["outcome"], "Талон закрыт.")
        say["hint"] = ("Если Вы ещё в центре обслуживания и Вам нужна помощь, обратитесь, "
                       "пожалуйста, к администратору зала.")


def visitor_view(hall: Hall, t: Ticket, today: str, figs: dict, score: int | None) -> dict:
    """What the visitor's phone shows: this ticket only, with the Russian sentences to show."""
    s = hall.services.get(t.service)
    v = {"code": t.code, "service": s.name if s else "", "state": str(t.state), "outcome": None,
         "ahead": None, "estimate": None, "window": None, "recalls": t.recalls,
         "rated": score is not None, "score": score, "can_rate": False, "final": False, "say": {}}
    if t.state is TicketState.WAITING:
        _waiting_words(hall, t, figs, v)
    elif t.state.active:
        _active_words(hall, t, v)
    else:
        _final_words(hall, t, today, score, v)
    return v


def current_view(state: VisitorState, found: Found) -> dict:
    """This visitor's view now (:class:`Gone` once the office day is over)."""
    hub = state.hub
    with hub.lock(found.office):
        hall = hub.hall(found.office)
        now = hub.clock.now()
        t = today_ticket(hall, found, now)
        figs = figures(state, found.office, hall, now) if t.state is TicketState.WAITING else {}
        score = visitor_store.score_of(hub.store, t.id) if t.state is TicketState.FINISHED else None
        return visitor_view(hall, t, hall.schedule.office_day(now), figs, score)


def survey_page(found: Found, view: dict) -> dict:
    """What the page needs for the questionnaire offered after the rating (server/domain/survey.py)."""
    done = view.get("state") == "finished" and survey_store.answers_of(vs().hub.store, found.ticket) is not None
    return {"questions": [q.to_json() for q in survey_rules.QUESTIONS], "done": done,
            "offer": survey_rules.OFFER, "intro": survey_rules.INTRO, "thanks": survey_rules.THANKS,
            "url": url_for("visitor.ticket_survey", token=found.token)}
