"""What a patient's facts say about a schedule, shown in every export.

Hand-worked from ``shared/clinical-reference.md``: older patients (section 5: over 75 the labels
allow dexamethasone 20 mg a week), oral strengths (section 4: lenalidomide capsules 2.5 to
25 mg; cyclophosphamide 25 and 50 mg from its US labels, cited in the KCyD file), drug notes
(section 10: 30-minute carfilzomib infusions for 20/56; daratumumab premedication 1-3 h
before).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

import dosing
from dosing.dose import OralStrengths
from dosing.export import render
from dosing.trace import ClinicClosed, NotDispensable, OlderPatientDose

TODAY = dt.date(2026, 1, 1)
START = dt.date(2026, 1, 5)
FORMATS = ("csv", "md", "json", "html", "table", "ics")


def _schedule(protocol: str, **kwargs: Any) -> dosing.Schedule:
    patient = {"height": "175 cm", "weight": "80 kg"}
    patient.update(kwargs.pop("patient", {}))
    return dosing.build_schedule(
        dosing.get_protocol(protocol),
        dosing.Patient(**patient),
        START,
        cycles=kwargs.pop("cycles", 1),
        today=TODAY,
        **kwargs,
    )


def _everywhere(schedule: dosing.Schedule) -> dict[str, str]:
    out = {}
    for fmt in FORMATS:
        data = render(schedule, fmt, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        text = data.decode() if isinstance(data, bytes) else data
        # unfold calendar lines and undo JSON/iCalendar/HTML escapes of the characters used here
        if fmt == "md":
            text = re.sub(r"\\([\\`*_{}\[\]()#+!|~])", r"\1", text)
        out[fmt] = (
            text.replace("\r\n ", "")
            .replace("\\,", ",")
            .replace("\\;", ";")
            .replace("&#x27;", "'")
            .replace("\\n", "\n")
        )
    return out


@pytest.mark.parametrize(("age", "warned"), [(82, True), (76, True), (75, False), (60, False)])
def test_an_older_patient_on_40_mg_is_warned_that_20_mg_is_allowed(age: int, warned: bool) -> None:
    """Over 75 (the cut this library cites) with 40 mg a week, the labels' 20 mg is offered."""
    schedule = _schedule("KRd", patient={"age": age})
    alerts = [a for a in schedule.alerts if isinstance(a, OlderPatientDose)]
    assert bool(alerts) is warned
    if warned:
        assert str(alerts[0]).startswith(
            f"patient is {age} years old (over 75): the labels allow dexamethasone 20 mg per week"
        )
        assert str(alerts[0]).endswith(
            "40 mg per week was chosen - to use the lower dose, choose dexamethasone = 20"
        )


def test_the_older_patient_warning_is_in_every_export() -> None:
    """The warning reaches the CSV, Markdown, JSON, HTML, terminal table and calendar."""
    for fmt, text in _everywhere(_schedule("KdD", patient={"age": 80})).items():
        assert "patient is 80 years old (over 75)" in text, fmt


def test_choosing_20_mg_silences_the_warning_and_the_header_says_why() -> None:
    """With 20 mg chosen there is no warning; the age check line says it follows the rule."""
    schedule = _schedule("KCyD", patient={"age": 80}, choices={"dexamethasone": 20})
    assert not schedule.alerts
    [line] = schedule.age_lines()
    assert line.startswith("dexamethasone: age 80, over 75: dexamethasone 20 mg per week (chosen)")


def test_without_an_age_the_header_says_it_was_not_checked() -> None:
    """No age: the header says the older-patient dose was not checked."""
    [line] = _schedule("D-KRd").age_lines()
    assert line.startswith("dexamethasone: age not given, so not checked: over 75 years")


def test_an_oral_dose_no_strength_makes_is_flagged_with_the_nearest() -> None:
    """KCyD cyclophosphamide 300 mg/m² x 1.9720 m² = 591.6 mg: no 25/50 mg units make it;
    the nearest dispensable doses are 575 mg and 600 mg."""
    schedule = _schedule("KCyD")
    cyclophosphamide = schedule.by_drug()["cyclophosphamide"][0]
    assert cyclophosphamide.dose.final_mg == 591.6
    [flag] = [e for e in cyclophosphamide.reasons if isinstance(e, NotDispensable)]
    assert str(flag) == (
        "no whole number of 25, 50 mg units makes 591.6 mg; nearest dispensable: "
        "575 mg (11 × 50 mg + 1 × 25 mg) or 600 mg (12 × 50 mg)"
    )
    for fmt, text in _everywhere(schedule).items():
        assert "no whole number of 25, 50 mg units makes 591.6 mg" in text, fmt


def test_strengths_rounding_has_no_hidden_unit_limit() -> None:
    """Rounding to whole tablets takes as many as the dose needs (12 x 50 mg), and says so."""
    policy = OralStrengths((25, 50), tolerance=0.10)
    schedule = _schedule("KCyD", rounding={"cyclophosphamide": policy})
    dose = schedule.by_drug()["cyclophosphamide"][0].dose
    assert dose.final_mg == 600.0
    assert not any(isinstance(e, NotDispensable) for e in dose.events)
    assert "any number per dose" in policy.describe()


def test_doses_the_strengths_make_are_not_flagged() -> None:
    """Lenalidomide 25 mg (and the renal 15 mg) are whole capsules: no flag."""
    for patient in (
        {},
        {"age": 82, "sex": "female", "weight": "60 kg", "serum_creatinine": "2.4 mg/dL"},
    ):
        schedule = _schedule("KRd", patient=patient)
        assert not any(
            isinstance(e, NotDispensable) for a in schedule.administrations for e in a.reasons
        )


def test_drug_notes_reach_every_export_and_each_event_of_that_drug() -> None:
    """The protocol's drug notes are in every export, and in every calendar event with the drug."""
    schedule = _schedule("D-KRd")
    for fmt, text in _everywhere(schedule).items():
        assert "30-minute infusion (20/56 regimen)" in text, fmt
        assert "Premedicate 1-3 h before every infusion" in text, fmt
    ics = _everywhere(schedule)["ics"]
    events = ics.split("BEGIN:VEVENT")[1:]
    for event in events:
        if "carfilzomib" in event.split("DESCRIPTION:")[0]:
            assert "drug note: 30-minute infusion" in event


def test_premedication_to_order_is_listed_in_every_export() -> None:
    """KRd cycle 1 days 2, 9, 16: carfilzomib without dexamethasone, listed with the rule."""
    schedule = _schedule("KRd")
    assert [(d.cycle, d.day, d.date.isoformat()) for d in schedule.premedication] == [
        (1, 2, "2026-01-06"),
        (1, 9, "2026-01-13"),
        (1, 16, "2026-01-20"),
    ]
    for fmt, text in _everywhere(schedule).items():
        assert "2026-01-13 C1 D9: carfilzomib needs a corticosteroid" in text or (
            fmt == "json" and '"day": 9' in text and "premedication_needed" in text
        ), fmt


def test_closure_dates_move_no_dose_and_mark_each_dose_on_them() -> None:
    """Closed 2026-01-06 (C1 D2): the same dates as without closures; carfilzomib and
    lenalidomide that day carry a 'closed' event, a warning; other days carry none."""
    plain = _schedule("KRd")
    closed = _schedule("KRd", closed=["2026-01-06", dt.date(2026, 1, 6), "2026-12-25"])
    assert [(a.date, a.drug, a.dose.final_mg) for a in closed.administrations] == [
        (a.date, a.drug, a.dose.final_mg) for a in plain.administrations
    ]
    assert closed.closed == (dt.date(2026, 1, 6), dt.date(2026, 12, 25))
    marked = [
        (a.date.isoformat(), a.drug)
        for a in closed.administrations
        if any(isinstance(e, ClinicClosed) for e in a.events)
    ]
    assert marked == [("2026-01-06", "carfilzomib"), ("2026-01-06", "lenalidomide")]
    event = next(e for e in closed.administrations[4].events if isinstance(e, ClinicClosed))
    assert (event.date, event.weekday, event.flag, event.warning) == (
        "2026-01-06",
        "Tue",
        "closed",
        True,
    )
    assert closed.closure_lines() == (
        "clinic closed on Tue 2026-01-06 (C1 D2): carfilzomib, lenalidomide not moved - give "
        "elsewhere or record a delay",
    )
    assert closed.closure_lines()[0] in closed.warnings()


@pytest.mark.parametrize(
    ("closed", "message"),
    [
        ("2026-01-06", "closed must be a list of dates or ISO YYYY-MM-DD texts"),
        (["06/01/2026"], "closed must be an ISO date YYYY-MM-DD, got '06/01/2026'"),
        (["2026-02-30"], "closed must be a real calendar date, got '2026-02-30'"),
        ([dt.datetime(2026, 1, 6, 9, 0)], "closed must be a date without a time"),
        (["2046-01-06"], "closed must be between 2016-01-01 and 2031-01-01"),
        (5, "closed must be a list of dates"),
    ],
)
def test_bad_closure_dates_are_refused_by_name(closed: object, message: str) -> None:
    """A closure list that is not a list of real ISO dates near today is a DateError."""
    with pytest.raises(dosing.DateError, match=re.escape(message)):
        _schedule("KRd", closed=closed)


def test_weekday_and_weekend_of_an_administration() -> None:
    """2026-01-10 is a Saturday: KRd from Monday 5 January has lenalidomide C1 D6 on it."""
    schedule = _schedule("KRd")
    saturday = next(a for a in schedule.administrations if a.label == "C1 D6")
    assert (saturday.weekday, saturday.on_weekend) == ("Sat", True)
    monday = schedule.administrations[0]
    assert (monday.weekday, monday.on_weekend) == ("Mon", False)
