"""What the console knows about the hall: the hub's snapshot, kept current by its events.

No Qt and no network here, and no queue rules: the hub decides who is called, what is allowed
and what the norms are; this module remembers what the hub said and works out *how long* things
have run and how that compares with the norm the hub sent (``services[].service_norm``,
``profile.digital`` …). Times are the hub's: the console keeps the offset between its own clock
and the hub's ``now`` (taken from each snapshot), so a testing clock or a skewed PC clock does not
change what the operator sees.

Events already reflected in the snapshot (``seq`` not above its ``seq``) are ignored; events that
arrive while a snapshot is on its way are kept and applied again on top of it, so a resync never
loses one.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime

from hub_client.models import HallState, NormView

try:
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover - Python 3.11 has it
    ZoneInfo = None  # type: ignore

#: Ticket states in which a ticket belongs to a window.
ACTIVE = ("called", "serving")
#: Ticket states that keep a ticket in the console's picture of the hall.
LIVE = ("waiting", "called", "serving")
#: Share of a single-figure norm at which the colour turns amber — the same share at which the
#: administrator's stand warns that a norm is near (server/domain/alerts.py, NEAR_SHARE).
NEAR_SHARE = 0.75

OK, WARN, OVER, NONE = "ok", "warn", "over", "none"

CLIENT_WORDS = {"individual": "Физическое лицо", "business": "Юридическое лицо, ИП",
                "any": "Тип клиента не указан"}
PAUSE_WORDS = {"lunch": "Обед", "technical": "Технический перерыв", "other": "Другая причина"}
PAUSE_TITLES = {"lunch": "Перерыв на обед", "technical": "Технический перерыв", "other": "Перерыв"}
WINDOW_WORDS = {"open": "открыто", "paused": "перерыв", "closed": "закрыто"}
LEVEL_WORDS = {"specialist": "Специалист", "senior": "Старший специалист", "head": "Руководитель"}
LEVEL_TO_WORDS = {"senior": "Старшему специалисту", "head": "Руководителю"}
PHASE_WORDS = {"called": "Вызван — ждём посетителя", "serving": "Идёт приём",
               "digital": "Цифровые сервисы", "upsell": "Доп. услуги"}
PHASE_FULL = {"digital": "Привлечение к цифровым сервисам",   # 001:396
              "upsell": "Предложение дополнительных товаров и услуг"}  # 001:415


@dataclass
class Norm(NormView):
    """A norm as the hub states it (``hub_client.models.NormView``: minutes, ``target`` should usually
    hold, ``limit`` must not pass) with the console's colours. The console decides no norm: which
    norm a ticket has (its service, its level, its number of accounts) is the hub's ``wait_limit``
    and ``service_limit``; the norms the hub stated give it its target and source."""

    @classmethod
    def from_json(cls, d: dict | None) -> Norm | None:  # type: ignore[override]  # None: no norm stated
        norm = cls.read(d)  # hub_client.models.NormView.read: the hub's JSON, read once
        return norm if isinstance(norm, Norm) else None

    @property
    def low(self) -> float:
        return self.limit if self.target is None else self.target

    @property
    def amber_s(self) -> float:
        """Where green turns amber: past the target of a range («5–10»), else at 75 % of the figure."""
        if self.low < self.limit:
            return self.low * 60.0
        return NEAR_SHARE * self.limit * 60.0

    def level(self, elapsed: float) -> str:
        if elapsed > self.limit_s:
            return OVER
        if elapsed >= self.amber_s:
            return WARN
        return OK

    @property
    def words(self) -> str:
        return f"{fmt_minutes(self.low)}–{fmt_minutes(self.limit)} мин" if self.low < self.limit \
            else f"{fmt_minutes(self.limit)} мин"


def as_stated(limit_s: float | None, own: Norm | None, others: list[Norm | None]) -> Norm | None:
    """The hub's limit for a ticket (seconds) as a norm to show: ``own`` (the service's stated
    norm) or one of ``others`` with that limit, with its target and source; a limit no stated
    norm has (a request covering several accounts, 001:841) keeps ``own``'s proportions. With
    no limit from the hub, ``own`` as stated."""
    if limit_s is None:
        return own
    for norm in (own, *others):
        if norm is not None and abs(norm.limit_s - float(limit_s)) <= 0.5:
            return norm
    minutes = float(limit_s) / 60.0
    if own is None:
        return Norm(limit=minutes, target=minutes)
    return Norm(limit=minutes, target=own.low * minutes / own.limit, source=own.source)


def norm_level(elapsed: float | None, norm: Norm | None) -> str:
    if elapsed is None or norm is None:
        return NONE
    return norm.level(elapsed)


@dataclass(frozen=True)
class Clock:
    """One running time on the card: what runs, since when (hub time), against which norm."""

    key: str            # called | serving | digital | upsell | visit | wait | pause
    title: str
    since: float
    norm: Norm | None = None
    until: float | None = None  # a stretch that has ended (the wait, once called)

    def elapsed(self, now: float) -> float:
        return max(0.0, (self.until if self.until is not None else now) - self.since)

    def level(self, now: float) -> str:
        return norm_level(self.elapsed(now), self.norm)


@dataclass(frozen=True)
class HallRow:
    service: str
    letter: str
    name: str
    waiting: int
    oldest: float          # seconds the longest-waiting visitor has waited (0 when nobody waits)
    norm: Norm | None      # the waiting norm of this service
    mine: bool             # my window serves this service
    open: bool = True

    @property
    def level(self) -> str:
        return norm_level(self.oldest, self.norm) if self.waiting else NONE


class ConsoleModel:
    """The hall as the hub last described it, from one window's point of view."""

    def __init__(self, buffer: int = 500):
        self.window_id: int | None = None
        self.office: dict = {}
        self.profile: dict = {}
        self.schedule: dict = {}
        self.services: dict[str, dict] = {}
        self.windows: dict[int, dict] = {}
        self.tickets: dict[int, dict] = {}
        self.seq = -1
        self.day: str | None = None
        self.offset = 0.0          # hub time − local time
        self.loaded = False
        self._recent: deque = deque(maxlen=buffer)

    # ------------------------------------------------------------------ feeding

    def load(self, snap: dict, local_now: float | None = None) -> None:
        """Take a full snapshot (``GET /offices/{office}/state``), then the events that came after it."""
        local_now = time.time() if local_now is None else local_now
        hall = HallState.from_json(snap)
        self.offset = float(hall.now if hall.now is not None else local_now) - local_now
        self.office = hall.office or {}
        self.profile = hall.profile or {}
        self.schedule = hall.schedule or {}
        self.day = hall.day
        self.services = {s["id"]: s for s in hall.services}
        self.windows = {w.id: w.to_json() for w in hall.windows}
        self.tickets = {}
        for t in hall.waiting + hall.calls:
            self._put_ticket(t.to_json())
        self.seq = int(hall.seq)
        self.loaded = True
        for event in sorted(self._recent, key=lambda e: e.seq):
            if event.seq > self.seq:
                self._apply(event)

    def apply(self, event) -> set[str]:
        """Apply one event (a ``hub_client.HubEvent``). Answers what it touched: ``mine`` (my window
        or its ticket), ``hall``, ``resync`` (the hub's day or configuration changed)."""
        self._recent.append(event)
        if not self.loaded or event.seq <= self.seq:
            return set()
        return self._apply(event)

    def _apply(self, event) -> set[str]:
        self.seq = max(self.seq, event.seq)
        touched: set[str] = set()
        if event.type in ("day.started", "config.changed"):
            touched.add("resync")
        view = event.view or {}
        t = view.get("ticket")
        if t and "id" in t:
            before = self.tickets.get(t["id"])
            self._put_ticket(t)
            touched.add("hall")
            if self.window_id is not None and (t.get("window") == self.window_id
                                               or (before and before.get("window") == self.window_id)):
                touched.add("mine")
        w = view.get("window")
        if w and "id" in w:
            self._put_window(w)
            if w["id"] == self.window_id:
                touched.add("mine")
        return touched

    def apply_ticket(self, t: dict | None) -> None:
        """A ticket as an action's answer returned it (applied at once; the event follows)."""
        if t and "id" in t:
            self._put_ticket(t)

    def apply_window(self, w: dict | None) -> None:
        if w and "id" in w:
            self._put_window(w)

    def _put_ticket(self, t: dict) -> None:
        if t.get("state") in LIVE:
            self.tickets[t["id"]] = {**self.tickets.get(t["id"], {}), **t}
        else:
            self.tickets.pop(t["id"], None)
        # the window that had it no longer has it
        if t.get("state") not in ACTIVE:
            for w in self.windows.values():
                if w.get("ticket") == t["id"]:
                    w["ticket"], w["ticket_code"] = None, None

    def _put_window(self, w: dict) -> None:
        self.windows[w["id"]] = {**self.windows.get(w["id"], {}), **w}

    # ------------------------------------------------------------------ time

    def now(self, local: float | None = None) -> float:
        """The hub's time now."""
        return (time.time() if local is None else local) + self.offset

    def tz(self):
        name = self.schedule.get("tz") if self.schedule else None
        if name and ZoneInfo is not None:
            try:
                return ZoneInfo(name)
            except Exception:
                pass
        return None

    def clock_text(self, now: float | None = None) -> str:
        now = self.now() if now is None else now
        tz = self.tz()
        moment = datetime.fromtimestamp(now, tz) if tz else datetime.fromtimestamp(now)
        return moment.strftime("%H:%M")

    # ------------------------------------------------------------------ my window

    def find_window(self, number: int) -> dict | None:
        for w in self.windows.values():
            if int(w.get("number", -1)) == int(number):
                return w
        return None

    @property
    def window(self) -> dict | None:
        return self.windows.get(self.window_id) if self.window_id is not None else None

    def my_ticket(self) -> dict | None:
        """The ticket called to or served at my window (the hub allows one at a time)."""
        if self.window_id is None:
            return None
        mine = [t for t in self.tickets.values() if t.get("window") == self.window_id
                and t.get("state") in ACTIVE]
        if not mine:
            return None
        return max(mine, key=lambda t: t.get("called_at") or 0)

    def serves(self, service: str) -> bool:
        w = self.window
        return bool(w and (w.get("services") or {}).get(service, 0) > 0)

    def waiting_for_me(self) -> int:
        """Visitors waiting for the services my window serves (the hub decides who is called)."""
        return sum(1 for t in self.tickets.values() if t.get("state") == "waiting" and self.serves(t["service"]))

    # ------------------------------------------------------------------ norms

    def profile_norm(self, key: str) -> Norm | None:
        return Norm.from_json(self.profile.get(key)) if self.profile else None

    def service_norm(self, t: dict) -> Norm | None:
        """The norm this ticket is served against: the hub's ``service_limit`` (its service, its level
        and its number of accounts applied by the hub), told as the stated norm with that limit."""
        s = self.services.get(t.get("service"))
        own = Norm.from_json(s.get("service_norm")) if s else None
        level = t.get("level") or "specialist"
        if level != "specialist":  # a ticket passed up is told as its level's stated norm first
            mine = Norm.from_json((self.profile.get("escalation_norms") or {}).get(level))
            own = as_stated(t.get("service_limit"), mine, [own]) if mine else own
        return as_stated(t.get("service_limit"), own, [])

    def wait_norm(self, t: dict) -> Norm | None:
        """The norm this ticket waits against: the hub's ``wait_limit``, told as its service's norm."""
        s = self.services.get(t.get("service"))
        return as_stated(t.get("wait_limit"), Norm.from_json(s.get("wait_norm")) if s else None, [])

    def escalation_levels(self, t: dict | None = None) -> list[str]:
        """The steps of the profile's ladder above the ticket's level (000:322, 002:155, 003:248)."""
        ladder = list(self.profile.get("escalation") or [])
        if t is None:
            return ladder
        order = list(LEVEL_WORDS)
        current = order.index(t.get("level") or "specialist") if (t.get("level") or "specialist") in order else 0
        return [lv for lv in ladder if lv in order and order.index(lv) > current]

    # ------------------------------------------------------------------ clocks

    def phase_clock(self, t: dict) -> Clock:
        """The phase the ticket is in now, since when, against which norm."""
        if t.get("state") == "called":
            return Clock("called", PHASE_WORDS["called"], t.get("called_at") or self.now())
        phase = t.get("phase")
        if phase and t.get("phase_started_at"):
            return Clock(phase, PHASE_WORDS.get(phase, phase), t["phase_started_at"], self.profile_norm(phase))
        return self.service_clock(t)

    def service_clock(self, t: dict) -> Clock:
        return Clock("serving", PHASE_WORDS["serving"], t.get("started_at") or t.get("called_at") or self.now(),
                     self.service_norm(t))

    def wait_clock(self, t: dict) -> Clock:
        """How long the visitor waited in this segment (ends when called)."""
        return Clock("wait", "Ожидание", t.get("queued_at") or t.get("issued_at") or self.now(),
                     self.wait_norm(t), until=t.get("called_at"))

    def visit_clock(self, t: dict) -> Clock:
        """The whole visit so far, waiting included (001:418–419: ≤ 33 min on rosatom-2026)."""
        return Clock("visit", "Весь визит", t.get("issued_at") or self.now(), self.profile_norm("visit_total"))

    # ------------------------------------------------------------------ the hall

    def hall_rows(self, now: float | None = None) -> list[HallRow]:
        now = self.now() if now is None else now
        waiting: dict[str, list[dict]] = {}
        for t in self.tickets.values():
            if t.get("state") == "waiting":
                waiting.setdefault(t["service"], []).append(t)
        rows = []
        for s in sorted(self.services.values(), key=lambda s: (s.get("order", 0), s.get("letter", ""))):
            if not s.get("active", True) and not waiting.get(s["id"]):
                continue
            ts = waiting.get(s["id"], [])
            oldest = max((now - (t.get("queued_at") or now) for t in ts), default=0.0)
            rows.append(HallRow(s["id"], s.get("letter", ""), s.get("name", s["id"]), len(ts), max(0.0, oldest),
                                Norm.from_json(s.get("wait_norm")), self.serves(s["id"]), bool(s.get("open", True))))
        return rows

    def other_windows(self) -> list[dict]:
        return sorted((w for w in self.windows.values() if w["id"] != self.window_id),
                      key=lambda w: int(w.get("number", 0)))

    def service_list(self) -> list[dict]:
        return sorted((s for s in self.services.values() if s.get("active", True)),
                      key=lambda s: (s.get("order", 0), s.get("letter", "")))


# ---------------------------------------------------------------------- words

def fmt_duration(seconds: float | None) -> str:
    """«4:07», «1:02:03»: minutes and seconds, hours when there are some."""
    if seconds is None:
        return "—"
    s = int(max(0, seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def fmt_minutes(minutes: float) -> str:
    return str(int(minutes)) if float(minutes).is_integer() else f"{minutes:.1f}".replace(".", ",")


def plural(n: int, one: str, few: str, many: str) -> str:
    n = abs(int(n))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def people(n: int) -> str:
    return f"{n} {plural(n, 'человек', 'человека', 'человек')}"


def window_label(w: dict | None) -> str:
    if not w:
        return "Окно"
    zone = f" · {w['zone']}" if w.get("zone") else ""
    return f"Окно {w.get('number')}{zone}"
