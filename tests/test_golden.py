"""The five built-in protocols reproduce schedules written by hand from the clinical reference.

The expected values live in ``golden_schedules.py``; they were derived by hand from
``clinical-reference.md`` §1-3 and seed Table 3, never by running this library.
"""

from __future__ import annotations

import datetime as dt

import pytest

import dosing
from tests.golden_schedules import EXPECTED_COUNTS, GOLDEN, PATIENTS, START

TODAY = dt.date(2026, 1, 1)


def _schedule(protocol_id: str, patient_key: str, cycles: int = 3) -> dosing.Schedule:
    spec = PATIENTS[patient_key]
    patient = dosing.Patient(height=f"{spec['height_cm']} cm", weight=f"{spec['weight_kg']} kg")
    return dosing.build_schedule(
        dosing.get_protocol(protocol_id), patient, START, cycles=cycles, today=TODAY
    )


@pytest.mark.parametrize(("protocol_id", "patient_key"), sorted(GOLDEN))
def test_schedule_matches_hand_written_golden(protocol_id: str, patient_key: str) -> None:
    """Dates, cycle days, drugs, routes and mg doses equal the hand-written schedule."""
    schedule = _schedule(protocol_id, patient_key)
    got = sorted(
        (a.date.isoformat(), a.cycle, a.day, a.drug, a.route, a.dose.final_mg)
        for a in schedule.administrations
    )
    assert got == sorted(GOLDEN[(protocol_id, patient_key)])


@pytest.mark.parametrize(("protocol_id", "cycle"), sorted(EXPECTED_COUNTS))
def test_administrations_per_cycle(protocol_id: str, cycle: int) -> None:
    """Each cycle holds the number of administrations counted by hand."""
    schedule = _schedule(protocol_id, "typical")
    assert (
        sum(a.cycle == cycle for a in schedule.administrations)
        == EXPECTED_COUNTS[(protocol_id, cycle)]
    )


@pytest.mark.parametrize("patient_key", sorted(PATIENTS))
def test_bsa_matches_hand_calculation(patient_key: str) -> None:
    """The schedule's Mosteller BSA equals the value worked out by hand."""
    schedule = _schedule("KRd", patient_key, cycles=1)
    assert round(schedule.bsa_m2, 4) == PATIENTS[patient_key]["bsa_mosteller"]


def test_above_cap_patient_shows_the_cap() -> None:
    """A BSA above 2.2 m² is dosed as 2.2 m², and the basis and notes say so."""
    schedule = _schedule("KRd", "above_cap", cycles=1)
    carfilzomib = schedule.by_drug()["carfilzomib"]
    assert {a.dose.final_mg for a in carfilzomib} == {44.0, 123.2}
    assert all("capped" in a.dose.basis for a in carfilzomib)
    assert any("capped at 2.2 m²" in n for n in schedule.notes())


def test_cyclophosphamide_is_not_capped() -> None:
    """The 2.2 m² cap is carfilzomib's only: cyclophosphamide uses the full BSA."""
    schedule = _schedule("KCyD", "above_cap", cycles=1)
    cyclophosphamide = schedule.by_drug()["cyclophosphamide"]
    assert {a.dose.final_mg for a in cyclophosphamide} == {722.8}
    assert not any(a.dose.notes for a in cyclophosphamide)


def test_kdd_split_first_daratumumab_dose() -> None:
    """KdD gives daratumumab 8 mg/kg on C1 D1 and D2, then 16 mg/kg from C1 D8."""
    schedule = _schedule("KdD", "typical", cycles=1)
    dara = [
        (a.label, a.dose.final_mg, a.step is not None) for a in schedule.by_drug()["daratumumab"]
    ]
    assert dara == [
        ("C1 D1", 640.0, True),
        ("C1 D2", 640.0, True),
        ("C1 D8", 1280.0, False),
        ("C1 D15", 1280.0, False),
        ("C1 D22", 1280.0, False),
    ]


def test_daratumumab_frequency_changes_by_cycle_range() -> None:
    """D-KRd daratumumab: weekly in cycles 1-2, days 1 and 15 in 3-6, day 1 from cycle 7."""
    schedule = _schedule("D-KRd", "typical", cycles=8)
    days = {}
    for a in schedule.by_drug()["daratumumab"]:
        days.setdefault(a.cycle, []).append(a.day)
    assert days == {
        1: [1, 8, 15, 22],
        2: [1, 8, 15, 22],
        3: [1, 15],
        4: [1, 15],
        5: [1, 15],
        6: [1, 15],
        7: [1],
        8: [1],
    }


def test_choice_changes_the_target_dose_and_is_marked() -> None:
    """Choosing carfilzomib 36 mg/m² changes the target doses and marks the choice as chosen."""
    spec = PATIENTS["typical"]
    patient = dosing.Patient(height=spec["height_cm"], weight=spec["weight_kg"])
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"),
        patient,
        START,
        cycles=1,
        choices={"carfilzomib": 36},
        today=TODAY,
    )
    doses = sorted({a.dose.final_mg for a in schedule.by_drug()["carfilzomib"]})
    # 36 mg/m2 x 1.97203 m2 = 70.99 mg -> 71 mg; priming 20 mg/m2 unchanged (39.4 mg)
    assert doses == [39.4, 71.0]
    assert str(schedule.choices["carfilzomib"]) == "carfilzomib 36 mg/m² (chosen)"
    assert str(schedule.choices["dexamethasone"]) == "dexamethasone 40 mg per week (default)"
