"""What each cycle dispenses: days, number of doses, totals and units counted by stated size."""

from __future__ import annotations

import datetime as dt

import pytest

from dosing import Patient, Schedule, build_schedule, get_protocol
from dosing.dispensing import Dispensing, UnitCount, days_text, dispensing
from dosing.dose import parse_rounding

TODAY = dt.date(2026, 1, 1)


def _schedule(protocol: str, patient: Patient | None = None, **options: object) -> Schedule:
    return build_schedule(
        get_protocol(protocol),
        patient or Patient(height="175 cm", weight="80 kg"),
        "2026-01-05",
        cycles=1,
        today=TODAY,
        **options,  # type: ignore[arg-type]
    )


def _line(schedule: Schedule, drug: str, mg: float | None = None) -> Dispensing:
    return next(d for d in dispensing(schedule) if d.drug == drug and mg in (None, d.dose_mg))


def test_dkrd_cycle_1_lenalidomide_is_21_capsules_of_25_mg() -> None:
    """D-KRd cycle 1: lenalidomide 25 mg on days 1-21 is 21 doses, 525 mg, 21 × 25 mg capsules."""
    line = _line(_schedule("D-KRd"), "lenalidomide")
    assert (line.dose_mg, line.route, line.days_text(), line.doses) == (25, "PO", "1-21", 21)
    assert line.total_mg == 525
    assert line.quantity == (UnitCount(25, 21),)
    assert line.quantity_text() == "21 capsules of 25 mg"
    assert (line.unit, line.sizes_from) == ("capsule", "protocol strengths")


def test_a_drug_without_stated_sizes_is_given_in_mg_and_no_vial_is_invented() -> None:
    """Carfilzomib states no vial sizes: its C1 D8-16 doses are 4 × 110.4 = 441.6 mg, no vials."""
    line = _line(_schedule("D-KRd"), "carfilzomib", 110.4)
    assert line.days_text() == "8-9, 15-16"
    assert line.unit is None
    assert line.quantity == ()
    assert line.quantity_text() == "441.6 mg in total; no vial sizes stated"
    dexamethasone = _line(_schedule("D-KRd"), "dexamethasone")
    assert dexamethasone.quantity_text() == "160 mg in total; no capsule or tablet strengths stated"


def test_each_dose_of_a_drug_is_its_own_line() -> None:
    """Carfilzomib cycle 1: 2 priming doses of 39.4 mg (days 1-2), then 4 of 110.4 mg."""
    lines = [(d.dose_mg, d.days, d.doses) for d in dispensing(_schedule("KRd"))]
    assert (39.4, (1, 2), 2) in lines
    assert (110.4, (8, 9, 15, 16), 4) in lines


def test_vial_sizes_come_from_a_vial_rounding_policy() -> None:
    """vials:10,30,60 @5 %: 39.44 mg -> 40 = 30 + 10 (2 doses); 110.43 -> 110 = 60 + 30 + 2 × 10
    (4 doses): 4 vials of 60, 4 of 30 and 8 of 10 mg."""
    schedule = _schedule("KRd", rounding={"carfilzomib": parse_rounding("vials:10,30,60@5%")})
    priming = _line(schedule, "carfilzomib", 40)
    assert priming.quantity == (UnitCount(30, 2), UnitCount(10, 2))
    target = _line(schedule, "carfilzomib", 110)
    assert target.per_dose == (UnitCount(60, 1), UnitCount(30, 1), UnitCount(10, 2))
    assert target.quantity_text() == (
        "4 vials of 60 mg + 4 vials of 30 mg + 8 vials of 10 mg "
        "(1 × 60 mg + 1 × 30 mg + 2 × 10 mg per dose)"
    )
    assert target.sizes_from == "rounding policy"


def test_vials_that_hold_more_than_the_dose_say_what_is_left_over() -> None:
    """60 mg vials within 1 %: 110.4 mg is not banded, so two vials hold it, 9.6 mg left over."""
    schedule = _schedule("KRd", rounding={"carfilzomib": parse_rounding("vials:60@1%")})
    line = _line(schedule, "carfilzomib", 110.4)
    assert line.covers
    assert line.quantity == (UnitCount(60, 8),)
    assert line.quantity_text() == (
        "8 vials of 60 mg (2 × 60 mg per dose; holds 120 mg, 9.6 mg left over)"
    )


def test_a_dose_of_several_strengths_is_counted_per_strength() -> None:
    """KCyD, 170 cm / 78 kg: BSA 1.9192 m², 300 mg/m² = 575.76 mg, whole 25/50 mg units make
    575 mg = 11 × 50 + 1 × 25; days 1, 8, 15: 33 of 50 mg and 3 of 25 mg."""
    schedule = _schedule(
        "KCyD",
        Patient(height="170 cm", weight="78 kg"),
        rounding={"cyclophosphamide": parse_rounding("strengths:25,50")},
    )
    line = _line(schedule, "cyclophosphamide")
    assert (line.dose_mg, line.days_text(), line.doses) == (575, "1, 8, 15", 3)
    assert line.quantity == (UnitCount(50, 33), UnitCount(25, 3))
    assert line.quantity_text() == (
        "33 capsules or tablets of 50 mg + 3 capsules or tablets of 25 mg "
        "(11 × 50 mg + 1 × 25 mg per dose)"
    )


def test_a_dose_no_strength_makes_is_not_counted_in_units() -> None:
    """KCyD cyclophosphamide 591.6 mg: no whole number of 25 and 50 mg units; total mg and check."""
    line = _line(_schedule("KCyD"), "cyclophosphamide")
    assert line.per_dose == ()
    assert line.quantity_text() == (
        "1,774.8 mg in total; no whole number of capsules or tablets of 25, 50 mg makes "
        "591.6 mg - check the dose"
    )


def test_a_renal_every_48_hours_dose_counts_11_capsules() -> None:
    """CrCl (140 - 70) × 80 / (72 × 3) = 25.9 mL/min: lenalidomide 15 mg every 48 hours on days
    1, 3, ... 21 is 11 capsules of 15 mg."""
    patient = Patient(
        height="175 cm", weight="80 kg", age=70, sex="male", serum_creatinine="3 mg/dL"
    )
    line = _line(_schedule("D-KRd", patient), "lenalidomide")
    assert line.days == (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21)
    assert line.days_text() == "1-21 every other day"
    assert line.quantity_text() == "11 capsules of 15 mg"


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ((1,), "1"),
        ((1, 2, 3), "1-3"),
        ((1, 8, 15, 22), "1, 8, 15, 22"),
        ((1, 2, 8, 9, 15, 16), "1-2, 8-9, 15-16"),
        ((1, 3, 5, 7), "1-7 every other day"),
        ((1, 3, 5), "1, 3, 5"),
        ((-2, -1, 1), "-2 to -1, 1"),
    ],
)
def test_days_are_written_short(days: tuple[int, ...], text: str) -> None:
    """Runs of days are ranges, every other day is said so, anything else is listed."""
    assert days_text(days) == text


def test_every_administration_is_dispensed_once() -> None:
    """The lines of every cycle of every built-in protocol count each administration once."""
    for protocol in ("D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD"):
        schedule = build_schedule(
            get_protocol(protocol),
            Patient(height="175 cm", weight="80 kg"),
            "2026-01-05",
            cycles=3,
            today=TODAY,
        )
        lines = dispensing(schedule)
        assert sum(d.doses for d in lines) == len(schedule.administrations)
        assert sorted(date for d in lines for date in d.dates) == sorted(
            a.date for a in schedule.administrations
        )
