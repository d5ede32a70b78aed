"""Properties every schedule has, for any built-in protocol, patient, start date and choices.

Stated as the specification puts them: every date lies in its cycle's window (a day before
day 1, counted back from an anchor day, lies before cycle 1), cycles never overlap, step-up
doses fall only where the protocol puts them, no carfilzomib dose exceeds its rate × 2.2 m²,
and the same input gives the same schedule. Each property is drawn over all built-in
protocols at once, and every built-in protocol is also checked against all of them by name.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosing
from dosing.bsa import BSAFormula
from dosing.notation import round_half_up
from dosing.strategies import bsa_formulas, heights, patients, protocols, start_dates, weights

TODAY = dt.date(2026, 1, 1)
BUILTIN_IDS = sorted(p.id for p in dosing.builtin_protocols())


@st.composite
def requests(
    draw: st.DrawFn, protocol: st.SearchStrategy[dosing.Protocol] | None = None
) -> dict[str, object]:
    """A protocol, a patient, a start date, a cycle count and allowed choices."""
    chosen = draw(protocol if protocol is not None else protocols())
    maximum = min(chosen.cycles.maximum or 14, 14)
    choices = {
        drug: draw(st.sampled_from(choice.allowed))
        for drug, choice in chosen.choices.items()
        if draw(st.booleans())
    }
    return {
        "protocol": chosen,
        "patient": draw(patients(height=heights(max_cm=220), weight=weights(max_kg=180))),
        "start": draw(start_dates(TODAY)),
        "cycles": draw(st.integers(1, maximum)),
        "choices": choices,
        "bsa_formula": draw(st.none() | bsa_formulas()),
    }


def _build(request: dict[str, object]) -> dosing.Schedule:
    return dosing.build_schedule(today=TODAY, **request)  # type: ignore[arg-type]


def _dates_in_windows(schedule: dosing.Schedule) -> None:
    length = schedule.protocol.cycle_length_days
    anchor = schedule.protocol.anchor_day
    for admin in schedule.administrations:
        offset = (admin.cycle - 1) * length + admin.day - anchor
        assert admin.date == schedule.start + dt.timedelta(days=offset)
        first, last = schedule.cycle_window(admin.cycle)
        assert first <= admin.date <= last  # cycle 1's window opens on its earliest day
        assert admin.day >= 1 or admin.cycle == 1
        assert 1 <= admin.cycle <= schedule.cycles


def _windows_touch(schedule: dosing.Schedule) -> None:
    for cycle in range(1, schedule.cycles):
        assert (
            schedule.cycle_window(cycle)[1] + dt.timedelta(days=1)
            == schedule.cycle_window(cycle + 1)[0]
        )
    dates = [a.date for a in schedule.administrations]
    assert dates == sorted(dates)
    cycles = [a.cycle for a in schedule.administrations]
    assert cycles == sorted(cycles)


def _step_ups_where_named(schedule: dosing.Schedule) -> None:
    places = {
        (step.drug, cycle, day)
        for step in schedule.protocol.step_up
        for cycle in range(1, schedule.cycles + 1)
        if step.cycles.contains(cycle)
        for day in step.days
    }
    for admin in schedule.administrations:
        assert (admin.step is not None) == ((admin.drug, admin.cycle, admin.day) in places)


def _carfilzomib_capped(schedule: dosing.Schedule) -> None:
    for admin in schedule.by_drug().get("carfilzomib", ()):
        rate = admin.dose.rule.amount
        assert admin.dose.final_mg <= round_half_up(rate * 2.2, 0.1)
        assert admin.dose.measure is not None
        assert admin.dose.measure <= 2.2


def _doses_follow_rules(schedule: dosing.Schedule) -> None:
    formula = schedule.bsa_formula
    bsa = schedule.patient.bsa(formula).magnitude
    weight = schedule.patient.weight.magnitude
    for admin in schedule.administrations:
        rule = admin.dose.rule
        if rule.basis is dosing.Basis.PER_M2:
            expected = rule.amount * min(bsa, rule.bsa_cap_m2 or bsa)
        elif rule.basis is dosing.Basis.PER_KG:
            expected = rule.amount * weight
        else:
            expected = rule.amount
        step = 0.01 if expected < 1 else 0.1
        assert admin.dose.final_mg == round_half_up(expected, step)


def _same_twice(request: dict[str, object]) -> None:
    first, second = _build(request), _build(request)
    assert first.administrations == second.administrations
    assert first.notes() == second.notes()


@given(requests())
def test_every_date_lies_in_its_cycle_window(request: dict[str, object]) -> None:
    """Cycle n starts (n-1) × cycle length after cycle 1; day d falls d - anchor days after it."""
    _dates_in_windows(_build(request))


@given(requests())
def test_cycles_never_overlap(request: dict[str, object]) -> None:
    """Consecutive cycle windows touch without overlapping, and dates only move forward."""
    _windows_touch(_build(request))


@given(requests())
def test_step_up_doses_only_where_the_protocol_puts_them(request: dict[str, object]) -> None:
    """A dose is a step-up exactly on the drug, cycle and day a step-up rule names."""
    _step_ups_where_named(_build(request))


@given(requests())
def test_carfilzomib_never_exceeds_rate_times_cap(request: dict[str, object]) -> None:
    """No carfilzomib dose is above its rate × 2.2 m², whatever the patient's BSA."""
    _carfilzomib_capped(_build(request))


@given(requests())
def test_same_input_gives_the_same_schedule(request: dict[str, object]) -> None:
    """Building twice gives equal schedules, administration by administration."""
    _same_twice(request)


@given(requests())
def test_doses_match_their_rules(request: dict[str, object]) -> None:
    """Every dose is its rate × the patient's measure (BSA capped where the rule says), to 0.1 mg."""
    _doses_follow_rules(_build(request))


@pytest.mark.parametrize("protocol_id", BUILTIN_IDS)
def test_every_builtin_protocol_has_every_property(protocol_id: str) -> None:
    """Each built-in protocol, named one by one, keeps all the properties above."""
    protocol = dosing.get_protocol(f"builtin:{protocol_id}")

    @settings(max_examples=max(5, settings().max_examples // 6))
    @given(requests(st.just(protocol)))
    def check(request: dict[str, object]) -> None:
        schedule = _build(request)
        _dates_in_windows(schedule)
        _windows_touch(schedule)
        _step_ups_where_named(schedule)
        _carfilzomib_capped(schedule)
        _doses_follow_rules(schedule)
        _same_twice(request)

    check()


def test_default_formula_is_mosteller_and_marked() -> None:
    """Without a formula, Mosteller is used and the notes say it was the default."""
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"),
        dosing.Patient(height=175, weight=80),
        "2026-01-05",
        cycles=1,
        today=TODAY,
    )
    assert schedule.bsa_formula is BSAFormula.MOSTELLER
    assert "BSA 1.972 m² by Mosteller (default formula)" in schedule.notes()
