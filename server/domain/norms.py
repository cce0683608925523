"""Norm profiles: the waiting and service norms of each company's standard, as data.

Every value cites the line of the standard it comes from (``../shared/standards/``).
A norm given as a range («5–10 мин») has a target (the lower bound) and a limit (the upper one);
a single figure is both. Most norms are averages (001:379), so reports show the average
against the norm *and* the share of visitors within it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, overload

MINUTE = 60.0


@dataclass(frozen=True)
class Norm:
    """One norm in minutes: ``target`` is what should usually hold, ``limit`` must not be passed."""

    target: float
    limit: float
    source: str = ""

    @overload
    @classmethod
    def of(cls, minutes: None, source: str = "") -> None: ...

    @overload
    @classmethod
    def of(cls, minutes: float | tuple[float, float], source: str = "") -> Norm: ...

    @classmethod
    def of(cls, minutes: float | tuple[float, float] | None, source: str = "") -> Norm | None:
        if minutes is None:
            return None
        if isinstance(minutes, (tuple, list)):
            return cls(float(minutes[0]), float(minutes[1]), source)
        return cls(float(minutes), float(minutes), source)

    @property
    def limit_seconds(self) -> float:
        return self.limit * MINUTE

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "limit": self.limit, "source": self.source}

    def per_accounts(self, accounts: int) -> Norm:
        """The norm for a request covering ``accounts`` accounts when the standard gives it per
        account (001:841: «8 минут на 1 лицевой счет или 1 точку подключения»): both scale."""
        n = max(1, int(accounts))
        return self if n == 1 else Norm(self.target * n, self.limit * n, self.source)


@dataclass(frozen=True)
class ServiceKindNorms:
    """Norms for one kind of service (consultation, cash desk, …)."""

    wait: Norm | None
    service: Norm | None


@dataclass(frozen=True)
class NormProfile:
    """A company's norms. ``kinds`` maps a service kind to its wait/service norms."""

    id: str
    title: str
    kinds: dict[str, ServiceKindNorms]
    digital: Norm | None = None   # «Привлечение к цифровым сервисам», a sub-phase of service
    upsell: Norm | None = None    # «Предложение доп. товаров и услуг», a sub-phase of service
    visit_total: Norm | None = None  # the whole visit, waiting included
    escalation: tuple[str, ...] = ()  # the ladder of levels above the specialist
    escalation_norms: dict[str, Norm] = field(default_factory=dict)
    monthly_disclosure: bool = False  # 004:203–209: monthly averages disclosed yearly
    source: str = ""
    #: kinds whose specialist service norm is per account (001:841); the limit scales with the
    #: number of accounts the operator enters for the request
    per_account: tuple[str, ...] = ()
    #: norms of the standard met outside the hall (not measured by the queue, shown with sources):
    #: e.g. the payment confirmation message within 5 minutes of an online payment (001:915)
    remote: dict[str, Norm] = field(default_factory=dict)

    def for_kind(self, kind: str) -> ServiceKindNorms:
        return self.kinds.get(kind) or self.kinds.get("consultation") or ServiceKindNorms(None, None)

    def wait_norm(self, kind: str) -> Norm | None:
        return self.for_kind(kind).wait

    def service_norm(self, kind: str, level: str = "specialist", accounts: int = 1) -> Norm | None:
        if level != "specialist" and level in self.escalation_norms:
            return self.escalation_norms[level]
        norm = self.for_kind(kind).service
        if norm is not None and accounts != 1 and kind in self.per_account:
            return norm.per_accounts(accounts)
        return norm

    def phase_norm(self, phase: str) -> Norm | None:
        return {"digital": self.digital, "upsell": self.upsell}.get(phase)

    def with_overrides(self, overrides: dict[str, Any]) -> NormProfile:
        """A copy with some minutes changed: ``{"consultation": {"wait": 10}, "visit_total": 40}``."""
        kinds = dict(self.kinds)
        extra: dict[str, Any] = {}
        for key, value in (overrides or {}).items():
            if key in ("digital", "upsell", "visit_total"):
                extra[key] = Norm.of(value, "override")
            elif isinstance(value, dict):
                base = self.for_kind(key)
                kinds[key] = ServiceKindNorms(
                    wait=Norm.of(value["wait"], "override") if "wait" in value else base.wait,
                    service=Norm.of(value["service"], "override") if "service" in value else base.service,
                )
        return replace(self, kinds=kinds, **extra)

    def to_json(self) -> dict[str, Any]:
        def n(x: Norm | None) -> dict[str, Any] | None:
            return x.to_json() if x else None

        return {
            "id": self.id,
            "title": self.title,
            "source": self.source,
            "kinds": {k: {"wait": n(v.wait), "service": n(v.service)} for k, v in self.kinds.items()},
            "digital": n(self.digital),
            "upsell": n(self.upsell),
            "visit_total": n(self.visit_total),
            "escalation": list(self.escalation),
            "escalation_norms": {k: n(v) for k, v in self.escalation_norms.items()},
            "monthly_disclosure": self.monthly_disclosure,
            "per_account": list(self.per_account),
            "remote": {k: n(v) for k, v in self.remote.items()},
        }


#: Service kinds a service can be of. The kind decides which norm row applies.
SERVICE_KINDS = ("consultation", "cash", "consultation_cash", "reregistration",
                 "instalment", "certificate", "contract", "documents", "meter_readings")

_R = "001"  # ООО «Росатом Энергосбыт бизнес», 2026
ROSATOM_2026 = NormProfile(
    id="rosatom-2026",
    title="Росатом Энергосбыт бизнес, 2026",
    source="001:379–419, 001:816–994",
    kinds={
        "consultation": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(8, f"{_R}:392–393")),
        "cash": ServiceKindNorms(Norm.of(4, f"{_R}:400–401"), Norm.of(4, f"{_R}:404–405")),
        # consultation and cash operation together: wait 12, service + digital services 16
        "consultation_cash": ServiceKindNorms(Norm.of(12, f"{_R}:408–409"), Norm.of(16, f"{_R}:412–413")),
        # appendix limits (per-service): re-registration 12, instalment 30, certificate 33,
        # contract documents 8 per account; waiting as for a consultation
        "reregistration": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(12, f"{_R}:921")),
        "instalment": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(30, f"{_R}:933")),
        "certificate": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(33, f"{_R}:978")),
        "contract": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(8, f"{_R}:841")),
        # appendix 1.1: the list of documents and the application form for a contract, 5 min
        "documents": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(5, f"{_R}:824")),
        # appendix 2.1: meter readings taken in person and explained, 8 min
        "meter_readings": ServiceKindNorms(Norm.of(8, f"{_R}:388–389"), Norm.of(8, f"{_R}:890–893")),
    },
    per_account=("contract",),  # 001:841: 8 minutes per account or per connection point
    remote={"payment_confirmation": Norm.of(5, f"{_R}:915")},
    digital=Norm.of(4, f"{_R}:396–397"),
    upsell=Norm.of(5, f"{_R}:415–416"),
    visit_total=Norm.of(33, f"{_R}:418–419"),
)

KUZBASS_2020 = NormProfile(
    id="kuzbass-2020",
    title="Кузбассэнергосбыт, 2020",
    source="000:330–338",
    # «Ожидание в очереди — исходя из наличия очереди»: no waiting norm (000:334)
    kinds={"consultation": ServiceKindNorms(None, Norm.of((5, 10), "000:335"))},
    escalation=("senior", "head"),  # 000:322–324: specialist → lead specialist → head
    escalation_norms={"senior": Norm.of((5, 10), "000:337"), "head": Norm.of((5, 10), "000:338")},
)

PYATIGORSK = NormProfile(
    id="pyatigorsk",
    title="Пятигорские электрические сети",
    source="002:145–165",
    kinds={"consultation": ServiceKindNorms(None, Norm.of((10, 15), "002:153"))},
    escalation=("senior", "head"),
    escalation_norms={"senior": Norm.of(15, "002:159"), "head": Norm.of(15, "002:165")},
)

YUTEK_2025 = NormProfile(
    id="yutek-2025",
    title="ЮТЭК, 2025",
    source="003:246–249",
    kinds={"consultation": ServiceKindNorms(None, Norm.of((10, 15), "003:247"))},
    escalation=("senior", "head"),
    escalation_norms={"senior": Norm.of(15, "003:248"), "head": Norm.of(15, "003:249")},
)

BESO_2023 = NormProfile(
    id="beso-2023",
    title="БЭСО, 2023",
    source="004:203–209",
    kinds={"consultation": ServiceKindNorms(None, None)},  # no in-person norms
    monthly_disclosure=True,
)

PRESETS: dict[str, NormProfile] = {p.id: p for p in
                                   (ROSATOM_2026, KUZBASS_2020, PYATIGORSK, YUTEK_2025, BESO_2023)}


def profile(profile_id: str, overrides: dict[str, Any] | None = None) -> NormProfile:
    base = PRESETS[profile_id]
    return base.with_overrides(overrides) if overrides else base
