"""The regimen library reproduces schedules written by hand from the labels and trials it cites.

The expected values live in ``golden_regimens.py``; they were worked out by hand from the
sources each protocol file names, never by running this library. Beyond dates and doses,
the tests check what the labels attach to the step-up doses (allowed intervals,
hospitalisation, premedication) reaches every dose it belongs to, and that a protocol counted
back from an infusion names the infusion day as its start.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

import dosing
from dosing._cli import main
from tests.golden_regimens import GOLDEN, PATIENTS, PREMEDICATION_DATES, START, expand

TODAY = dt.date(2026, 1, 1)
PATIENT = ["--height", "175cm", "--weight", "80kg", "--start", START]
FIXED = ["--generated-at", "2026-01-01T00:00:00Z"]


def _schedule(protocol_id: str, patient_key: str, cycles: int) -> dosing.Schedule:
    spec = PATIENTS[patient_key]
    patient = dosing.Patient(height=f"{spec['height_cm']} cm", weight=f"{spec['weight_kg']} kg")
    return dosing.build_schedule(
        dosing.get_protocol(f"builtin:{protocol_id}"), patient, START, cycles=cycles, today=TODAY
    )


@pytest.mark.parametrize(
    ("protocol_id", "patient_key", "cycles"), sorted(GOLDEN), ids=lambda v: str(v)
)
def test_schedule_matches_hand_written_golden(
    protocol_id: str, patient_key: str, cycles: int
) -> None:
    """Dates, cycle days, drugs, routes and mg doses equal the schedule written from the source."""
    wanted_cycles, wanted_drugs, rows = GOLDEN[(protocol_id, patient_key, cycles)]
    schedule = _schedule(protocol_id, patient_key, cycles)
    got = sorted(
        (a.date.isoformat(), a.cycle, a.day, a.drug, a.route, a.dose.final_mg)
        for a in schedule.administrations
        if (wanted_cycles is None or a.cycle in wanted_cycles)
        and (wanted_drugs is None or a.drug in wanted_drugs)
    )
    assert got == sorted(expand(rows))


def test_every_new_protocol_has_a_golden() -> None:
    """Each built-in protocol beyond the seed regimens has at least one hand-written golden."""
    covered = {key[0] for key in GOLDEN}
    beyond_seed = {p.id for p in dosing.builtin_protocols() if p.group != "seed"}
    assert beyond_seed == covered


@pytest.mark.parametrize("protocol_id", sorted(PREMEDICATION_DATES))
def test_bispecific_premedication_days_are_the_step_up_schedule(protocol_id: str) -> None:
    """Premedication to order separately is listed on every dose of the step-up schedule only."""
    schedule = _schedule(protocol_id, "typical", 4)
    dates = [day.date.isoformat() for day in schedule.premedication]
    assert dates == PREMEDICATION_DATES[protocol_id]


@pytest.mark.parametrize(
    ("protocol_id", "cycle", "day", "fragments"),
    [
        ("teclistamab", 1, 1, ["step-up dose 1", "Hospitalise for 48 hours", "Premedicate"]),
        (
            "teclistamab",
            1,
            4,
            ["2 to 4 days after step-up dose 1, up to 7 days", "EU gives day 3"],
        ),
        ("teclistamab", 1, 7, ["first treatment dose", "2 to 4 days after step-up dose 2"]),
        ("elranatamab", 1, 1, ["Hospitalise for 48 hours"]),
        ("elranatamab", 1, 4, ["at least 2 days after step-up dose 1", "24 hours"]),
        ("elranatamab", 2, 1, ["first treatment dose", "at least 3 days after step-up dose 2"]),
        ("talquetamab", 1, 4, ["2 to 4 days after step-up dose 1, up to 7 days"]),
        ("talquetamab-Q2W", 1, 10, ["first treatment dose", "2 to 7 days after step-up dose 3"]),
    ],
)
def test_step_up_dose_carries_interval_and_monitoring(
    protocol_id: str, cycle: int, day: int, fragments: list[str]
) -> None:
    """Each step-up dose's note - the allowed interval and the monitoring - is on that dose."""
    schedule = _schedule(protocol_id, "typical", 2)
    (admin,) = [a for a in schedule.administrations if (a.cycle, a.day) == (cycle, day)]
    assert admin.step is not None
    for fragment in fragments:
        assert fragment in admin.step


def test_step_up_notes_reach_the_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    """The JSON calendar gives each step-up dose its note, and each weekly dose none."""
    status = main(
        ["calendar", "teclistamab", *PATIENT, "--cycles", "2", "--format", "json", *FIXED]
    )
    assert status == 0
    data = json.loads(capsys.readouterr().out)
    by_date = {a["date"]: a for a in data["administrations"]}
    assert sorted(by_date) == ["2026-01-05", "2026-01-08", "2026-01-11", "2026-01-18"]
    assert by_date["2026-01-08"]["dose"] == 24.0
    assert "up to 7 days" in by_date["2026-01-08"]["reason"]
    assert "Hospitalise for 48 hours" in by_date["2026-01-11"]["reason"]
    assert by_date["2026-01-18"]["reason"] == ""
    assert [p["date"] for p in data["premedication"]] == ["2026-01-05", "2026-01-08", "2026-01-11"]


def test_lymphodepletion_counts_back_from_the_infusion_day(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--start names the infusion (day 0): the header says so and days -5 to -3 come before it."""
    status = main(["calendar", "Flu-Cy-LD", *PATIENT, "--format", "md", *FIXED])
    assert status == 0
    out = capsys.readouterr().out
    assert "2026-01-05 is cycle 1 day 0, the day this protocol counts from" in out
    assert "| 2025-12-31 | Wed | 1 | -5 | fludarabine | 59.2 |" in out
    assert "| 2026-01-02 | Fri | 1 | -3 | cyclophosphamide | 591.6 |" in out
    assert "2026-01-05 |" not in out.split("| date |", 1)[1]


def test_aspire_carfilzomib_stops_after_cycle_18() -> None:
    """KRd-ASPIRE: no carfilzomib from cycle 19 on, while lenalidomide and dexamethasone go on."""
    schedule = _schedule("KRd-ASPIRE", "typical", 24)
    by_drug = schedule.by_drug()
    assert max(a.cycle for a in by_drug["carfilzomib"]) == 18
    assert max(a.cycle for a in by_drug["lenalidomide"]) == 24
    assert max(a.cycle for a in by_drug["dexamethasone"]) == 24


def test_elranatamab_is_scheduled_through_week_24_only() -> None:
    """Elranatamab past week 24 depends on response: more than 24 weekly cycles are refused."""
    with pytest.raises(dosing.ScheduleError) as info:
        _schedule("elranatamab", "typical", 25)
    assert "cycles must be between 1 and 24, got 25" in str(info.value)
