"""Renal function and the lenalidomide renal starting dose, checked against the label tables.

Expected values are worked out by hand from ``shared/clinical-reference.md``: Cockcroft-Gault
(section 8: CrCl = (140 - age) x weight / (72 x SCr mg/dL), x 0.85 for women) and the
lenalidomide starting doses (section 4): US 30 to < 60 mL/min -> 10 mg daily; < 30 not on
dialysis -> 15 mg every 48 hours; dialysis -> 5 mg daily. EU (older SmPC) 30 to < 50 -> 10 mg
daily; < 30 -> 15 mg every other day; dialysis -> 5 mg daily. Every 48 hours within days 1-21
is days 1, 3, 5, ... 21.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import dosing
from dosing.errors import ScheduleError
from dosing.export import render
from dosing.renal import assess
from dosing.trace import RenalStartingDose

TODAY = dt.date(2026, 1, 1)
START = dt.date(2026, 1, 5)
EVERY_DAY = list(range(1, 22))
EVERY_OTHER_DAY = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]


def _patient(**renal: Any) -> dosing.Patient:
    return dosing.Patient(height="170 cm", **{"weight": "70 kg", **renal})


def _lenalidomide(
    protocol: str, patient: dosing.Patient, **options: Any
) -> list[tuple[int, int, float]]:
    schedule = dosing.build_schedule(
        dosing.get_protocol(protocol), patient, START, cycles=2, today=TODAY, **options
    )
    return [(a.cycle, a.day, a.dose.final_mg) for a in schedule.by_drug()["lenalidomide"]]


def _doses(mg: float, days: list[int], cycles: int = 2) -> list[tuple[int, int, float]]:
    return [(c, d, mg) for c in range(1, cycles + 1) for d in days]


# (patient facts, CrCl by hand, US doses, EU doses)
CASES = [
    # reference s.8 check value: male 65 y, 70 kg, SCr 1.4 -> 75 x 70 / 100.8 = 52.08
    (
        {"age": 65, "sex": "male", "serum_creatinine": "1.4 mg/dL"},
        52.1,
        _doses(10.0, EVERY_DAY),
        _doses(25.0, EVERY_DAY),
    ),
    # reference s.8 check value: female 45 y, 60 kg, SCr 0.9 -> 95 x 60 / 64.8 x 0.85 = 74.77
    (
        {"age": 45, "sex": "female", "weight": "60 kg", "serum_creatinine": "0.9 mg/dL"},
        74.8,
        _doses(25.0, EVERY_DAY),
        _doses(25.0, EVERY_DAY),
    ),
    # female 82 y, 60 kg, SCr 2.4 -> 58 x 60 / 172.8 x 0.85 = 17.12
    (
        {"age": 82, "sex": "female", "weight": "60 kg", "serum_creatinine": "2.4 mg/dL"},
        17.1,
        _doses(15.0, EVERY_OTHER_DAY),
        _doses(15.0, EVERY_OTHER_DAY),
    ),
    # male 60 y, 60 kg, SCr 1.5 -> 80 x 60 / 108 = 44.44: both tables' middle band
    (
        {"age": 60, "sex": "male", "weight": "60 kg", "serum_creatinine": "1.5 mg/dL"},
        44.4,
        _doses(10.0, EVERY_DAY),
        _doses(10.0, EVERY_DAY),
    ),
    # 97 umol/L = 97 / 88.4 = 1.0973 mg/dL; male 70 y, 70 kg -> 70 x 70 / 79.0 = 62.0
    (
        {"age": 70, "sex": "male", "serum_creatinine": "97 umol/L"},
        62.0,
        _doses(25.0, EVERY_DAY),
        _doses(25.0, EVERY_DAY),
    ),
]


@pytest.mark.parametrize(("facts", "clearance", "us", "eu"), CASES)
def test_clearance_and_lenalidomide_starting_dose_follow_the_label_tables(
    facts: dict[str, Any], clearance: float, us: list[Any], eu: list[Any]
) -> None:
    """Cockcroft-Gault on actual weight gives the hand-worked clearance, and each label table
    gives its starting dose on its days."""
    patient = _patient(**facts)
    function = assess(patient, on=START)
    assert function is not None
    assert function.clearance_ml_min == pytest.approx(clearance, abs=0.05)
    for protocol in ("KRd", "D-KRd"):
        assert _lenalidomide(protocol, patient) == us
        assert _lenalidomide(protocol, patient, renal_table="eu") == eu


def test_dialysis_gives_5_mg_daily_in_both_tables() -> None:
    """On dialysis the starting dose is 5 mg once daily, with or without a creatinine."""
    for patient in (
        _patient(dialysis=True),
        _patient(dialysis=True, age=70, sex="male", serum_creatinine="6 mg/dL"),
    ):
        for table in ("us", "eu"):
            assert _lenalidomide("KRd", patient, renal_table=table) == _doses(5.0, EVERY_DAY)


def test_the_applied_rule_is_in_the_trace_with_clearance_and_table() -> None:
    """Each adjusted dose carries a renal event naming the clearance, the band and the table,
    and the header cites the label row."""
    patient = _patient(age=82, sex="female", weight="60 kg", serum_creatinine="2.4 mg/dL")
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"), patient, START, cycles=1, today=TODAY
    )
    first = schedule.by_drug()["lenalidomide"][0]
    [event] = [e for e in first.reasons if isinstance(e, RenalStartingDose)]
    assert str(event) == (
        "renal starting dose (US table): CrCl 17.1 mL/min, band < 30 mL/min, not on dialysis "
        "-> 15 mg every 48 hours"
    )
    [line] = schedule.renal_dose_lines()
    assert line.startswith("lenalidomide, US table (default): CrCl 17.1 mL/min")
    assert "Revlimid US prescribing information, section 2" in line
    assert schedule.renal_text().startswith(
        "CrCl 17.1 mL/min by Cockcroft-Gault (actual body weight 60 kg (default weight policy)"
    )


def test_without_creatinine_every_output_says_the_dose_was_not_checked() -> None:
    """No creatinine: the header says renal function was not given and lenalidomide unchecked."""
    schedule = dosing.build_schedule(
        dosing.get_protocol("D-KRd"), _patient(), START, cycles=1, today=TODAY
    )
    assert schedule.renal_text() == (
        "not given: the lenalidomide starting dose was not checked against renal function "
        "(give serum creatinine, age and sex)"
    )
    for fmt in ("csv", "md", "json", "html", "table", "ics"):
        out = render(schedule, fmt)
        text = out.decode() if isinstance(out, bytes) else out
        assert "lenalidomide starting dose was not checked" in text.replace("\r\n ", "")


def test_creatinine_without_age_or_sex_is_refused_where_a_renal_rule_exists() -> None:
    """A creatinine without age and sex cannot give a clearance: refused, never ignored."""
    patient = _patient(serum_creatinine="2 mg/dL", sex="male")
    with pytest.raises(ScheduleError, match="age must be given with a serum creatinine"):
        dosing.build_schedule(dosing.get_protocol("KRd"), patient, START, today=TODAY)
    # a protocol without a renal rule says so instead
    kdd = dosing.build_schedule(dosing.get_protocol("KdD"), patient, START, today=TODAY)
    assert "clearance not worked out" in kdd.renal_text() or "age" in kdd.renal_text()


def test_an_unknown_table_is_refused_with_the_tables_the_protocol_has() -> None:
    """A table no drug has is refused, naming the ones there are."""
    with pytest.raises(ScheduleError, match=r"one of the tables KRd has \(us, eu\)"):
        dosing.build_schedule(
            dosing.get_protocol("KRd"), _patient(), START, today=TODAY, renal_table="uk"
        )


def test_other_weight_policies_are_stated() -> None:
    """Ideal body weight is used when asked for and named in the renal line."""
    patient = _patient(age=65, sex="male", serum_creatinine="1.4 mg/dL", weight="100 kg")
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"),
        patient,
        START,
        cycles=1,
        today=TODAY,
        clearance_weight="ideal",
    )
    assert "by Cockcroft-Gault (ideal body weight" in schedule.renal_text()
    assert "default weight policy" not in schedule.renal_text()


creatinines = st.floats(0.3, 12.0)
ages = st.integers(18, 100)


@given(age=ages, low=creatinines, high=creatinines, sex=st.sampled_from(["female", "male"]))
def test_clearance_falls_as_creatinine_rises(age: int, low: float, high: float, sex: str) -> None:
    """For the same patient, a higher creatinine never gives a higher clearance."""
    low, high = sorted((low, high))
    a = assess(_patient(age=age, sex=sex, serum_creatinine=f"{low} mg/dL"), on=START)
    b = assess(_patient(age=age, sex=sex, serum_creatinine=f"{high} mg/dL"), on=START)
    assert a is not None
    assert b is not None
    assert a.clearance_ml_min is not None
    assert b.clearance_ml_min is not None
    assert b.clearance_ml_min <= a.clearance_ml_min


@given(
    age=ages,
    creatinine=creatinines,
    sex=st.sampled_from(["female", "male"]),
    table=st.sampled_from(["us", "eu"]),
    dialysis=st.sampled_from([None, False, True]),
)
def test_renal_dose_is_never_above_the_unadjusted_dose(
    age: int, creatinine: float, sex: str, table: str, dialysis: bool | None
) -> None:
    """A renal starting dose never raises a dose or adds a day."""
    patient = _patient(age=age, sex=sex, serum_creatinine=f"{creatinine} mg/dL", dialysis=dialysis)
    doses = _lenalidomide("KRd", patient, renal_table=table)
    plain = _doses(25.0, EVERY_DAY)
    assert all(mg <= 25.0 for _, _, mg in doses)
    assert {(c, d) for c, d, _ in doses} <= {(c, d) for c, d, _ in plain}
