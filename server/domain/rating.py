"""The visitor's rating of a visit (001:481, 001:509, 004:444): the rules, as pure functions.

* A rating is a score from 1 to 5 and an optional comment, **one per visit** (a ticket is a
  visit: a transfer keeps the ticket), given **after the visit has ended with a service**
  (state ``finished``), on the office day the ticket was issued.
* It is tied to the visit, the window and the operator of the **last served segment** (the one
  the visitor just left), and to that segment's service.
* The desk QR of 001:509 rates the visit being served at that window now, or else the visit
  that finished at that window most recently (within :data:`DESK_GRACE`).
* :func:`summarize` turns rows of the ``ratings`` table into the figures the head's reports show.

No I/O and no clock here: the shell passes the ticket, the hall and ``now`` in.
"""
from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .model import Conflict, Invalid, Segment, Ticket, TicketState

if TYPE_CHECKING:
    from .hall import Hall

SCORES = (1, 2, 3, 4, 5)
COMMENT_MAX = 1000
DESK_GRACE = 10 * 60.0  # seconds after a finish during which the desk QR still rates that visit
SERVED_OUTCOMES = ("finished", "transferred", "escalated")  # a segment the visitor was served in

SCORE_WORDS = {1: "очень плохо", 2: "плохо", 3: "удовлетворительно", 4: "хорошо", 5: "отлично"}


# ---------------------------------------------------------------------- input

def parse_score(value: Any) -> int:
    """The score as an integer 1..5; «5», 5 and 5.0 are accepted, anything else is refused."""
    if isinstance(value, bool):
        raise Invalid("Выберите, пожалуйста, оценку от 1 до 5", code="bad_score")
    if isinstance(value, str):
        value = value.strip()
        if len(value) != 1 or value not in "12345":
            raise Invalid("Выберите, пожалуйста, оценку от 1 до 5", code="bad_score")
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value not in SCORES:
        raise Invalid("Выберите, пожалуйста, оценку от 1 до 5", code="bad_score")
    return value


def clean_comment(value: Any) -> str:
    """The optional comment: text, at most :data:`COMMENT_MAX` characters, no control characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid("Комментарий должен быть текстом", code="bad_comment")
    # line ends first: «\r» is a control character too, and would otherwise become a space
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = text.strip()
    if len(text) > COMMENT_MAX:
        raise Invalid(f"Комментарий слишком длинный: не больше {COMMENT_MAX} знаков", code="bad_comment")
    return text


# ---------------------------------------------------------------------- may this visit be rated?

def refusal(ticket: Ticket, today: str, already_rated: bool) -> Conflict | None:
    """Why this visit can not be rated now (``None``: it can)."""
    if ticket.day != today:
        return Conflict("Оценить обслуживание можно только в день визита", code="day_over")
    if already_rated:
        return Conflict("Оценка за этот визит уже получена. Спасибо!", code="already_rated")
    if ticket.state is TicketState.FINISHED:
        return None
    if ticket.state.terminal:
        return Conflict("Этот визит завершился без обслуживания, оценить его нельзя", code="not_served")
    return Conflict("Оценить обслуживание можно после окончания приёма", code="not_finished")


def check(ticket: Ticket, today: str, already_rated: bool) -> None:
    problem = refusal(ticket, today, already_rated)
    if problem is not None:
        raise problem


def served_segment(ticket: Ticket) -> Segment | None:
    """The last segment in which the visitor was served at a window (``None`` if never)."""
    for seg in reversed(ticket.segments):
        if seg.window is not None and seg.started_at is not None:
            return seg
    return None


def rating_row(ticket: Ticket, score: int, comment: str, now: float) -> dict[str, Any]:
    """The ``ratings`` row of a visit: tied to the visit, its last window, operator and service."""
    seg = served_segment(ticket)
    return {
        "ticket": ticket.id,
        "office": ticket.office,
        "day": ticket.day,
        "score": score,
        "comment": comment,
        "service": seg.service if seg else ticket.service,
        "window": seg.window if seg else None,
        "operator": seg.operator if seg else None,
        "at": now,
    }


# ---------------------------------------------------------------------- the desk QR (001:509)

def desk_visit(hall: Hall, window_id: int, now: float, grace: float = DESK_GRACE) -> Ticket | None:
    """The visit a window's desk QR rates: the one being served there now; else the one that
    finished there most recently, if it ended less than ``grace`` seconds ago. A visitor who is
    only *called* to the window has not been served yet, so the leaving visitor comes first."""
    w = hall.windows.get(window_id)
    if w is None:
        return None
    if w.ticket is not None:
        t = hall.tickets.get(w.ticket)
        if t is not None and t.state is TicketState.SERVING:
            return t
    best: tuple[float, Ticket] | None = None
    for t in hall.tickets.values():
        for seg in t.segments:
            if (seg.window == window_id and seg.ended_at is not None and seg.started_at is not None
                    and seg.outcome in SERVED_OUTCOMES and now - seg.ended_at <= grace):
                if best is None or seg.ended_at > best[0]:
                    best = (seg.ended_at, t)
    return best[1] if best else None


# ---------------------------------------------------------------------- reports

def _figures(scores: list[int]) -> dict[str, Any]:
    n = len(scores)
    dist = Counter(scores)
    return {
        "count": n,
        "average": round(sum(scores) / n, 2) if n else None,
        "distribution": {str(s): dist.get(s, 0) for s in SCORES},
        "share_good": round((dist[4] + dist[5]) / n, 4) if n else None,
        "share_bad": round((dist[1] + dist[2]) / n, 4) if n else None,
    }


def _group(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    groups: dict[Any, list[int]] = {}
    for r in rows:
        groups.setdefault(r.get(key), []).append(r["score"])
    out = [{key: k, **_figures(v)} for k, v in groups.items()]
    return sorted(out, key=lambda g: (g[key] is None, str(g[key]) if g[key] is not None else ""))


def summarize(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Figures for the head's reports from rows of the ``ratings`` table (dicts with at least
    ``score``; ``comment``, ``operator``, ``window``, ``service``, ``day`` are grouped by when
    present). Rows with a score outside 1..5 are not counted (and are counted in ``ignored``).

    Answer: ``count``, ``average`` (2 decimals, ``None`` without ratings), ``distribution``
    (``{"1": n, …, "5": n}``), ``share_good`` (4–5), ``share_bad`` (1–2), ``with_comment``,
    ``ignored``, and ``by_operator``, ``by_window``, ``by_service``, ``by_day``: lists of
    ``{<key>: value, count, average, distribution, share_good, share_bad}`` sorted by the key
    (a missing key, e.g. a visit settled by the hall administrator, is ``None`` and comes last).
    """
    good: list[dict[str, Any]] = []
    ignored = 0
    for r in rows:
        score = r.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
            ignored += 1
            continue
        good.append(r)
    summary = _figures([r["score"] for r in good])
    summary["with_comment"] = sum(1 for r in good if (r.get("comment") or "").strip())
    summary["ignored"] = ignored
    for key in ("operator", "window", "service", "day"):
        summary[f"by_{key}"] = _group(good, key)
    return summary
