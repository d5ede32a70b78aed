"""The dateless plan: days and doses by cycle, premedication checked day by day.

Expected days are written by hand from ``shared/clinical-reference.md``: section 10 (carfilzomib
needs dexamethasone before every cycle-1 dose; daratumumab needs a corticosteroid before every
infusion, the regimen's dexamethasone that day serving; KdD dexamethasone 20 mg on days 1, 2,
8, 9, 15, 16 and 40 mg on day 22; Kd weekly dexamethasone days 1, 8, 15, 22 in cycles 1-9 and
days 1, 8, 15 from cycle 10) and section 1 (the seed regimens' days).
"""

from __future__ import annotations

import datetime as dt

import pytest

from dosing.catalogue import get_protocol
from dosing.plan import build_plan, dose_date, premedication_gaps
from dosing.protocol import resolve_choices


def _plan(protocol: str, cycles: int = 1, **choices: float):
    p = get_protocol(protocol)
    return build_plan(p, resolve_choices(p, choices), cycles=cycles)


def _gaps(protocol: str, **choices: float) -> list[tuple[int, int, str]]:
    return sorted(premedication_gaps(_plan(protocol, 2, **choices)))


@pytest.mark.parametrize(
    ("protocol", "choices", "expected"),
    [
        # carfilzomib twice weekly in cycle 1 (days 1, 2, 8, 9, 15, 16); dexamethasone on days 1,
        # 8, 15, 22: days 2, 9, 16 have no corticosteroid
        ("KRd", {}, [(1, 2, "carfilzomib"), (1, 9, "carfilzomib"), (1, 16, "carfilzomib")]),
        ("D-KRd", {}, [(1, 2, "carfilzomib"), (1, 9, "carfilzomib"), (1, 16, "carfilzomib")]),
        ("KCyD", {}, [(1, 2, "carfilzomib"), (1, 9, "carfilzomib"), (1, 16, "carfilzomib")]),
        # KdD as labelled: dexamethasone on every carfilzomib day and day 22 covers everything,
        # the split daratumumab dose on C1 D2 included
        ("KdD", {}, []),
        # KdD with 20 mg once a week: C1 D2 has daratumumab (split dose) and carfilzomib
        # without dexamethasone; days 9 and 16 carfilzomib; daratumumab days 1, 8, 15, 22
        # (and cycle 2's) fall on dexamethasone days
        (
            "KdD",
            {"dexamethasone": 20},
            [
                (1, 2, "carfilzomib"),
                (1, 2, "daratumumab"),
                (1, 9, "carfilzomib"),
                (1, 16, "carfilzomib"),
            ],
        ),
        # Kd weekly: carfilzomib days 1, 8, 15 all have dexamethasone
        ("Kd-weekly", {}, []),
    ],
)
def test_days_without_a_corticosteroid_are_found(
    protocol: str, choices: dict[str, float], expected: list[tuple[int, int, str]]
) -> None:
    """Every daratumumab day and every cycle-1 carfilzomib day without dexamethasone is found."""
    assert _gaps(protocol, **choices) == expected


def test_kdd_dexamethasone_is_split_across_the_carfilzomib_days() -> None:
    """KdD 40 mg a week: 20 mg on days 1, 2, 8, 9, 15, 16 and 40 mg on day 22, every cycle."""
    plan = _plan("KdD", 3)
    for cycle in (1, 2, 3):
        dex = [(d.day, str(d.rule)) for d in plan.in_cycle(cycle) if d.drug == "dexamethasone"]
        assert dex == [
            (1, "20 mg"),
            (2, "20 mg"),
            (8, "20 mg"),
            (9, "20 mg"),
            (15, "20 mg"),
            (16, "20 mg"),
            (22, "40 mg"),
        ]


def test_kdd_twenty_mg_a_week_is_once_weekly() -> None:
    """KdD with 20 mg a week: 20 mg on days 1, 8, 15, 22."""
    plan = _plan("KdD", 1, dexamethasone=20)
    dex = [(d.day, str(d.rule)) for d in plan.doses if d.drug == "dexamethasone"]
    assert dex == [(1, "20 mg"), (8, "20 mg"), (15, "20 mg"), (22, "20 mg")]


def test_kd_weekly_dexamethasone_drops_day_22_from_cycle_10() -> None:
    """Kd weekly as labelled: days 1, 8, 15, 22 in cycles 1-9, days 1, 8, 15 from cycle 10."""
    plan = _plan("Kd-weekly", 11)
    for cycle, days in (
        (1, [1, 8, 15, 22]),
        (9, [1, 8, 15, 22]),
        (10, [1, 8, 15]),
        (11, [1, 8, 15]),
    ):
        assert [d.day for d in plan.in_cycle(cycle) if d.drug == "dexamethasone"] == days


@pytest.mark.parametrize("protocol", ["D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD"])
def test_twenty_mg_a_week_of_dexamethasone_is_a_choice_everywhere(protocol: str) -> None:
    """Every built-in protocol with weekly dexamethasone accepts 20 mg."""
    plan = _plan(protocol, 1, dexamethasone=20)
    assert {str(d.rule) for d in plan.doses if d.drug == "dexamethasone"} == {"20 mg"}


def test_the_date_rule() -> None:
    """Cycle n day d is (n - 1) x length + d - 1 days after the start; day 0 the day before."""
    start = dt.date(2026, 1, 5)
    assert dose_date(start, 28, 1, 1) == start
    assert dose_date(start, 28, 1, 0) == dt.date(2026, 1, 4)
    assert dose_date(start, 28, 3, 15) == dt.date(2026, 3, 16)
    assert dose_date(start, 28, 10, 1) == dt.date(2026, 9, 14)
