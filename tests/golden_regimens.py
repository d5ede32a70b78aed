"""Golden schedules for the regimen library, written by hand from the sources each file cites.

Every date and dose here was worked out by hand from the label or trial text named in the
comments (a calculator was used only for the square root and the multiplications). No code
from the ``dosing`` package was used, and this module does not import it: it is an independent
oracle for the protocol files in ``protocols/`` beyond the five seed regimens.

Rules followed:

* The start date is 2026-01-05 (a Monday). For a 28-day protocol cycle n starts 28 × (n - 1)
  days later: C1 2026-01-05, C2 02-02, C3 03-02, C4 03-30, C5 04-27, C6 05-25, C7 06-22,
  C9 08-17, C10 09-14, C11 10-12, C12 11-09, C13 12-07, C18 2027-04-26, C19 2027-05-24.
  For the bispecific antibodies, day d of the label's step-up schedule is 2026-01-05 + (d - 1).
  For lymphodepletion the start date is the CAR-T infusion (day 0): day -5 is 2025-12-31.
* BSA: Mosteller, sqrt(height_cm × weight_kg / 3600), at full precision: 175 cm and 80 kg give
  1.97202659 m² (the "typical" patient); 160 cm and 62 kg give 1.65998661 m² ("light").
* Carfilzomib on the BSA (below the 2.2 m² cap here): 20 mg/m² = 39.4 mg, 27 mg/m² = 53.2 mg,
  56 mg/m² = 110.4 mg, 70 mg/m² = 138.0 mg. Fludarabine 30 mg/m² = 59.2 mg (typical) or 49.8
  mg (light); cyclophosphamide 300 mg/m² = 591.6 mg or 498.0 mg.
* mg/kg doses on actual weight: daratumumab 16 mg/kg × 80 kg = 1,280 mg (8 mg/kg = 640 mg);
  isatuximab 10 mg/kg = 800 mg; teclistamab 0.06, 0.3, 1.5 mg/kg = 4.8, 24, 120 mg at 80 kg
  and 3.72 (reported 3.7), 18.6, 93 mg at 62 kg; talquetamab 0.01, 0.06, 0.4, 0.8 mg/kg = 0.8,
  4.8, 32, 64 mg at 80 kg and 0.62, 3.72 (reported 3.7), 24.8, 49.6 mg at 62 kg.
* Each mg dose is rounded once, to 0.1 mg (0.01 mg under 1 mg), half up.

Rows are ``(iso_date, cycle, day, drug, route, dose_mg)``. A daily oral drug is written as a
``daily(first_date, last_date, cycle, first_day, last_day, drug, route, dose_mg)`` run, both
ends written by hand; :func:`expand` writes the days between them out and checks that the
run's dates and days agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Row = tuple[str, int, int, str, str, float]

PATIENTS = {
    "typical": {"height_cm": 175, "weight_kg": 80},
    "light": {"height_cm": 160, "weight_kg": 62},
}
START = "2026-01-05"


@dataclass(frozen=True)
class Daily:
    """A run of one dose a day, from ``first`` (day ``first_day``) to ``last`` (``last_day``)."""

    first: str
    last: str
    cycle: int
    first_day: int
    last_day: int
    drug: str
    route: str
    mg: float


daily = Daily


def expand(rows: list[Row | Daily]) -> list[Row]:
    """The rows with every daily run written out day by day."""
    out: list[Row] = []
    for row in rows:
        if not isinstance(row, Daily):
            out.append(row)
            continue
        start = dt.date.fromisoformat(row.first)
        count = row.last_day - row.first_day + 1
        assert start + dt.timedelta(days=count - 1) == dt.date.fromisoformat(row.last), row
        out.extend(
            (
                (start + dt.timedelta(days=i)).isoformat(),
                row.cycle,
                row.first_day + i,
                row.drug,
                row.route,
                row.mg,
            )
            for i in range(count)
        )
    return out


def _carfilzomib(dates: list[str], cycle: int, days: list[int], mg: float) -> list[Row]:
    return [(d, cycle, day, "carfilzomib", "IV", mg) for d, day in zip(dates, days, strict=True)]


#: (protocol, patient, cycles built) -> (cycles compared or None for all, drugs compared or
#: None for all, rows). Each entry says which source it follows.
GOLDEN: dict[tuple[str, str, int], tuple[set[int] | None, set[str] | None, list[Row | Daily]]] = {
    # ------------------------------------------------------------------------------------------
    # KRd-ASPIRE, cycles 1-3 in full. Kyprolis US PI (Davis's Drug Guide, MPR) and ASPIRE:
    # carfilzomib 20 mg/m2 C1 D1-2, 27 mg/m2 C1 D8, 9, 15, 16 and C2-12 D1, 2, 8, 9, 15, 16;
    # lenalidomide 25 mg D1-21; dexamethasone 40 mg D1, 8, 15, 22.
    ("KRd-ASPIRE", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
            ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
            ("2026-01-12", 1, 8, "carfilzomib", "IV", 53.2),
            ("2026-01-13", 1, 9, "carfilzomib", "IV", 53.2),
            ("2026-01-19", 1, 15, "carfilzomib", "IV", 53.2),
            ("2026-01-20", 1, 16, "carfilzomib", "IV", 53.2),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
            daily("2026-01-05", "2026-01-25", 1, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-02-02", 2, 1, "carfilzomib", "IV", 53.2),
            ("2026-02-03", 2, 2, "carfilzomib", "IV", 53.2),
            ("2026-02-09", 2, 8, "carfilzomib", "IV", 53.2),
            ("2026-02-10", 2, 9, "carfilzomib", "IV", 53.2),
            ("2026-02-16", 2, 15, "carfilzomib", "IV", 53.2),
            ("2026-02-17", 2, 16, "carfilzomib", "IV", 53.2),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
            daily("2026-02-02", "2026-02-22", 2, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-03-02", 3, 1, "carfilzomib", "IV", 53.2),
            ("2026-03-03", 3, 2, "carfilzomib", "IV", 53.2),
            ("2026-03-09", 3, 8, "carfilzomib", "IV", 53.2),
            ("2026-03-10", 3, 9, "carfilzomib", "IV", 53.2),
            ("2026-03-16", 3, 15, "carfilzomib", "IV", 53.2),
            ("2026-03-17", 3, 16, "carfilzomib", "IV", 53.2),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
            daily("2026-03-02", "2026-03-22", 3, 1, 21, "lenalidomide", "PO", 25.0),
        ],
    ),
    # KRd-ASPIRE, the pattern changes: cycle 12 twice weekly; cycles 13-18 without days 8 and 9
    # ("From Cycle 13, omit the Day 8 and 9 doses"); cycle 19 without carfilzomib ("Discontinue
    # carfilzomib after Cycle 18"; Rd continues).
    ("KRd-ASPIRE", "typical", 19): (
        {12, 13, 18, 19},
        None,
        [
            ("2026-11-09", 12, 1, "carfilzomib", "IV", 53.2),
            ("2026-11-10", 12, 2, "carfilzomib", "IV", 53.2),
            ("2026-11-16", 12, 8, "carfilzomib", "IV", 53.2),
            ("2026-11-17", 12, 9, "carfilzomib", "IV", 53.2),
            ("2026-11-23", 12, 15, "carfilzomib", "IV", 53.2),
            ("2026-11-24", 12, 16, "carfilzomib", "IV", 53.2),
            ("2026-11-09", 12, 1, "dexamethasone", "PO", 40.0),
            ("2026-11-16", 12, 8, "dexamethasone", "PO", 40.0),
            ("2026-11-23", 12, 15, "dexamethasone", "PO", 40.0),
            ("2026-11-30", 12, 22, "dexamethasone", "PO", 40.0),
            daily("2026-11-09", "2026-11-29", 12, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-12-07", 13, 1, "carfilzomib", "IV", 53.2),
            ("2026-12-08", 13, 2, "carfilzomib", "IV", 53.2),
            ("2026-12-21", 13, 15, "carfilzomib", "IV", 53.2),
            ("2026-12-22", 13, 16, "carfilzomib", "IV", 53.2),
            ("2026-12-07", 13, 1, "dexamethasone", "PO", 40.0),
            ("2026-12-14", 13, 8, "dexamethasone", "PO", 40.0),
            ("2026-12-21", 13, 15, "dexamethasone", "PO", 40.0),
            ("2026-12-28", 13, 22, "dexamethasone", "PO", 40.0),
            daily("2026-12-07", "2026-12-27", 13, 1, 21, "lenalidomide", "PO", 25.0),
            ("2027-04-26", 18, 1, "carfilzomib", "IV", 53.2),
            ("2027-04-27", 18, 2, "carfilzomib", "IV", 53.2),
            ("2027-05-10", 18, 15, "carfilzomib", "IV", 53.2),
            ("2027-05-11", 18, 16, "carfilzomib", "IV", 53.2),
            ("2027-04-26", 18, 1, "dexamethasone", "PO", 40.0),
            ("2027-05-03", 18, 8, "dexamethasone", "PO", 40.0),
            ("2027-05-10", 18, 15, "dexamethasone", "PO", 40.0),
            ("2027-05-17", 18, 22, "dexamethasone", "PO", 40.0),
            daily("2027-04-26", "2027-05-16", 18, 1, 21, "lenalidomide", "PO", 25.0),
            ("2027-05-24", 19, 1, "dexamethasone", "PO", 40.0),
            ("2027-05-31", 19, 8, "dexamethasone", "PO", 40.0),
            ("2027-06-07", 19, 15, "dexamethasone", "PO", 40.0),
            ("2027-06-14", 19, 22, "dexamethasone", "PO", 40.0),
            daily("2027-05-24", "2027-06-13", 19, 1, 21, "lenalidomide", "PO", 25.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # Kd-ENDEAVOR, cycles 1-3. Kyprolis maker's Kd page and ENDEAVOR (NCT01568866):
    # carfilzomib 20 mg/m2 C1 D1-2, then 56 mg/m2 D1, 2, 8, 9, 15, 16; dexamethasone 20 mg
    # D1, 2, 8, 9, 15, 16, 22, 23 of each cycle.
    ("Kd-ENDEAVOR", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
            ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
            ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
            ("2026-01-13", 1, 9, "carfilzomib", "IV", 110.4),
            ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
            ("2026-01-20", 1, 16, "carfilzomib", "IV", 110.4),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 20.0),
            ("2026-01-06", 1, 2, "dexamethasone", "PO", 20.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 20.0),
            ("2026-01-13", 1, 9, "dexamethasone", "PO", 20.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 20.0),
            ("2026-01-20", 1, 16, "dexamethasone", "PO", 20.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 20.0),
            ("2026-01-27", 1, 23, "dexamethasone", "PO", 20.0),
            ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
            ("2026-02-03", 2, 2, "carfilzomib", "IV", 110.4),
            ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
            ("2026-02-10", 2, 9, "carfilzomib", "IV", 110.4),
            ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
            ("2026-02-17", 2, 16, "carfilzomib", "IV", 110.4),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 20.0),
            ("2026-02-03", 2, 2, "dexamethasone", "PO", 20.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 20.0),
            ("2026-02-10", 2, 9, "dexamethasone", "PO", 20.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 20.0),
            ("2026-02-17", 2, 16, "dexamethasone", "PO", 20.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 20.0),
            ("2026-02-24", 2, 23, "dexamethasone", "PO", 20.0),
            ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
            ("2026-03-03", 3, 2, "carfilzomib", "IV", 110.4),
            ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
            ("2026-03-10", 3, 9, "carfilzomib", "IV", 110.4),
            ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
            ("2026-03-17", 3, 16, "carfilzomib", "IV", 110.4),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 20.0),
            ("2026-03-03", 3, 2, "dexamethasone", "PO", 20.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 20.0),
            ("2026-03-10", 3, 9, "dexamethasone", "PO", 20.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 20.0),
            ("2026-03-17", 3, 16, "dexamethasone", "PO", 20.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 20.0),
            ("2026-03-24", 3, 23, "dexamethasone", "PO", 20.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # Kd-ARROW, cycles 1-3. Kyprolis US PI (Medscape, MPR) and ARROW: carfilzomib 20 mg/m2 C1
    # D1, then 70 mg/m2 D1, 8, 15; dexamethasone 40 mg D1, 8, 15, 22 in cycles 1-9.
    ("Kd-ARROW", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
            ("2026-01-12", 1, 8, "carfilzomib", "IV", 138.0),
            ("2026-01-19", 1, 15, "carfilzomib", "IV", 138.0),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
            ("2026-02-02", 2, 1, "carfilzomib", "IV", 138.0),
            ("2026-02-09", 2, 8, "carfilzomib", "IV", 138.0),
            ("2026-02-16", 2, 15, "carfilzomib", "IV", 138.0),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
            ("2026-03-02", 3, 1, "carfilzomib", "IV", 138.0),
            ("2026-03-09", 3, 8, "carfilzomib", "IV", 138.0),
            ("2026-03-16", 3, 15, "carfilzomib", "IV", 138.0),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
        ],
    ),
    # Kd-ARROW, dexamethasone from cycle 10: "Cycle 10 and thereafter ... Days 1, 8, 15"
    # (Medscape's reproduction of the label; the NZ library agrees). Cycle 9 keeps day 22.
    ("Kd-ARROW", "typical", 11): (
        {9, 10, 11},
        None,
        [
            ("2026-08-17", 9, 1, "carfilzomib", "IV", 138.0),
            ("2026-08-24", 9, 8, "carfilzomib", "IV", 138.0),
            ("2026-08-31", 9, 15, "carfilzomib", "IV", 138.0),
            ("2026-08-17", 9, 1, "dexamethasone", "PO", 40.0),
            ("2026-08-24", 9, 8, "dexamethasone", "PO", 40.0),
            ("2026-08-31", 9, 15, "dexamethasone", "PO", 40.0),
            ("2026-09-07", 9, 22, "dexamethasone", "PO", 40.0),
            ("2026-09-14", 10, 1, "carfilzomib", "IV", 138.0),
            ("2026-09-21", 10, 8, "carfilzomib", "IV", 138.0),
            ("2026-09-28", 10, 15, "carfilzomib", "IV", 138.0),
            ("2026-09-14", 10, 1, "dexamethasone", "PO", 40.0),
            ("2026-09-21", 10, 8, "dexamethasone", "PO", 40.0),
            ("2026-09-28", 10, 15, "dexamethasone", "PO", 40.0),
            ("2026-10-12", 11, 1, "carfilzomib", "IV", 138.0),
            ("2026-10-19", 11, 8, "carfilzomib", "IV", 138.0),
            ("2026-10-26", 11, 15, "carfilzomib", "IV", 138.0),
            ("2026-10-12", 11, 1, "dexamethasone", "PO", 40.0),
            ("2026-10-19", 11, 8, "dexamethasone", "PO", 40.0),
            ("2026-10-26", 11, 15, "dexamethasone", "PO", 40.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # KdD-70, cycles 1-3. Kyprolis US PI (Davis's Drug Guide): carfilzomib 20 mg/m2 C1 D1, then
    # 70 mg/m2 D1, 8, 15. Darzalex US PI (J&J summary) and EQUULEUS: 16 mg/kg weekly in
    # cycles 1-2, every 2 weeks in cycles 3-6, the first dose split 8 mg/kg over C1 D1-2.
    # EQUULEUS: dexamethasone 40 mg a week (days 1, 8, 15, 22 here).
    ("KdD-70", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "daratumumab", "IV", 640.0),
            ("2026-01-06", 1, 2, "daratumumab", "IV", 640.0),
            ("2026-01-12", 1, 8, "daratumumab", "IV", 1280.0),
            ("2026-01-19", 1, 15, "daratumumab", "IV", 1280.0),
            ("2026-01-26", 1, 22, "daratumumab", "IV", 1280.0),
            ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
            ("2026-01-12", 1, 8, "carfilzomib", "IV", 138.0),
            ("2026-01-19", 1, 15, "carfilzomib", "IV", 138.0),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
            ("2026-02-02", 2, 1, "daratumumab", "IV", 1280.0),
            ("2026-02-09", 2, 8, "daratumumab", "IV", 1280.0),
            ("2026-02-16", 2, 15, "daratumumab", "IV", 1280.0),
            ("2026-02-23", 2, 22, "daratumumab", "IV", 1280.0),
            ("2026-02-02", 2, 1, "carfilzomib", "IV", 138.0),
            ("2026-02-09", 2, 8, "carfilzomib", "IV", 138.0),
            ("2026-02-16", 2, 15, "carfilzomib", "IV", 138.0),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
            ("2026-03-02", 3, 1, "daratumumab", "IV", 1280.0),
            ("2026-03-16", 3, 15, "daratumumab", "IV", 1280.0),
            ("2026-03-02", 3, 1, "carfilzomib", "IV", 138.0),
            ("2026-03-09", 3, 8, "carfilzomib", "IV", 138.0),
            ("2026-03-16", 3, 15, "carfilzomib", "IV", 138.0),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # D-KRd-SC, cycles 1-3. Darzalex Faspro US PI Table 1: 1,800 mg SC weekly in weeks 1-8,
    # every 2 weeks in weeks 9-24, no split dose; the rest is the seed's D-KRd (carfilzomib
    # 20 then 56 mg/m2 D1, 2, 8, 9, 15, 16; lenalidomide 25 mg D1-21; dexamethasone 40 mg
    # weekly).
    ("D-KRd-SC", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "daratumumab", "SC", 1800.0),
            ("2026-01-12", 1, 8, "daratumumab", "SC", 1800.0),
            ("2026-01-19", 1, 15, "daratumumab", "SC", 1800.0),
            ("2026-01-26", 1, 22, "daratumumab", "SC", 1800.0),
            *_carfilzomib(["2026-01-05", "2026-01-06"], 1, [1, 2], 39.4),
            *_carfilzomib(
                ["2026-01-12", "2026-01-13", "2026-01-19", "2026-01-20"], 1, [8, 9, 15, 16], 110.4
            ),
            daily("2026-01-05", "2026-01-25", 1, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
            ("2026-02-02", 2, 1, "daratumumab", "SC", 1800.0),
            ("2026-02-09", 2, 8, "daratumumab", "SC", 1800.0),
            ("2026-02-16", 2, 15, "daratumumab", "SC", 1800.0),
            ("2026-02-23", 2, 22, "daratumumab", "SC", 1800.0),
            *_carfilzomib(
                [
                    "2026-02-02",
                    "2026-02-03",
                    "2026-02-09",
                    "2026-02-10",
                    "2026-02-16",
                    "2026-02-17",
                ],
                2,
                [1, 2, 8, 9, 15, 16],
                110.4,
            ),
            daily("2026-02-02", "2026-02-22", 2, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
            ("2026-03-02", 3, 1, "daratumumab", "SC", 1800.0),
            ("2026-03-16", 3, 15, "daratumumab", "SC", 1800.0),
            *_carfilzomib(
                [
                    "2026-03-02",
                    "2026-03-03",
                    "2026-03-09",
                    "2026-03-10",
                    "2026-03-16",
                    "2026-03-17",
                ],
                3,
                [1, 2, 8, 9, 15, 16],
                110.4,
            ),
            daily("2026-03-02", "2026-03-22", 3, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
        ],
    ),
    # D-KRd-SC daratumumab from week 25: cycles 6 (D1, 15) and 7 (D1 only), Faspro Table 1.
    ("D-KRd-SC", "typical", 7): (
        {6, 7},
        {"daratumumab"},
        [
            ("2026-05-25", 6, 1, "daratumumab", "SC", 1800.0),
            ("2026-06-08", 6, 15, "daratumumab", "SC", 1800.0),
            ("2026-06-22", 7, 1, "daratumumab", "SC", 1800.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # KdD-SC, cycles 1-3. Faspro Table 1 (D-Kd), no split dose; carfilzomib 20/56 twice weekly
    # and dexamethasone 40 mg a week split as in the seed's KdD (20 mg D1, 2, 8, 9, 15, 16;
    # 40 mg D22).
    ("KdD-SC", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "daratumumab", "SC", 1800.0),
            ("2026-01-12", 1, 8, "daratumumab", "SC", 1800.0),
            ("2026-01-19", 1, 15, "daratumumab", "SC", 1800.0),
            ("2026-01-26", 1, 22, "daratumumab", "SC", 1800.0),
            *_carfilzomib(["2026-01-05", "2026-01-06"], 1, [1, 2], 39.4),
            *_carfilzomib(
                ["2026-01-12", "2026-01-13", "2026-01-19", "2026-01-20"], 1, [8, 9, 15, 16], 110.4
            ),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 20.0),
            ("2026-01-06", 1, 2, "dexamethasone", "PO", 20.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 20.0),
            ("2026-01-13", 1, 9, "dexamethasone", "PO", 20.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 20.0),
            ("2026-01-20", 1, 16, "dexamethasone", "PO", 20.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
            ("2026-02-02", 2, 1, "daratumumab", "SC", 1800.0),
            ("2026-02-09", 2, 8, "daratumumab", "SC", 1800.0),
            ("2026-02-16", 2, 15, "daratumumab", "SC", 1800.0),
            ("2026-02-23", 2, 22, "daratumumab", "SC", 1800.0),
            *_carfilzomib(
                [
                    "2026-02-02",
                    "2026-02-03",
                    "2026-02-09",
                    "2026-02-10",
                    "2026-02-16",
                    "2026-02-17",
                ],
                2,
                [1, 2, 8, 9, 15, 16],
                110.4,
            ),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 20.0),
            ("2026-02-03", 2, 2, "dexamethasone", "PO", 20.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 20.0),
            ("2026-02-10", 2, 9, "dexamethasone", "PO", 20.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 20.0),
            ("2026-02-17", 2, 16, "dexamethasone", "PO", 20.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
            ("2026-03-02", 3, 1, "daratumumab", "SC", 1800.0),
            ("2026-03-16", 3, 15, "daratumumab", "SC", 1800.0),
            *_carfilzomib(
                [
                    "2026-03-02",
                    "2026-03-03",
                    "2026-03-09",
                    "2026-03-10",
                    "2026-03-16",
                    "2026-03-17",
                ],
                3,
                [1, 2, 8, 9, 15, 16],
                110.4,
            ),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 20.0),
            ("2026-03-03", 3, 2, "dexamethasone", "PO", 20.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 20.0),
            ("2026-03-10", 3, 9, "dexamethasone", "PO", 20.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 20.0),
            ("2026-03-17", 3, 16, "dexamethasone", "PO", 20.0),
            ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # Isa-KRd, the four induction cycles. SKylaRk (Lancet Haematol 2024): isatuximab 10 mg/kg
    # weekly for 8 weeks then every other week; carfilzomib 56 mg/m2 D1, 8, 15 (20 mg/m2 C1 D1);
    # lenalidomide 25 mg D1-21; dexamethasone 20 mg the day of and the day after every
    # carfilzomib and isatuximab dose.
    ("Isa-KRd", "typical", 4): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "isatuximab", "IV", 800.0),
            ("2026-01-12", 1, 8, "isatuximab", "IV", 800.0),
            ("2026-01-19", 1, 15, "isatuximab", "IV", 800.0),
            ("2026-01-26", 1, 22, "isatuximab", "IV", 800.0),
            ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
            ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
            ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
            daily("2026-01-05", "2026-01-25", 1, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-01-05", 1, 1, "dexamethasone", "PO", 20.0),
            ("2026-01-06", 1, 2, "dexamethasone", "PO", 20.0),
            ("2026-01-12", 1, 8, "dexamethasone", "PO", 20.0),
            ("2026-01-13", 1, 9, "dexamethasone", "PO", 20.0),
            ("2026-01-19", 1, 15, "dexamethasone", "PO", 20.0),
            ("2026-01-20", 1, 16, "dexamethasone", "PO", 20.0),
            ("2026-01-26", 1, 22, "dexamethasone", "PO", 20.0),
            ("2026-01-27", 1, 23, "dexamethasone", "PO", 20.0),
            ("2026-02-02", 2, 1, "isatuximab", "IV", 800.0),
            ("2026-02-09", 2, 8, "isatuximab", "IV", 800.0),
            ("2026-02-16", 2, 15, "isatuximab", "IV", 800.0),
            ("2026-02-23", 2, 22, "isatuximab", "IV", 800.0),
            ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
            ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
            ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
            daily("2026-02-02", "2026-02-22", 2, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-02-02", 2, 1, "dexamethasone", "PO", 20.0),
            ("2026-02-03", 2, 2, "dexamethasone", "PO", 20.0),
            ("2026-02-09", 2, 8, "dexamethasone", "PO", 20.0),
            ("2026-02-10", 2, 9, "dexamethasone", "PO", 20.0),
            ("2026-02-16", 2, 15, "dexamethasone", "PO", 20.0),
            ("2026-02-17", 2, 16, "dexamethasone", "PO", 20.0),
            ("2026-02-23", 2, 22, "dexamethasone", "PO", 20.0),
            ("2026-02-24", 2, 23, "dexamethasone", "PO", 20.0),
            ("2026-03-02", 3, 1, "isatuximab", "IV", 800.0),
            ("2026-03-16", 3, 15, "isatuximab", "IV", 800.0),
            ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
            ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
            ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
            daily("2026-03-02", "2026-03-22", 3, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-03-02", 3, 1, "dexamethasone", "PO", 20.0),
            ("2026-03-03", 3, 2, "dexamethasone", "PO", 20.0),
            ("2026-03-09", 3, 8, "dexamethasone", "PO", 20.0),
            ("2026-03-10", 3, 9, "dexamethasone", "PO", 20.0),
            ("2026-03-16", 3, 15, "dexamethasone", "PO", 20.0),
            ("2026-03-17", 3, 16, "dexamethasone", "PO", 20.0),
            ("2026-03-30", 4, 1, "isatuximab", "IV", 800.0),
            ("2026-04-13", 4, 15, "isatuximab", "IV", 800.0),
            ("2026-03-30", 4, 1, "carfilzomib", "IV", 110.4),
            ("2026-04-06", 4, 8, "carfilzomib", "IV", 110.4),
            ("2026-04-13", 4, 15, "carfilzomib", "IV", 110.4),
            daily("2026-03-30", "2026-04-19", 4, 1, 21, "lenalidomide", "PO", 25.0),
            ("2026-03-30", 4, 1, "dexamethasone", "PO", 20.0),
            ("2026-03-31", 4, 2, "dexamethasone", "PO", 20.0),
            ("2026-04-06", 4, 8, "dexamethasone", "PO", 20.0),
            ("2026-04-07", 4, 9, "dexamethasone", "PO", 20.0),
            ("2026-04-13", 4, 15, "dexamethasone", "PO", 20.0),
            ("2026-04-14", 4, 16, "dexamethasone", "PO", 20.0),
        ],
    ),
    # Isa-KRd isatuximab: every 2 weeks for 16 weeks (cycles 3-6), then every 4 weeks.
    ("Isa-KRd", "typical", 7): (
        {5, 6, 7},
        {"isatuximab"},
        [
            ("2026-04-27", 5, 1, "isatuximab", "IV", 800.0),
            ("2026-05-11", 5, 15, "isatuximab", "IV", 800.0),
            ("2026-05-25", 6, 1, "isatuximab", "IV", 800.0),
            ("2026-06-08", 6, 15, "isatuximab", "IV", 800.0),
            ("2026-06-22", 7, 1, "isatuximab", "IV", 800.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # R-maintenance, cycles 1-3. Seed 004: lenalidomide 10 mg/day, 21 days of a 28-day cycle.
    ("R-maintenance", "typical", 3): (
        None,
        None,
        [
            daily("2026-01-05", "2026-01-25", 1, 1, 21, "lenalidomide", "PO", 10.0),
            daily("2026-02-02", "2026-02-22", 2, 1, 21, "lenalidomide", "PO", 10.0),
            daily("2026-03-02", "2026-03-22", 3, 1, 21, "lenalidomide", "PO", 10.0),
        ],
    ),
    # R-maintenance-US, cycles 1-3. Revlimid US PI: 10 mg once daily continuously, days 1-28.
    ("R-maintenance-US", "typical", 3): (
        None,
        None,
        [
            daily("2026-01-05", "2026-02-01", 1, 1, 28, "lenalidomide", "PO", 10.0),
            daily("2026-02-02", "2026-03-01", 2, 1, 28, "lenalidomide", "PO", 10.0),
            daily("2026-03-02", "2026-03-29", 3, 1, 28, "lenalidomide", "PO", 10.0),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # teclistamab, the step-up schedule and three weekly doses. Tecvayli US PI Table 1:
    # 0.06 mg/kg day 1, 0.3 mg/kg day 4, 1.5 mg/kg day 7, then 1.5 mg/kg one week later and
    # weekly (days 14, 21, 28).
    ("teclistamab", "typical", 4): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "teclistamab", "SC", 4.8),
            ("2026-01-08", 1, 4, "teclistamab", "SC", 24.0),
            ("2026-01-11", 1, 7, "teclistamab", "SC", 120.0),
            ("2026-01-18", 2, 7, "teclistamab", "SC", 120.0),
            ("2026-01-25", 3, 7, "teclistamab", "SC", 120.0),
            ("2026-02-01", 4, 7, "teclistamab", "SC", 120.0),
        ],
    ),
    ("teclistamab", "light", 4): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "teclistamab", "SC", 3.7),
            ("2026-01-08", 1, 4, "teclistamab", "SC", 18.6),
            ("2026-01-11", 1, 7, "teclistamab", "SC", 93.0),
            ("2026-01-18", 2, 7, "teclistamab", "SC", 93.0),
            ("2026-01-25", 3, 7, "teclistamab", "SC", 93.0),
            ("2026-02-01", 4, 7, "teclistamab", "SC", 93.0),
        ],
    ),
    # elranatamab, flat doses. Elrexfio US PI Table 1: 12 mg day 1, 32 mg day 4, 76 mg day 8,
    # then 76 mg weekly (days 15, 22).
    ("elranatamab", "typical", 4): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "elranatamab", "SC", 12.0),
            ("2026-01-08", 1, 4, "elranatamab", "SC", 32.0),
            ("2026-01-12", 2, 1, "elranatamab", "SC", 76.0),
            ("2026-01-19", 3, 1, "elranatamab", "SC", 76.0),
            ("2026-01-26", 4, 1, "elranatamab", "SC", 76.0),
        ],
    ),
    # talquetamab weekly. Talvey US PI Table 1: 0.01 mg/kg day 1, 0.06 mg/kg day 4, 0.4 mg/kg
    # day 7, then 0.4 mg/kg weekly (days 14, 21).
    ("talquetamab", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "talquetamab", "SC", 0.8),
            ("2026-01-08", 1, 4, "talquetamab", "SC", 4.8),
            ("2026-01-11", 1, 7, "talquetamab", "SC", 32.0),
            ("2026-01-18", 2, 7, "talquetamab", "SC", 32.0),
            ("2026-01-25", 3, 7, "talquetamab", "SC", 32.0),
        ],
    ),
    ("talquetamab", "light", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "talquetamab", "SC", 0.62),
            ("2026-01-08", 1, 4, "talquetamab", "SC", 3.7),
            ("2026-01-11", 1, 7, "talquetamab", "SC", 24.8),
            ("2026-01-18", 2, 7, "talquetamab", "SC", 24.8),
            ("2026-01-25", 3, 7, "talquetamab", "SC", 24.8),
        ],
    ),
    # talquetamab every 2 weeks. Talvey US PI Table 2: 0.01 mg/kg day 1, 0.06 mg/kg day 4,
    # 0.4 mg/kg day 7, 0.8 mg/kg day 10, then 0.8 mg/kg two weeks later and every 2 weeks
    # (days 24, 38).
    ("talquetamab-Q2W", "typical", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "talquetamab", "SC", 0.8),
            ("2026-01-08", 1, 4, "talquetamab", "SC", 4.8),
            ("2026-01-11", 1, 7, "talquetamab", "SC", 32.0),
            ("2026-01-14", 1, 10, "talquetamab", "SC", 64.0),
            ("2026-01-28", 2, 10, "talquetamab", "SC", 64.0),
            ("2026-02-11", 3, 10, "talquetamab", "SC", 64.0),
        ],
    ),
    ("talquetamab-Q2W", "light", 3): (
        None,
        None,
        [
            ("2026-01-05", 1, 1, "talquetamab", "SC", 0.62),
            ("2026-01-08", 1, 4, "talquetamab", "SC", 3.7),
            ("2026-01-11", 1, 7, "talquetamab", "SC", 24.8),
            ("2026-01-14", 1, 10, "talquetamab", "SC", 49.6),
            ("2026-01-28", 2, 10, "talquetamab", "SC", 49.6),
            ("2026-02-11", 3, 10, "talquetamab", "SC", 49.6),
        ],
    ),
    # ------------------------------------------------------------------------------------------
    # Flu-Cy-LD, the whole course; the start date 2026-01-05 is the CAR-T infusion (day 0).
    # Abecma US PI and seed 002: fludarabine 30 mg/m2 and cyclophosphamide 300 mg/m2 daily on
    # days -5, -4, -3 (2025-12-31, 2026-01-01, 2026-01-02).
    ("Flu-Cy-LD", "typical", 1): (
        None,
        None,
        [
            ("2025-12-31", 1, -5, "fludarabine", "IV", 59.2),
            ("2025-12-31", 1, -5, "cyclophosphamide", "IV", 591.6),
            ("2026-01-01", 1, -4, "fludarabine", "IV", 59.2),
            ("2026-01-01", 1, -4, "cyclophosphamide", "IV", 591.6),
            ("2026-01-02", 1, -3, "fludarabine", "IV", 59.2),
            ("2026-01-02", 1, -3, "cyclophosphamide", "IV", 591.6),
        ],
    ),
    ("Flu-Cy-LD", "light", 1): (
        None,
        None,
        [
            ("2025-12-31", 1, -5, "fludarabine", "IV", 49.8),
            ("2025-12-31", 1, -5, "cyclophosphamide", "IV", 498.0),
            ("2026-01-01", 1, -4, "fludarabine", "IV", 49.8),
            ("2026-01-01", 1, -4, "cyclophosphamide", "IV", 498.0),
            ("2026-01-02", 1, -3, "fludarabine", "IV", 49.8),
            ("2026-01-02", 1, -3, "cyclophosphamide", "IV", 498.0),
        ],
    ),
}

#: The dates on which the premedication check lists premedication to order separately, by
#: hand from each label's step-up schedule (the regimen gives no corticosteroid itself).
PREMEDICATION_DATES = {
    "teclistamab": ["2026-01-05", "2026-01-08", "2026-01-11"],
    "elranatamab": ["2026-01-05", "2026-01-08", "2026-01-12"],
    "talquetamab": ["2026-01-05", "2026-01-08", "2026-01-11"],
    "talquetamab-Q2W": ["2026-01-05", "2026-01-08", "2026-01-11", "2026-01-14"],
}
