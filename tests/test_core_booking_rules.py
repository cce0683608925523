"""Rules of server/domain/booking.py and the appointment rule of dispatch (issue 16), pinned for
mutation testing (issue 20). Pure: no I/O, time passed in."""
from __future__ import annotations

from datetime import date, datetime, time

import pytest

from server.domain import booking as B
from server.domain import dispatch
from server.domain.model import Window
from server.domain.rota import Rota
from server.domain.schedule import Schedule, weekdays
from tests.core_support import MSK, at, make_hall

MONDAY = date(2026, 11, 23)
WEDNESDAY = date(2026, 11, 25)
SATURDAY = date(2026, 11, 28)


def office(brk=("13:00", "14:00")) -> Schedule:
    return Schedule(week=weekdays("09:00", "18:00", brk))


def win(number, services=None, level="specialist"):
    return Window(id=number, number=number, services=services or {"consult": 2}, level=level)


def day_slots(day=MONDAY, service="consult", rules=None, windows=None, rota=None, minutes=60, schedule=None):
    return B.slots(day, service, schedule=schedule or office(), rota=rota or Rota(),
                   windows=windows if windows is not None else [win(1), win(2)],
                   rules=rules or B.BookingRules(share=0.5), slot_minutes=minutes)


# ---------------------------------------------------------------------- slots and capacity

def test_slots_cover_the_reception_hours_around_the_lunch_in_the_timetable():
    s = day_slots()
    assert [x.key for x in s] == ["09:00", "10:00", "11:00", "12:00", "14:00", "15:00", "16:00", "17:00"]
    assert s[0].start == datetime(2026, 11, 23, 9, 0, tzinfo=MSK)
    assert s[0].end == datetime(2026, 11, 23, 10, 0, tzinfo=MSK)


def test_a_slot_must_fit_whole_inside_a_reception_interval():
    s = day_slots(minutes=45)  # 09:00-13:00 holds five 45-min slots (to 12:45); 14:00-18:00 five
    assert [x.key for x in s][:6] == ["09:00", "09:45", "10:30", "11:15", "12:00", "14:00"]
    assert s[-1].key == "17:00" and s[-1].end.time() == time(17, 45)


def test_no_slots_on_a_day_off_or_for_a_service_that_takes_no_bookings():
    assert day_slots(day=SATURDAY) == []
    assert day_slots(rules=B.BookingRules(share=0.5, services=("cash",))) == []
    assert day_slots(rules=B.BookingRules(share=0.5, services=("consult",))) != []


def test_capacity_is_the_share_of_each_windows_time_summed_over_the_day():
    # two windows, half of their time: one booking per slot
    assert [x.capacity for x in day_slots()] == [1] * 8
    # 20 % of two windows = 0.4 a slot: bookings fall where the running sum crosses a whole one
    caps = [x.capacity for x in day_slots(rules=B.BookingRules(share=0.2))]
    assert caps == [0, 0, 1, 0, 1, 0, 0, 1]
    assert sum(caps) == 3  # floor(0.4 * 8)
    assert [x.windows for x in day_slots()] == [2] * 8


def test_a_window_that_does_not_serve_the_service_offers_no_slots():
    windows = [win(1), win(2, {"cash": 2})]
    assert [x.capacity for x in day_slots(windows=windows, rules=B.BookingRules(share=1.0))] == [1] * 8
    assert all(x.capacity == 0 for x in day_slots(windows=[win(3, {"cash": 2})]))


def test_a_planned_break_of_the_rota_takes_its_window_away_from_the_slots_it_touches():
    rota = Rota.from_json({"breaks": [{"window": 1, "day": "every", "start": "11:30", "end": "12:00"}]})
    s = day_slots(rota=rota, rules=B.BookingRules(share=1.0))
    by = {x.key: (x.windows, x.capacity) for x in s}
    assert by["11:00"] == (1, 1)   # 11:00-12:00 touches the break
    assert by["10:00"] == (2, 2)   # 10:00-11:00 ends before it
    assert by["12:00"] == (2, 2)   # 12:00-13:00 starts when it ends


def test_zero_share_offers_nothing():
    assert all(x.capacity == 0 for x in day_slots(rules=B.BookingRules(share=0.0)))


def test_find_slot_by_its_start():
    s = day_slots()
    assert B.find_slot(s, s[2].start.timestamp()) is s[2]
    assert B.find_slot(s, s[2].start.timestamp() + 60) is None


# ---------------------------------------------------------------------- slot length

def test_slot_length_is_the_setting_else_the_services_norm_else_fifteen_minutes():
    assert B.BookingRules(slot_minutes=20).slot_length(8) == 20
    assert B.BookingRules().slot_length(8) == 8
    assert B.BookingRules().slot_length(7.2) == 8  # rounded up
    assert B.BookingRules().slot_length(None) == B.DEFAULT_SLOT == 15
    assert B.BookingRules().slot_length(2) == B.MIN_SLOT == 5
    assert B.BookingRules().slot_length(500) == B.MAX_SLOT == 120


# ---------------------------------------------------------------------- the director's reception

def reception(**kw):
    return B.Reception.from_json({"service": "head", "days": ["mon", "wed"], "from": "15:00", "to": "17:00",
                                  "windows": [6], **kw})


def test_the_directors_reception_has_slots_only_on_its_days_and_hours_at_the_heads_window():
    rules = B.BookingRules(share=0.2, services=("consult",), reception=reception())
    windows = [win(1), win(6, {"consult": 2})]
    mon = day_slots(service="head", rules=rules, windows=windows, minutes=30)
    assert [x.key for x in mon] == ["15:00", "15:30", "16:00", "16:30"]
    assert [x.capacity for x in mon] == [1, 1, 1, 1]  # share 1.0 of the one head's window
    assert day_slots(day=WEDNESDAY, service="head", rules=rules, windows=windows, minutes=30) != []
    assert day_slots(day=date(2026, 11, 24), service="head", rules=rules, windows=windows, minutes=30) == []


def test_the_reception_without_window_numbers_is_held_at_the_head_level_windows():
    rules = B.BookingRules(reception=reception(windows=[]))
    windows = [win(1), win(2, {"cash": 2}, level="head")]
    assert [w.number for w in B.offering_windows(windows, "head", rules.reception)] == [2]
    assert [w.number for w in B.offering_windows(windows, "consult", rules.reception)] == [1]


def test_the_reception_is_open_only_inside_its_hours():
    r = reception()
    assert r.open_at(datetime(2026, 11, 23, 15, 0, tzinfo=MSK))
    assert r.open_at(datetime(2026, 11, 25, 16, 59, tzinfo=MSK))
    assert not r.open_at(datetime(2026, 11, 23, 17, 0, tzinfo=MSK))
    assert not r.open_at(datetime(2026, 11, 23, 14, 59, tzinfo=MSK))
    assert not r.open_at(datetime(2026, 11, 24, 15, 30, tzinfo=MSK))  # Tuesday
    assert r.hours_words() == "пн, ср 15:00–17:00"


@pytest.mark.parametrize("bad", [
    {"days": ["mon"], "from": "17:00", "to": "15:00"},
    {"days": [], "from": "15:00", "to": "17:00"},
    {"days": ["monday"], "from": "15:00", "to": "17:00"},
    {"days": ["mon"], "from": "15", "to": "17:00"},
    {"days": ["mon"], "from": "15:00", "to": "17:00", "share": 0},
    {"days": ["mon"], "from": "15:00", "to": "17:00", "share": 1.5},
])
def test_a_bad_reception_is_refused_in_russian(bad):
    with pytest.raises(B.BookingError) as e:
        B.Reception.from_json({"service": "head", **bad})
    assert "Приём руководителя" in str(e.value)


def test_reception_and_rules_round_trip_through_json():
    rules = B.BookingRules.from_json({"share": 0.3, "slot_minutes": 20, "early": 5, "late": 5, "grace": 20,
                                      "horizon_days": 7, "services": ["consult"],
                                      "reception": reception().to_json()})
    assert B.BookingRules.from_json(rules.to_json()) == rules
    assert rules.reception.days == ("mon", "wed") and rules.bookable("head") and rules.bookable("consult")
    assert not rules.bookable("cash")
    assert B.BookingRules.from_json(None) == B.BookingRules()
    assert B.BookingRules().bookable("anything")


@pytest.mark.parametrize("bad", [{"share": 2}, {"share": -0.1}, {"slot_minutes": 3}, {"slot_minutes": 121},
                                 {"late": 20, "grace": 10}, {"early": -1}, {"horizon_days": 0},
                                 {"horizon_days": 91}, {"share": "много"}])
def test_bad_booking_settings_are_refused(bad):
    with pytest.raises(B.BookingError):
        B.BookingRules.from_json(bad)


def test_the_defaults():
    r = B.BookingRules()
    assert (r.share, r.early, r.late, r.grace, r.horizon_days) == (0.2, 15, 10, 30, 14)


# ---------------------------------------------------------------------- arriving

RULES = B.BookingRules(early=15, late=10, grace=30)
SLOT = at("2026-11-23 10:30")


@pytest.mark.parametrize("minutes, expected", [
    (-16, B.EARLY), (-15, B.ON_TIME), (0, B.ON_TIME), (10, B.ON_TIME), (10.1, B.LATE),
    (30, B.LATE), (30.1, B.RELEASED), (120, B.RELEASED)])
def test_check_in_from_fifteen_minutes_before_to_ten_after_then_a_walk_in_ticket_then_released(minutes, expected):
    assert B.arrival(SLOT, SLOT + minutes * 60, RULES) == expected


def test_a_booking_nobody_came_for_is_released_after_the_grace():
    assert B.status(B.BOOKED, SLOT, SLOT + 30 * 60, RULES) == B.BOOKED
    assert B.status(B.BOOKED, SLOT, SLOT + 30 * 60 + 1, RULES) == B.RELEASED
    assert B.status(B.ARRIVED, SLOT, SLOT + 3600, RULES) == B.ARRIVED
    assert B.status(B.CANCELLED, SLOT, SLOT + 3600, RULES) == B.CANCELLED
    assert B.check_in_from(SLOT, RULES) == SLOT - 15 * 60


def test_a_slot_may_be_booked_until_it_starts_and_within_the_horizon():
    now = SLOT - 3600
    assert B.can_book(SLOT, now, RULES)
    assert not B.can_book(SLOT, SLOT, RULES)
    assert B.can_book(now + 14 * 86400, now, RULES)
    assert not B.can_book(now + 14 * 86400 + 1, now, RULES)
    days = B.bookable_days(MONDAY, B.BookingRules(horizon_days=3))
    assert days == [MONDAY, date(2026, 11, 24), date(2026, 11, 25)]


@pytest.mark.parametrize("text, phone", [
    ("+7 (912) 345-67-89", "+79123456789"), ("8 912 345 67 89", "+79123456789"),
    ("9123456789", "+79123456789"), ("7-912-345-67-89", "+79123456789"),
    ("12345", None), ("+1 912 345 67 89 0", None), ("0123456789", None), ("", None),
    ("5 912 345 67 89", None)])
def test_phones_are_kept_in_one_form(text, phone):
    assert B.normal_phone(text) == phone


# ---------------------------------------------------------------------- the appointment in dispatch

def issue(hall, service, now, appointment_at=None):
    return hall.issue(service, now, appointment="12345678" if appointment_at else None,
                      appointment_at=appointment_at)


@pytest.mark.parametrize("policy", ["fifo", "norm-aware"])
def test_an_appointment_whose_slot_has_come_is_called_before_earlier_walk_ins(policy):
    hall = make_hall(policy=policy)
    hall.open_window(1, at("2026-11-23 10:00"), "op1")
    t0 = at("2026-11-23 10:20")
    walk = issue(hall, "consult", t0)
    booked = issue(hall, "consult", t0 + 60, appointment_at=at("2026-11-23 10:30"))
    # before the slot: the walk-in first
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], at("2026-11-23 10:25"),
                                     hall.wait_limit) is walk
    # from the slot's start: the appointment
    assert hall.call_next(1, at("2026-11-23 10:30"), "op1") is booked


@pytest.mark.parametrize("policy", ["fifo", "norm-aware"])
def test_a_walk_in_about_to_break_its_norm_goes_before_the_appointment(policy):
    hall = make_hall(policy=policy)
    hall.open_window(1, at("2026-11-23 10:00"), "op1")
    slot = at("2026-11-23 10:30")
    walk = issue(hall, "consult", slot - 8 * 60 + 60)  # consultation wait norm 8 min: 1 min of slack left
    booked = issue(hall, "consult", slot - 60, appointment_at=slot)
    assert hall.wait_limit(walk) == 8 * 60
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], slot, hall.wait_limit) is walk
    # with more slack than APPOINTMENT_YIELD the appointment goes first
    walk.queued_at = slot - 8 * 60 + dispatch.APPOINTMENT_YIELD + 1
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], slot, hall.wait_limit) is booked
    # exactly APPOINTMENT_YIELD of slack: the appointment still goes first
    walk.queued_at = slot - 8 * 60 + dispatch.APPOINTMENT_YIELD
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], slot, hall.wait_limit) is booked
    # a walk-in already late does not hold the appointment back
    walk.queued_at = slot - 8 * 60 - 1
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], slot, hall.wait_limit) is booked
    # slack of exactly zero: still within the norm, so the walk-in goes first
    walk.queued_at = slot - 8 * 60
    assert dispatch.POLICIES[policy](hall.windows[1], [walk, booked], slot, hall.wait_limit) is walk


def test_the_individual_format_and_a_transfer_still_go_before_an_appointment():
    hall = make_hall()
    slot = at("2026-11-23 10:30")
    booked = issue(hall, "consult", slot - 60, appointment_at=slot)
    vip = hall.issue("consult", slot - 30, individual=True)
    assert dispatch.appointment_due([booked, vip], slot, hall.wait_limit) is None
    vip.individual, vip.priority = False, 1
    assert dispatch.appointment_due([booked, vip], slot, hall.wait_limit) is None
    vip.priority = 0
    assert dispatch.appointment_due([booked, vip], slot, hall.wait_limit) is booked


def test_among_appointments_the_earlier_slot_first_then_the_older_ticket():
    hall = make_hall()
    a = issue(hall, "consult", at("2026-11-23 10:00"), appointment_at=at("2026-11-23 10:30"))
    b = issue(hall, "consult", at("2026-11-23 10:01"), appointment_at=at("2026-11-23 10:15"))
    c = issue(hall, "consult", at("2026-11-23 10:02"), appointment_at=at("2026-11-23 10:15"))
    now = at("2026-11-23 10:31")
    assert dispatch.appointment_due([a, b, c], now, hall.wait_limit) is b
    assert dispatch.appointment_due([a, c], now, hall.wait_limit) is c
    assert dispatch.appointment_due([a], at("2026-11-23 10:29"), hall.wait_limit) is None
    assert dispatch.appointment_due([a], at("2026-11-23 10:30"), hall.wait_limit) is a


def test_a_walk_in_without_a_norm_counts_the_default_limit():
    hall = make_hall(profile="beso-2023")  # no waiting norms
    slot = at("2026-11-23 10:30")
    walk = issue(hall, "consult", slot - dispatch.DEFAULT_WAIT_LIMIT + 60)
    booked = issue(hall, "consult", slot - 60, appointment_at=slot)
    assert hall.wait_limit(walk) is None
    assert dispatch.appointment_due([walk, booked], slot, hall.wait_limit) is None
    walk.queued_at = slot - 60
    assert dispatch.appointment_due([walk, booked], slot, hall.wait_limit) is booked


def test_the_issued_event_carries_the_booking_code_and_slot_and_a_replay_keeps_them():
    hall = make_hall()
    slot = at("2026-11-23 10:30")
    t = issue(hall, "consult", slot - 60, appointment_at=slot)
    events = hall.take_pending()
    issued = [e for e in events if e["type"] == "ticket.issued"][-1]
    assert issued["data"]["appointment"] == "12345678" and issued["data"]["appointment_at"] == slot
    assert t.to_json()["appointment"] == "12345678" and t.to_json()["appointment_at"] == slot
    again = make_hall()
    for e in events:
        again.apply(e)
    assert again.tickets[t.id].appointment == "12345678" and again.tickets[t.id].appointment_at == slot
    walk = hall.issue("consult", slot)
    assert "appointment" not in [e for e in hall.take_pending() if e["type"] == "ticket.issued"][-1]["data"]
    assert "appointment" not in walk.to_json() and walk.appointment_at is None


# ---------------------------------------------------------------------- the reception in the hall

def test_the_reception_opens_next_on_its_next_day_and_hour():
    r = reception()
    assert r.next_opening(datetime(2026, 11, 23, 14, 0, tzinfo=MSK)) == datetime(2026, 11, 23, 15, 0, tzinfo=MSK)
    assert r.next_opening(datetime(2026, 11, 23, 15, 0, tzinfo=MSK)) == datetime(2026, 11, 25, 15, 0, tzinfo=MSK)
    assert r.next_opening(datetime(2026, 11, 26, 9, 0, tzinfo=MSK)) == datetime(2026, 11, 30, 15, 0, tzinfo=MSK)
    assert r.next_opening(datetime(2026, 11, 30, 15, 0, tzinfo=MSK)) == datetime(2026, 12, 2, 15, 0, tzinfo=MSK)
    one_day = reception(days=["mon"])
    assert one_day.next_opening(datetime(2026, 11, 23, 15, 30, tzinfo=MSK)) == \
        datetime(2026, 11, 30, 15, 0, tzinfo=MSK)  # a week on


def test_reception_of_names_the_reception_only_for_its_service():
    settings = {"reception": reception().to_json()}
    assert B.reception_of(settings, "head") == reception()
    assert B.reception_of(settings, "consult") is None
    assert B.reception_of(None, "head") is None
    assert B.reception_of({}, "head") is None
    assert B.reception_of({"reception": None}, "head") is None
    assert B.reception_of({"reception": {"service": "head", "days": []}}, "head") is None  # unreadable: none


def reception_hall():
    from server.domain.model import Service
    services = [Service("consult", "А", "Консультация", kind="consultation"),
                Service("head", "Р", "Приём руководителя", kind="consultation")]
    hall = make_hall(services=services)
    hall.settings.booking = {"reception": reception(windows=[1]).to_json()}
    return hall


def test_walk_in_tickets_for_the_reception_only_in_its_hours():
    from server.domain.model import Conflict
    hall = reception_hall()
    with pytest.raises(Conflict) as e:
        hall.issue("head", at("2026-11-23 14:59"))
    assert e.value.code == "service_closed"
    assert e.value.message == "Приём руководителя ведётся по расписанию: пн, ср 15:00–17:00"
    assert e.value.details["opens_at"] == datetime(2026, 11, 23, 15, 0, tzinfo=MSK).isoformat()
    with pytest.raises(Conflict):
        hall.issue("head", at("2026-11-24 15:30"))  # Tuesday
    with pytest.raises(Conflict):
        hall.issue("head", at("2026-11-23 17:00"))
    assert hall.issue("head", at("2026-11-23 15:00")).service == "head"
    assert hall.issue("head", at("2026-11-25 16:59")).service == "head"
    # other services are not touched; a check-in (an appointment) and the hours check off pass
    assert hall.issue("consult", at("2026-11-24 10:00")).service == "consult"
    assert hall.issue("head", at("2026-11-23 14:50"), appointment="12345678",
                      appointment_at=at("2026-11-23 15:00")).appointment == "12345678"
    assert hall.issue("head", at("2026-11-24 10:00"), check_hours=False).service == "head"


def test_a_slot_in_json_has_its_time_both_ends_the_epoch_start_and_capacity():
    s = day_slots()[1]
    assert s.to_json() == {"time": "10:00", "start": "2026-11-23T10:00:00+03:00",
                           "end": "2026-11-23T11:00:00+03:00", "at": at("2026-11-23 10:00"), "capacity": 1}


def test_the_share_of_a_single_window_over_the_lunch_in_the_timetable():
    # one window, a third of its time, 45-minute slots: 5 before lunch, 5 after; the running sum
    # carries over the lunch (a booking at slots 3, 6 and 9 of the day)
    s = day_slots(windows=[win(1)], rules=B.BookingRules(share=1 / 3), minutes=45)
    assert [x.capacity for x in s] == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0]


# ---------------------------------------------------------------------- pinned for mutation testing (issue 20)

@pytest.mark.parametrize("bad, words", [
    ({"days": ["mon"], "from": "15:00"}, "Приём руководителя: укажите услугу, дни и часы в виде ЧЧ:ММ"),
    ({"days": ["mon"], "from": "15:00", "to": "17:00", "windows": ["шестое"]},
     "Приём руководителя: укажите услугу, дни и часы в виде ЧЧ:ММ"),
    ({"days": ["mon"], "from": "15:00", "to": "17:00", "share": "половина"},
     "Приём руководителя: укажите услугу, дни и часы в виде ЧЧ:ММ"),
    ({"days": 5, "from": "15:00", "to": "17:00"}, "Приём руководителя: укажите услугу, дни и часы в виде ЧЧ:ММ"),
    ({"days": ["mon", "вт"], "from": "15:00", "to": "17:00"},
     "Приём руководителя: дни недели — mon, tue, wed, thu, fri, sat, sun"),
    ({"days": ["mon"], "from": "15:00", "to": "15:00"}, "Приём руководителя: начало должно быть раньше конца"),
    ({"days": ["mon"], "from": "15:00", "to": "17:00", "share": -0.5},
     "Приём руководителя: доля времени для записи — от 0 до 1"),
])
def test_each_bad_reception_is_refused_with_its_own_words(bad, words):
    with pytest.raises(B.BookingError) as e:
        B.Reception.from_json({"service": "head", **bad})
    assert (str(e.value), e.value.code) == (words, "invalid_booking_settings")


def test_a_reception_without_a_service_is_refused():
    with pytest.raises(B.BookingError):
        B.Reception.from_json({"days": ["mon"], "from": "15:00", "to": "17:00"})


def test_a_reception_keeps_all_its_time_for_bookings_unless_told_and_any_windows_unless_named():
    r = B.Reception.from_json({"service": "head", "days": ["wed", "mon"], "from": "15:00", "to": "17:00"})
    assert (r.share, r.windows, r.days) == (1.0, (), ("wed", "mon"))
    assert B.Reception.from_json({"service": "head", "days": ["mon"], "from": "15:00", "to": "17:00",
                                  "windows": None}).windows == ()
    assert B.Reception.from_json({"service": 7, "days": ["sun"], "from": "09:00", "to": "09:01", "share": 1,
                                  "windows": ["6", 7]}) == B.Reception("7", ("sun",), time(9, 0), time(9, 1),
                                                                       (6, 7), 1.0)
    # the days in the week's order, whatever order they were given in
    assert r.to_json() == {"service": "head", "days": ["mon", "wed"], "from": "15:00", "to": "17:00", "windows": [],
                           "share": 1.0}
    assert B.Reception("head", ("sun", "sat", "tue", "thu", "fri"), time(8, 5), time(9, 0)).hours_words() == \
        "вт, чт, пт, сб, вс 08:05–09:00"


def test_the_reception_is_not_open_a_minute_before_on_another_day_or_at_the_end():
    r = reception()
    assert not r.open_at(datetime(2026, 11, 25, 17, 0, tzinfo=MSK))
    assert r.open_at(datetime(2026, 11, 25, 15, 0, tzinfo=MSK))
    assert not r.open_at(datetime(2026, 11, 26, 15, 0, tzinfo=MSK))  # Thursday


def test_a_reception_on_no_day_of_the_coming_week_opens_never():
    r = B.Reception("head", (), time(15), time(17))
    assert r.next_opening(datetime(2026, 11, 23, 9, 0, tzinfo=MSK)) is None
    # a moment just before the start on its day: that very start
    assert reception().next_opening(datetime(2026, 11, 25, 14, 59, 59, tzinfo=MSK)) == \
        datetime(2026, 11, 25, 15, 0, tzinfo=MSK)
    # on its only day after the start: the same day next week (offset 7 still looked at)
    assert reception(days=["wed"]).next_opening(datetime(2026, 11, 25, 16, 0, tzinfo=MSK)) == \
        datetime(2026, 12, 2, 15, 0, tzinfo=MSK)
    assert reception().next_opening(datetime(2026, 11, 23, 14, 0, tzinfo=MSK)).tzinfo is MSK


@pytest.mark.parametrize("bad, words", [
    ({"share": 1.01}, "Доля времени окон для записи — от 0 до 1 (например, 0.2)"),
    ({"share": -0.01}, "Доля времени окон для записи — от 0 до 1 (например, 0.2)"),
    ({"slot_minutes": 4}, "Длина интервала записи — от 5 до 120 минут"),
    ({"slot_minutes": 121}, "Длина интервала записи — от 5 до 120 минут"),
    ({"late": 31}, "Опоздание с обычным талоном не может быть меньше опоздания по записи"),
    ({"early": -1}, "Опоздание с обычным талоном не может быть меньше опоздания по записи"),
    ({"late": -1}, "Опоздание с обычным талоном не может быть меньше опоздания по записи"),
    ({"grace": -1, "late": -2}, "Опоздание с обычным талоном не может быть меньше опоздания по записи"),
    ({"horizon_days": 0}, "Запись открыта на срок от 1 до 90 дней вперёд"),
    ({"horizon_days": 91}, "Запись открыта на срок от 1 до 90 дней вперёд"),
    ({"early": "рано"}, "Настройки записи: доли и минуты — числа"),
    ({"late": "поздно"}, "Настройки записи: доли и минуты — числа"),
    ({"grace": "x"}, "Настройки записи: доли и минуты — числа"),
    ({"horizon_days": "x"}, "Настройки записи: доли и минуты — числа"),
    ({"slot_minutes": "x"}, "Настройки записи: доли и минуты — числа"),
    ({"share": None}, "Настройки записи: доли и минуты — числа"),
    ({"services": 5}, "Настройки записи: доли и минуты — числа"),
    ({"reception": {"service": "head", "days": ["mon"], "from": "17:00", "to": "15:00"}},
     "Приём руководителя: начало должно быть раньше конца"),
])
def test_each_bad_setting_is_refused_with_its_own_words(bad, words):
    with pytest.raises(B.BookingError) as e:
        B.BookingRules.from_json(bad)
    assert (str(e.value), e.value.code) == (words, "invalid_booking_settings")


def test_settings_that_are_not_an_object_are_refused():
    with pytest.raises(B.BookingError) as e:
        B.BookingRules.from_json(["share", 0.2])
    assert str(e.value) == "Настройки записи: ожидается объект"
    assert B.BookingError("x", code="other").code == "other"


def test_the_bounds_of_the_settings_are_kept():
    r = B.BookingRules.from_json({"share": 1, "slot_minutes": 120, "early": 0, "late": 0, "grace": 0,
                                  "horizon_days": 90})
    assert (r.share, r.slot_minutes, r.early, r.late, r.grace, r.horizon_days) == (1.0, 120, 0, 0, 0, 90)
    r = B.BookingRules.from_json({"share": 0, "slot_minutes": 5, "late": 30, "grace": 30, "horizon_days": 1})
    assert (r.share, r.slot_minutes, r.late, r.grace, r.horizon_days) == (0.0, 5, 30, 30, 1)
    # a zero or missing slot length means «from the service's norm»
    assert B.BookingRules.from_json({"slot_minutes": 0}).slot_minutes is None
    assert B.BookingRules.from_json({}) == B.BookingRules()
    assert B.BookingRules.from_json({"services": []}).services == ()
    assert not B.BookingRules.from_json({"services": []}).bookable("consult")
    assert B.BookingRules.from_json({"reception": None}).reception is None
    # the defaults come from the settings' own defaults, not from zero
    d = B.BookingRules.from_json({"early": 5})
    assert (d.share, d.early, d.late, d.grace, d.horizon_days) == (0.2, 5, 10, 30, 14)


def test_the_settings_as_json():
    assert B.BookingRules().to_json() == {"share": 0.2, "slot_minutes": None, "early": 15, "late": 10, "grace": 30,
                                         "horizon_days": 14, "services": None, "reception": None}
    j = B.BookingRules(services=("consult", "cash"), reception=reception()).to_json()
    assert j["services"] == ["consult", "cash"] and j["reception"] == reception().to_json()


def test_the_reception_service_is_bookable_even_when_not_listed():
    rules = B.BookingRules(services=(), reception=reception())
    assert rules.bookable("head") and not rules.bookable("consult")
    assert B.BookingRules(services=("consult",)).bookable("consult")


def test_slot_length_bounds_and_a_zero_norm():
    assert B.BookingRules().slot_length(0) == 15
    assert B.BookingRules().slot_length(5) == 5
    assert B.BookingRules().slot_length(4.01) == 5
    assert B.BookingRules().slot_length(120) == 120
    assert B.BookingRules().slot_length(119.5) == 120


def test_a_slot_as_json():
    s = day_slots()[0]
    assert s.to_json() == {"time": "09:00", "start": "2026-11-23T09:00:00+03:00", "end": "2026-11-23T10:00:00+03:00",
                           "at": at("2026-11-23 09:00"), "capacity": 1}
    assert B.Slot(datetime(2026, 11, 23, 9, 5, tzinfo=MSK), datetime(2026, 11, 23, 9, 20, tzinfo=MSK), 0).key == "09:05"


def test_a_break_that_only_touches_a_slots_edge_leaves_the_window_in_it():
    rota = Rota.from_json({"breaks": [{"window": 1, "day": "every", "start": "10:00", "end": "11:00"},
                                      {"window": 2, "day": "every", "start": "15:59", "end": "16:01"}]})
    by = {x.key: x.windows for x in day_slots(rota=rota, rules=B.BookingRules(share=1.0))}
    assert by["09:00"] == 2 and by["10:00"] == 1 and by["11:00"] == 2
    assert by["15:00"] == 1 and by["16:00"] == 1 and by["17:00"] == 2


def test_a_slot_found_within_a_second_of_its_start():
    s = day_slots()
    t = s[1].start.timestamp()
    assert B.find_slot(s, t + 0.5) is s[1] and B.find_slot(s, t - 0.5) is s[1]
    assert B.find_slot(s, t + 1) is None and B.find_slot(s, t - 1) is None
    assert B.find_slot([], t) is None


def test_the_reception_keeps_its_own_share_and_a_head_window_for_other_services():
    rules = B.BookingRules(share=0.5, reception=reception(share=0.5))
    windows = [win(1), win(6, {"consult": 2})]
    mon = day_slots(service="head", rules=rules, windows=windows, minutes=60)
    assert [x.key for x in mon] == ["15:00", "16:00"]
    assert [x.capacity for x in mon] == [0, 1] and [x.windows for x in mon] == [1, 1]
    # another service, the same rules: both windows serving it, the office's share
    assert [x.capacity for x in day_slots(service="consult", rules=rules, windows=windows)] == [1] * 8


def test_the_reception_inside_the_office_hours_only():
    rules = B.BookingRules(reception=B.Reception("head", ("mon",), time(8, 0), time(9, 30), (6,)))
    s = day_slots(service="head", rules=rules, windows=[win(6)], minutes=30)
    assert [x.key for x in s] == ["09:00"]
    rules = B.BookingRules(reception=B.Reception("head", ("mon",), time(12, 0), time(15, 0), (6,)))
    assert [x.key for x in day_slots(service="head", rules=rules, windows=[win(6)], minutes=60)] == ["12:00", "14:00"]


def test_today_is_the_first_bookable_day():
    assert B.bookable_days(MONDAY, B.BookingRules(horizon_days=1)) == [MONDAY]
    assert len(B.bookable_days(MONDAY, B.BookingRules())) == 14


def test_a_slot_in_the_past_can_not_be_booked():
    assert not B.can_book(SLOT, SLOT + 1, RULES)
    assert B.can_book(SLOT, SLOT - 1, RULES)


def test_arrival_and_release_follow_the_rules_minutes():
    rules = B.BookingRules(early=5, late=2, grace=4)
    assert B.arrival(SLOT, SLOT - 5 * 60 - 1, rules) == B.EARLY
    assert B.arrival(SLOT, SLOT - 5 * 60, rules) == B.ON_TIME
    assert B.arrival(SLOT, SLOT + 2 * 60, rules) == B.ON_TIME
    assert B.arrival(SLOT, SLOT + 2 * 60 + 1, rules) == B.LATE
    assert B.arrival(SLOT, SLOT + 4 * 60, rules) == B.LATE
    assert B.arrival(SLOT, SLOT + 4 * 60 + 1, rules) == B.RELEASED
    assert B.status(B.BOOKED, SLOT, SLOT + 4 * 60 + 1, rules) == B.RELEASED
    assert B.status(B.BOOKED, SLOT, SLOT + 4 * 60, rules) == B.BOOKED
    assert B.check_in_from(SLOT, rules) == SLOT - 300
    assert (B.EARLY, B.ON_TIME, B.LATE, B.RELEASED) == ("early", "on_time", "late", "released")
    assert (B.BOOKED, B.ARRIVED, B.CANCELLED) == ("booked", "arrived", "cancelled")


@pytest.mark.parametrize("text, phone", [
    ("89123456789", "+79123456789"), ("79123456789", "+79123456789"), ("99123456789", None),
    ("8 012 345 67 89", None), (89123456789, "+79123456789")])
def test_an_eleven_digit_number_starts_with_7_or_8_and_a_number_never_with_0(text, phone):
    assert B.normal_phone(text) == phone


def test_reception_of_unreadable_or_not_a_dict():
    assert B.reception_of(["reception"], "head") is None
    assert B.reception_of({"reception": {"service": "head"}}, "head") is None
    assert B.reception_of({"reception": reception(windows=[]).to_json()}, "head").windows == ()


@pytest.mark.parametrize("text", ["+7 912 345 67 8", "+9123456789", "+7 (912) 345-67"])
def test_a_number_written_with_plus_must_be_plus_7_and_ten_digits(text):
    # «+7 912 345 67 8» misses a digit: it is not the ten-digit number «+7 791 234 56 78»
    assert B.normal_phone(text) is None


def test_a_number_with_plus_7_and_ten_digits_is_kept_and_leading_spaces_do_not_hide_the_plus():
    assert B.normal_phone(" +7 912 345 67 89") == "+79123456789"
    assert B.normal_phone(" +8 912 345 67 89") is None
    assert B.normal_phone(" +7 912 345 67 8") is None


def test_the_reception_is_offered_only_at_the_windows_it_names():
    r = reception(windows=[6])
    windows = [win(1), win(6, {"cash": 2}), win(7, level="head")]
    assert [w.number for w in B.offering_windows(windows, "head", r)] == [6]
    assert [w.number for w in B.offering_windows(windows, "consult", r)] == [1, 7]
    assert [w.number for w in B.offering_windows(windows, "consult")] == [1, 7]
