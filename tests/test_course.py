"""A patient's real course: amendments, the course file, and calendars that update in place.

Golden values are worked by hand from the rules (docs/course.md) and the clinical reference:
D-KRd 175 cm / 80 kg from 2026-01-05 (BSA 1.9720 m²: carfilzomib 110.4 mg at 56 mg/m²,
88.7 mg at 45 mg/m²; daratumumab 16 mg/kg = 1,280 mg); 170 cm / 70 kg (BSA 1.8181 m²:
carfilzomib 101.8 mg; +25 % = 87.5 kg gives BSA 2.0327 m² and 113.8 mg; daratumumab 1,120 mg,
1,288 mg at 80.5 kg, 1,400 mg at 87.5 kg). The label keeps carfilzomib on baseline BSA for
weight changes of 20 % or less (clinical reference section 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dosing
from dosing._cli import main
from dosing.course import (
    DoseLevel,
    Hold,
    Reweigh,
    course_json_schema,
    loads_course,
    parse_amendment,
)
from dosing.errors import ScheduleError
from dosing.export.ics import to_ics
from tests.golden_schedules import GOLDEN

TODAY = dt.date(2026, 1, 1)
START = dt.date(2026, 1, 5)
RECORDED = dt.date(2026, 2, 1)
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _schedule(
    amendments: list[Any] = (),  # type: ignore[assignment]
    *,
    protocol: str = "D-KRd",
    cycles: int = 4,
    height: str = "175 cm",
    weight: str = "80 kg",
    **patient: Any,
) -> dosing.Schedule:
    return dosing.build_schedule(
        dosing.get_protocol(protocol),
        dosing.Patient(height=height, weight=weight, **patient),
        START,
        cycles=cycles,
        amendments=amendments,
        today=TODAY,
    )


def _rows(schedule: dosing.Schedule) -> list[tuple[str, int, int, str, float]]:
    return sorted(
        (a.date.isoformat(), a.cycle, a.day, a.drug, a.dose.final_mg)
        for a in schedule.administrations
    )


def _golden(cycles: tuple[int, ...] = (1, 2, 3)) -> list[tuple[str, int, int, str, float]]:
    return sorted(
        (date, cycle, day, drug, mg)
        for date, cycle, day, drug, _, mg in GOLDEN[("D-KRd", "typical")]
        if cycle in cycles
    )


def _a(kind: str, text: str) -> Any:
    return parse_amendment(kind, text, recorded=RECORDED, reason="toxicity")


def _moved(rows: list[tuple[str, int, int, str, float]], days: int) -> list[Any]:
    return [
        ((dt.date.fromisoformat(d) + dt.timedelta(days=days)).isoformat(), c, day, drug, mg)
        for d, c, day, drug, mg in rows
    ]


# -- golden amended schedules --------------------------------------------------------------


def test_a_delay_from_cycle_2_moves_cycles_2_and_later_and_leaves_cycle_1() -> None:
    """--delay C2:7: cycle 1 as planned; every dose of cycles 2 and 3 seven days later."""
    rows = _rows(_schedule([_a("delay", "C2:7")], cycles=3))
    assert rows == sorted(_golden((1,)) + _moved(_golden((2, 3)), 7))


def test_a_delay_from_a_day_moves_that_day_and_later() -> None:
    """--delay C2D8:2: cycle 2 days 1-7 as planned; day 8 on, and cycle 3, two days later."""
    rows = _rows(_schedule([_a("delay", "C2D8:2")], cycles=3))
    before = [r for r in _golden((1, 2)) if (r[1], r[2]) < (2, 8)]
    after = [r for r in _golden((2, 3)) if (r[1], r[2]) >= (2, 8)]
    assert rows == sorted(before + _moved(after, 2))
    c2d8 = [r for r in rows if r[1:3] == (2, 8)]
    assert {r[0] for r in c2d8} == {"2026-02-11"}  # 2026-02-09 + 2 days


def test_a_held_dose_is_absent_and_nothing_else_moves() -> None:
    """--hold carfilzomib@C2D15: that one dose is gone; every other dose as planned."""
    schedule = _schedule([_a("hold", "carfilzomib@C2D15")], cycles=3)
    expected = [r for r in _golden() if r[1:4] != (2, 15, "carfilzomib")]
    assert _rows(schedule) == expected
    [held] = schedule.held
    assert (held.date.isoformat(), held.label, held.drug) == ("2026-02-16", "C2 D15", "carfilzomib")


def test_a_drug_held_for_a_cycle_or_from_a_cycle_on() -> None:
    """--hold lenalidomide@C2 removes its 21 doses of cycle 2 only; @C2+ every one from C2."""
    one = _schedule([_a("hold", "lenalidomide@C2")], cycles=3)
    assert [a.cycle for a in one.by_drug()["lenalidomide"]] == [1] * 21 + [3] * 21
    onwards = _schedule([_a("hold", "lenalidomide@C2+")], cycles=3)
    assert [a.cycle for a in onwards.by_drug()["lenalidomide"]] == [1] * 21
    assert len(onwards.held) == 42


def test_a_dose_level_from_cycle_3_changes_only_cycle_3_on() -> None:
    """--reduce carfilzomib=-1@C3 (56 -> 45 mg/m²): 88.7 mg from cycle 3; cycles 1-2 as
    planned; =45 gives the same."""
    for text in ("carfilzomib=-1@C3", "carfilzomib=45@C3"):
        rows = _rows(_schedule([_a("reduce", text)], cycles=3))
        expected = [
            (d, c, day, drug, 88.7 if drug == "carfilzomib" and c == 3 else mg)
            for d, c, day, drug, mg in _golden()
        ]
        assert rows == expected


@pytest.mark.parametrize(
    ("weight", "daratumumab", "carfilzomib", "basis"),
    [
        # +15 %: within the label's 20 %: carfilzomib keeps baseline BSA
        ("80.5 kg", 1288.0, 101.8, "baseline BSA kept"),
        # +25 %: beyond it: BSA 2.0327 m², 113.8 mg
        ("87.5 kg", 1400.0, 113.8, "BSA recalculated"),
        # -15 %: 59.5 kg, still within 20 %
        ("59.5 kg", 952.0, 101.8, "baseline BSA kept"),
    ],
)
def test_a_new_weight_changes_doses_per_kg_and_carfilzomib_only_beyond_20_percent(
    weight: str, daratumumab: float, carfilzomib: float, basis: str
) -> None:
    """--reweigh from cycle 2: daratumumab follows the new weight; carfilzomib follows it only
    beyond 20 % of baseline; cycle 1 is as planned."""
    schedule = _schedule([_a("reweigh", f"{weight}@C2")], cycles=2, height="170 cm", weight="70 kg")
    drugs = schedule.by_drug()
    assert {a.dose.final_mg for a in drugs["daratumumab"] if a.cycle == 1} == {1120.0}
    assert {a.dose.final_mg for a in drugs["daratumumab"] if a.cycle == 2} == {daratumumab}
    target = [a for a in drugs["carfilzomib"] if a.cycle == 1 and a.day >= 8]
    assert {a.dose.final_mg for a in target} == {101.8}
    later = [a for a in drugs["carfilzomib"] if a.cycle == 2]
    assert {a.dose.final_mg for a in later} == {carfilzomib}
    assert basis in later[0].reason


def test_recalculation_can_be_forced() -> None:
    """95kg@C2:recalculate recalculates carfilzomib's BSA even within 20 %."""
    schedule = _schedule(
        [_a("reweigh", "80.5kg@C2:recalculate")], cycles=2, height="170 cm", weight="70 kg"
    )
    # sqrt(170 x 80.5 / 3600) = 1.94979 m²; x 56 = 109.19 mg
    later = [a for a in schedule.by_drug()["carfilzomib"] if a.cycle == 2]
    assert {a.dose.final_mg for a in later} == {109.2}
    assert "recalculated on the new weight, as asked" in later[0].reason


def test_a_course_that_began_elsewhere_starts_at_its_cycle() -> None:
    """--start-cycle 4: cycle 4 day 1 is the start date; cycles 1-3 are not on the calendar."""
    schedule = _schedule([_a("start-cycle", "4")], cycles=5)
    assert schedule.administrations[0].date == START
    assert {a.cycle for a in schedule.administrations} == {4, 5}
    # D-KRd cycles 3-6: daratumumab days 1 and 15
    assert [(a.date.isoformat(), a.day) for a in schedule.by_drug()["daratumumab"]] == [
        ("2026-01-05", 1),
        ("2026-01-19", 15),
        ("2026-02-02", 1),
        ("2026-02-16", 15),
    ]


def test_every_change_is_named_in_the_trace_and_the_course_changes() -> None:
    """Amended doses carry their reason and date; the header lists every amendment."""
    schedule = _schedule([_a("delay", "C2:7"), _a("hold", "carfilzomib@C2D15")], cycles=2)
    moved = schedule.by_drug()["carfilzomib"][6]
    assert moved.reason == "delayed 7 days from C2 (recorded 2026-02-01: toxicity)"
    assert schedule.course_changes() == (
        "delay C2 and later by 7 days (recorded 2026-02-01: toxicity)",
        "hold carfilzomib C2D15 (recorded 2026-02-01: toxicity)",
    )
    assert schedule.held_lines() == (
        "2026-02-23 C2 D15 carfilzomib (recorded 2026-02-01: toxicity)",
    )


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amendment", "fragment"),
    [
        (("hold", "carfilzomib@C1D3"), "carfilzomib is not given at C1D3"),
        (("hold", "rituximab@C1"), "a drug of D-KRd"),
        (("reduce", "daratumumab=-1@C2"), "no dose reductions of DARZALEX are recommended"),
        (("reduce", "dexamethasone=-1@C2"), "dexamethasone has no dose levels"),
        (("reduce", "carfilzomib=47@C2"), "one of carfilzomib's dose levels"),
        (("reduce", "carfilzomib=-4@C2"), "at most 3 level(s) down"),
        (("delay", "C9:7"), "a point within the course's cycles 1 to 4"),
        (("reweigh", "800kg@C2"), "weight must be between"),
    ],
)
def test_an_amendment_outside_the_plan_is_refused(
    amendment: tuple[str, str], fragment: str
) -> None:
    """An amendment that does not fit the course is refused with a DosingError that says why."""
    with pytest.raises(dosing.DosingError) as info:
        _schedule([_a(*amendment)])
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("delay", "C3"),
        ("delay", "3:7"),
        ("hold", "carfilzomib"),
        ("reduce", "x@C3"),
        ("reweigh", "95kg"),
        ("reweigh", "95kg@C4:maybe"),
        ("start-cycle", "1"),
        ("delay", ""),
    ],
)
def test_malformed_amendments_are_refused(kind: str, text: str) -> None:
    """Each command-line form is checked; a malformed one names the form expected."""
    with pytest.raises(ScheduleError):
        parse_amendment(kind, text)


def test_amendments_recorded_out_of_order_are_refused() -> None:
    """Dates of record never go back: the list is the order changes were made."""
    later = parse_amendment("delay", "C2:7", recorded=dt.date(2026, 3, 1))
    earlier = parse_amendment("delay", "C3:7", recorded=dt.date(2026, 2, 1))
    with pytest.raises(ScheduleError, match="on or after the one before"):
        _schedule([later, earlier])


# -- properties --------------------------------------------------------------------------------

points = st.builds("C{}D{}".format, st.integers(1, 4), st.integers(1, 28)) | st.builds(
    "C{}".format, st.integers(1, 4)
)
amendments = st.one_of(
    st.builds(lambda p, n: f"delay {p}:{n}", points, st.integers(1, 14)),
    st.builds(lambda p: f"hold lenalidomide@{p}", st.builds("C{}".format, st.integers(1, 4))),
    st.builds(lambda p: f"reduce carfilzomib=-1@{p}", st.builds("C{}".format, st.integers(2, 4))),
    st.builds(
        lambda p, w: f"reweigh {w}kg@{p}",
        st.builds("C{}".format, st.integers(2, 4)),
        st.integers(60, 100),
    ),
)


def _parse(text: str) -> Any:
    kind, value = text.split(" ", 1)
    return _a(kind, value)


def _point_of(amendment: Any) -> tuple[int, int]:
    return amendment.point.key()


@settings(deadline=None, max_examples=40)
@given(amendments)
def test_an_amendment_never_changes_anything_before_its_point(text: str) -> None:
    """Every administration before the amendment's point is exactly as planned."""
    amendment = _parse(text)
    plain = _schedule()
    amended = _schedule([amendment])
    point = _point_of(amendment)
    before = [
        (a.date, a.cycle, a.day, a.drug, a.dose.final_mg, a.reason)
        for a in plain.administrations
        if (a.cycle, a.day) < point
    ]
    after = [
        (a.date, a.cycle, a.day, a.drug, a.dose.final_mg, a.reason)
        for a in amended.administrations
        if (a.cycle, a.day) < point
    ]
    assert after == before


@settings(deadline=None, max_examples=40)
@given(amendments, amendments)
def test_amendments_commute(first: str, second: str) -> None:
    """Two amendments give the same schedule in either order, unless they set the same thing
    at the same point (then the later wins, by definition)."""
    a, b = _parse(first), _parse(second)
    if type(a) is type(b) and isinstance(a, DoseLevel | Reweigh | Hold):
        return  # same kind: the order is defined, not free
    one = _schedule([a, b])
    two = _schedule([b, a])
    assert _rows(one) == _rows(two)
    assert {(h.label, h.drug) for h in one.held} == {(h.label, h.drug) for h in two.held}


def test_no_amendment_gives_the_plan_exactly() -> None:
    """An empty course is the plain schedule, dose for dose and reason for reason."""
    plain = _schedule()
    empty = _schedule([])
    assert plain.administrations == empty.administrations


# -- the course file ---------------------------------------------------------------------------

COMMON = ["--height", "175cm", "--weight", "80kg", "--start", "2026-01-05", "--cycles", "4"]
FIXED = ["--generated-at", "2026-01-01T00:00:00Z"]


def test_a_course_file_is_written_extended_and_rendered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--save-course writes the course; --course re-renders it; changes extend it in place;
    the result equals the same changes given as flags."""
    course = tmp_path / "mrn1.toml"
    flags = ["--id", "MRN 1", *COMMON, *FIXED]
    assert main(["calendar", "D-KRd", *flags, "--save-course", str(course), "--format", "csv"]) == 0
    first = loads_course(course.read_text())
    assert first.course_id.startswith("c-")
    assert first.amendments == ()
    change = ["--delay", "C3:7", "--reason", "neutropenia", "--recorded", "2026-02-20"]
    assert (
        main(
            [
                "calendar",
                "--course",
                str(course),
                *change,
                "--save-course",
                str(course),
                "--format",
                "csv",
                *FIXED,
            ]
        )
        == 0
    )
    second = loads_course(course.read_text())
    assert second.course_id == first.course_id
    assert [str(a) for a in second.amendments] == ["delay C3 and later by 7 days"]
    capsys.readouterr()
    assert main(["calendar", "--course", str(course), "--format", "csv", *FIXED]) == 0
    from_file = capsys.readouterr().out
    assert main(["calendar", "D-KRd", *flags, *change, "--format", "csv"]) == 0
    from_flags = capsys.readouterr().out

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    assert body(from_file) == body(from_flags)
    assert (
        "# course change 1: delay C3 and later by 7 days (recorded 2026-02-20: neutropenia)"
        in from_file
    )


def test_a_course_file_refuses_patient_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --course the file gives the patient: a --weight on the command line is refused."""
    course = tmp_path / "c.toml"
    assert main(["calendar", "KRd", *COMMON, "--save-course", str(course), "--format", "csv"]) == 0
    capsys.readouterr()
    assert main(["calendar", "--course", str(course), "--weight", "90kg"]) == 2
    assert "--weight must be left out with --course" in capsys.readouterr().err


def test_the_published_course_schema_matches_the_model() -> None:
    """docs/course.schema.json is what `dosing schema --course` prints."""
    import json

    published = json.loads(
        (Path(__file__).resolve().parents[1] / "docs" / "course.schema.json").read_text()
    )
    assert published == json.loads(json.dumps(course_json_schema()))


# -- calendars that update in place -----------------------------------------------------------


def _events(data: bytes) -> dict[str, dict[str, str]]:
    unfolded = data.replace(b"\r\n ", b"").decode()
    out: dict[str, dict[str, str]] = {}
    for block in unfolded.split("BEGIN:VEVENT")[1:]:
        fields = dict(
            line.split(":", 1)
            for line in block.split("\r\n")
            if ":" in line and not line.startswith(" ")
        )
        out[fields["UID"]] = fields
    return out


def test_re_exporting_an_amended_course_updates_the_calendar_in_place() -> None:
    """Unchanged events keep UID and SEQUENCE 0; changed ones keep UID with a higher
    SEQUENCE (the generation time fixed); a fully held day is cancelled, not dropped."""
    old = _events(to_ics(_schedule(cycles=2, identifier="MRN 1"), generated_at=STAMP))
    # C2 D15 has carfilzomib, lenalidomide, daratumumab and dexamethasone: hold all four
    holds = [
        _a("hold", f"{drug}@C2D15")
        for drug in ("carfilzomib", "lenalidomide", "daratumumab", "dexamethasone")
    ]
    new = _events(
        to_ics(
            _schedule([*holds, _a("delay", "C2D22:3")], cycles=2, identifier="MRN 1"),
            generated_at=STAMP,
        )
    )
    assert set(new) == set(old)
    changed = {uid for uid in new if new[uid] != old[uid]}
    for uid, event in new.items():
        label = event["SUMMARY"].split(" ·")[0]
        if uid not in changed:
            assert event["SEQUENCE"] == "0"
        elif label == "C2 D15":
            assert event["STATUS"] == "CANCELLED"
            assert event["SEQUENCE"] == "4"
        else:
            assert label == "C2 D22"
            assert event["SEQUENCE"] == "1"
            assert event["DTSTART;VALUE=DATE"] == "20260226"  # C2 D22 2026-02-23 + 3 days
    assert {new[uid]["SUMMARY"].split(" ·")[0] for uid in changed} == {"C2 D15", "C2 D22"}


def test_a_reweighed_patient_without_an_identifier_keeps_every_uid() -> None:
    """Without --id the UIDs come from the start date, never from a measurement."""
    before = set(_events(to_ics(_schedule(cycles=2), generated_at=STAMP)))
    reweighed = set(
        _events(to_ics(_schedule([_a("reweigh", "92kg@C2")], cycles=2), generated_at=STAMP))
    )
    other_weight = set(_events(to_ics(_schedule(cycles=2, weight="90 kg"), generated_at=STAMP)))
    assert before == reweighed == other_weight
