"""Tomorrow's visitors per hour and per topic, from the office's own history (pure, no I/O).

The history is the same weekday of the last weeks (``history_days``: one dict per day, hour →
service → visitors who took a ticket in that hour). With fewer than ``MIN_DAYS`` such days the
forecast falls back to a scenario's profile (``server/simulation/scenario.py``: visitors per hour
and the topic mix), and says so (``source = "profile"``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MIN_DAYS = 2  # fewer same-weekday days than this: the profile is used instead
WEEKS = 6  # how many weeks back the history is read by default


@dataclass
class Forecast:
    day: date
    #: hour of the day → service → expected visitors in that hour
    rates: dict[int, dict[str, float]]
    source: str  # "history" | "profile"
    days_used: list[str] = field(default_factory=list)
    #: service → mean minutes at the window (from history; else from the profile or scenario)
    minutes: dict[str, float] = field(default_factory=dict)
    #: the plan staffs for a busier day than the mean: mean + one standard deviation of the day
    #: totals seen, over the mean (1.0 with fewer than three days or no spread)
    margin: float = 1.0

    def planned(self, hour: int) -> dict[str, float]:
        """The hour's visitors the plan staffs for (the forecast times the margin)."""
        return {s: n * self.margin for s, n in self.rates.get(hour, {}).items() if n > 0}

    def total(self, hour: int) -> float:
        return sum(self.rates.get(hour, {}).values())

    def day_total(self) -> float:
        return sum(self.total(h) for h in self.rates)

    def mix(self) -> dict[str, float]:
        """Each service's share of the day's visitors."""
        out: dict[str, float] = {}
        for per in self.rates.values():
            for s, n in per.items():
                out[s] = out.get(s, 0.0) + n
        total = sum(out.values())
        return {s: n / total for s, n in out.items()} if total else {}

    def to_json(self) -> dict:
        return {"day": self.day.isoformat(), "source": self.source, "days_used": self.days_used,
                "rates": {str(h): {s: round(n, 2) for s, n in sorted(per.items())}
                          for h, per in sorted(self.rates.items())},
                "minutes": {s: round(m, 2) for s, m in sorted(self.minutes.items())},
                "margin": round(self.margin, 3)}


def from_history(day: date, history_days: list[tuple[str, dict[int, dict[str, int]]]],
                 minutes: dict[str, float] | None = None) -> Forecast | None:
    """The mean of the same weekday's days (``(iso day, counts)``); None when there are too few."""
    days = [(d, c) for d, c in history_days if c and sum(sum(x.values()) for x in c.values()) > 0]
    if len(days) < MIN_DAYS:
        return None
    rates: dict[int, dict[str, float]] = {}
    for _, counts in days:
        for hour, per in counts.items():
            slot = rates.setdefault(int(hour), {})
            for s, n in per.items():
                slot[s] = slot.get(s, 0.0) + n / len(days)
    totals = [sum(sum(x.values()) for x in c.values()) for _, c in days]
    margin = 1.0
    if len(totals) >= 3:
        mean = sum(totals) / len(totals)
        sd = (sum((t - mean) ** 2 for t in totals) / (len(totals) - 1)) ** 0.5
        margin = min(1.5, 1.0 + sd / mean) if mean else 1.0
    return Forecast(day, rates, "history", sorted(d for d, _ in days), dict(minutes or {}), margin)


def from_profile(day: date, scenario, minutes: dict[str, float] | None = None) -> Forecast:
    """The scenario's visitors per hour split by its topic mix (when the office's history is short)."""
    mix = scenario.topic_mix()
    rates: dict[int, dict[str, float]] = {}
    for start, end, rate in scenario.arrivals:
        for hour in range(int(start // 3600), int((end - 1) // 3600) + 1):
            a, b = max(start, hour * 3600.0), min(end, (hour + 1) * 3600.0)
            if b <= a:
                continue
            slot = rates.setdefault(hour, {})
            for s, share in mix.items():
                slot[s] = slot.get(s, 0.0) + rate * share * (b - a) / 3600.0
    own = {t.service: t.time.mean for t in scenario.topics}
    own.update(minutes or {})
    return Forecast(day, rates, "profile", [], own)
