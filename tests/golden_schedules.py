"""Golden dosing calendars, derived by hand from the clinical reference.

Every value in this module was worked out by hand (a calculator was used only for the square
root and the multiplications) from ``shared/clinical-reference.md`` sections 1, 2, 3, 5, 6 and 8
and Table 3 of seed ``001_1b76ef1c91edc563.txt``. No code from the ``dosing`` package was used,
and this module does not import it: it is an independent oracle for the calendar expansion.

Rules followed (all cycles are 28 days; cycle n day d falls on START + (n-1)*28 + (d-1) days):

* BSA: Mosteller, sqrt(height_cm * weight_kg / 3600), kept at full precision (reference s.8).
* Carfilzomib IV (reference s.1, s.2; seed Table 3): step-up (priming) 20 mg/m2 on cycle 1
  days 1 and 2 (Kd-weekly: cycle 1 day 1 only); then the target dose on days 1,2,8,9,15,16 at
  56 mg/m2 (D-KRd, KRd, KdD, KCyD; for KRd and KCyD the seed range 36-56 is set to its default
  56) or days 1,8,15 at 70 mg/m2 (Kd-weekly). The BSA used is min(BSA, 2.2 m2).
* Daratumumab IV (reference s.3; D-KRd and KdD): 16 mg/kg actual weight, no cap; cycles 1-2
  days 1,8,15,22; cycles 3-6 days 1,15; cycle 7 on day 1. KdD only: the first dose is split,
  8 mg/kg on cycle 1 days 1 and 2, then 16 mg/kg from cycle 1 day 8.
* Lenalidomide PO (seed Table 3; D-KRd, KRd): flat 25 mg on days 1-21.
* Dexamethasone PO (reference s.1, s.5): flat 40 mg (default of the 20-40 range; KCyD's seed
  dose) weekly, days 1,8,15,22 - except in KdD, where the 40 mg a week is split across the
  carfilzomib days as the label and CANDOR give it (reference s.10): 20 mg on days 1, 2, 8, 9,
  15, 16 and 40 mg on day 22; and in Kd-weekly, where day 22 stops from cycle 10 (reference
  s.10; beyond the three cycles here).
* Cyclophosphamide PO (seed Table 3, reference s.2 and s.6; KCyD only): 300 mg/m2 on days
  1,8,15 on the full, uncapped BSA (the 2.2 m2 cap is for carfilzomib only).
* Each mg dose is the unrounded rate times the unrounded BSA (or weight), rounded once, to
  0.1 mg, half up.

Each GOLDEN list holds cycles 1, 2 and 3 as tuples
``(iso_date, cycle, day, drug, route, dose_mg)``, sorted by date and then by drug name.
"""

PATIENTS = {
    # sqrt(175 * 80 / 3600) = sqrt(3.888...) = 1.97202659...
    "typical": {"height_cm": 175, "weight_kg": 80, "bsa_mosteller": 1.9720},
    # sqrt(190 * 110 / 3600) = sqrt(5.80555...) = 2.40947204...; above 2.2 m2, so carfilzomib
    # is dosed on 2.2 m2 while cyclophosphamide uses the full 2.4095 m2.
    "above_cap": {"height_cm": 190, "weight_kg": 110, "bsa_mosteller": 2.4095},
}

START = "2026-01-05"  # cycle 1 day 1 (a Monday); cycle n starts at START + (n-1)*28 days
# Cycle 1: 2026-01-05 .. 2026-02-01; cycle 2: 2026-02-02 .. 2026-03-01 (February 2026 has 28
# days); cycle 3: 2026-03-02 .. 2026-03-29.

GOLDEN = {
    # ------------------------------------------------------------------------------------------
    # D-KRd, typical patient: carfilzomib 39.4 / 110.4 mg, daratumumab 1280 mg,
    # lenalidomide 25 mg, dexamethasone 40 mg
    ("D-KRd", "typical"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
        ("2026-01-05", 1, 1, "daratumumab", "IV", 1280.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-05", 1, 1, "lenalidomide", "PO", 25.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
        ("2026-01-06", 1, 2, "lenalidomide", "PO", 25.0),
        ("2026-01-07", 1, 3, "lenalidomide", "PO", 25.0),
        ("2026-01-08", 1, 4, "lenalidomide", "PO", 25.0),
        ("2026-01-09", 1, 5, "lenalidomide", "PO", 25.0),
        ("2026-01-10", 1, 6, "lenalidomide", "PO", 25.0),
        ("2026-01-11", 1, 7, "lenalidomide", "PO", 25.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
        ("2026-01-12", 1, 8, "daratumumab", "IV", 1280.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "lenalidomide", "PO", 25.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 110.4),
        ("2026-01-13", 1, 9, "lenalidomide", "PO", 25.0),
        ("2026-01-14", 1, 10, "lenalidomide", "PO", 25.0),
        ("2026-01-15", 1, 11, "lenalidomide", "PO", 25.0),
        ("2026-01-16", 1, 12, "lenalidomide", "PO", 25.0),
        ("2026-01-17", 1, 13, "lenalidomide", "PO", 25.0),
        ("2026-01-18", 1, 14, "lenalidomide", "PO", 25.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
        ("2026-01-19", 1, 15, "daratumumab", "IV", 1280.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "lenalidomide", "PO", 25.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 110.4),
        ("2026-01-20", 1, 16, "lenalidomide", "PO", 25.0),
        ("2026-01-21", 1, 17, "lenalidomide", "PO", 25.0),
        ("2026-01-22", 1, 18, "lenalidomide", "PO", 25.0),
        ("2026-01-23", 1, 19, "lenalidomide", "PO", 25.0),
        ("2026-01-24", 1, 20, "lenalidomide", "PO", 25.0),
        ("2026-01-25", 1, 21, "lenalidomide", "PO", 25.0),
        ("2026-01-26", 1, 22, "daratumumab", "IV", 1280.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
        ("2026-02-02", 2, 1, "daratumumab", "IV", 1280.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-02", 2, 1, "lenalidomide", "PO", 25.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 110.4),
        ("2026-02-03", 2, 2, "lenalidomide", "PO", 25.0),
        ("2026-02-04", 2, 3, "lenalidomide", "PO", 25.0),
        ("2026-02-05", 2, 4, "lenalidomide", "PO", 25.0),
        ("2026-02-06", 2, 5, "lenalidomide", "PO", 25.0),
        ("2026-02-07", 2, 6, "lenalidomide", "PO", 25.0),
        ("2026-02-08", 2, 7, "lenalidomide", "PO", 25.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
        ("2026-02-09", 2, 8, "daratumumab", "IV", 1280.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "lenalidomide", "PO", 25.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 110.4),
        ("2026-02-10", 2, 9, "lenalidomide", "PO", 25.0),
        ("2026-02-11", 2, 10, "lenalidomide", "PO", 25.0),
        ("2026-02-12", 2, 11, "lenalidomide", "PO", 25.0),
        ("2026-02-13", 2, 12, "lenalidomide", "PO", 25.0),
        ("2026-02-14", 2, 13, "lenalidomide", "PO", 25.0),
        ("2026-02-15", 2, 14, "lenalidomide", "PO", 25.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
        ("2026-02-16", 2, 15, "daratumumab", "IV", 1280.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "lenalidomide", "PO", 25.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 110.4),
        ("2026-02-17", 2, 16, "lenalidomide", "PO", 25.0),
        ("2026-02-18", 2, 17, "lenalidomide", "PO", 25.0),
        ("2026-02-19", 2, 18, "lenalidomide", "PO", 25.0),
        ("2026-02-20", 2, 19, "lenalidomide", "PO", 25.0),
        ("2026-02-21", 2, 20, "lenalidomide", "PO", 25.0),
        ("2026-02-22", 2, 21, "lenalidomide", "PO", 25.0),
        ("2026-02-23", 2, 22, "daratumumab", "IV", 1280.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3 (daratumumab every 2 weeks: days 1, 15)
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
        ("2026-03-02", 3, 1, "daratumumab", "IV", 1280.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-02", 3, 1, "lenalidomide", "PO", 25.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 110.4),
        ("2026-03-03", 3, 2, "lenalidomide", "PO", 25.0),
        ("2026-03-04", 3, 3, "lenalidomide", "PO", 25.0),
        ("2026-03-05", 3, 4, "lenalidomide", "PO", 25.0),
        ("2026-03-06", 3, 5, "lenalidomide", "PO", 25.0),
        ("2026-03-07", 3, 6, "lenalidomide", "PO", 25.0),
        ("2026-03-08", 3, 7, "lenalidomide", "PO", 25.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "lenalidomide", "PO", 25.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 110.4),
        ("2026-03-10", 3, 9, "lenalidomide", "PO", 25.0),
        ("2026-03-11", 3, 10, "lenalidomide", "PO", 25.0),
        ("2026-03-12", 3, 11, "lenalidomide", "PO", 25.0),
        ("2026-03-13", 3, 12, "lenalidomide", "PO", 25.0),
        ("2026-03-14", 3, 13, "lenalidomide", "PO", 25.0),
        ("2026-03-15", 3, 14, "lenalidomide", "PO", 25.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
        ("2026-03-16", 3, 15, "daratumumab", "IV", 1280.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "lenalidomide", "PO", 25.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 110.4),
        ("2026-03-17", 3, 16, "lenalidomide", "PO", 25.0),
        ("2026-03-18", 3, 17, "lenalidomide", "PO", 25.0),
        ("2026-03-19", 3, 18, "lenalidomide", "PO", 25.0),
        ("2026-03-20", 3, 19, "lenalidomide", "PO", 25.0),
        ("2026-03-21", 3, 20, "lenalidomide", "PO", 25.0),
        ("2026-03-22", 3, 21, "lenalidomide", "PO", 25.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # D-KRd, above-cap patient: carfilzomib 44 / 123.2 mg (2.2 m2), daratumumab 1760 mg,
    # lenalidomide 25 mg, dexamethasone 40 mg
    ("D-KRd", "above_cap"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 44.0),
        ("2026-01-05", 1, 1, "daratumumab", "IV", 1760.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-05", 1, 1, "lenalidomide", "PO", 25.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 44.0),
        ("2026-01-06", 1, 2, "lenalidomide", "PO", 25.0),
        ("2026-01-07", 1, 3, "lenalidomide", "PO", 25.0),
        ("2026-01-08", 1, 4, "lenalidomide", "PO", 25.0),
        ("2026-01-09", 1, 5, "lenalidomide", "PO", 25.0),
        ("2026-01-10", 1, 6, "lenalidomide", "PO", 25.0),
        ("2026-01-11", 1, 7, "lenalidomide", "PO", 25.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 123.2),
        ("2026-01-12", 1, 8, "daratumumab", "IV", 1760.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "lenalidomide", "PO", 25.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 123.2),
        ("2026-01-13", 1, 9, "lenalidomide", "PO", 25.0),
        ("2026-01-14", 1, 10, "lenalidomide", "PO", 25.0),
        ("2026-01-15", 1, 11, "lenalidomide", "PO", 25.0),
        ("2026-01-16", 1, 12, "lenalidomide", "PO", 25.0),
        ("2026-01-17", 1, 13, "lenalidomide", "PO", 25.0),
        ("2026-01-18", 1, 14, "lenalidomide", "PO", 25.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 123.2),
        ("2026-01-19", 1, 15, "daratumumab", "IV", 1760.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "lenalidomide", "PO", 25.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 123.2),
        ("2026-01-20", 1, 16, "lenalidomide", "PO", 25.0),
        ("2026-01-21", 1, 17, "lenalidomide", "PO", 25.0),
        ("2026-01-22", 1, 18, "lenalidomide", "PO", 25.0),
        ("2026-01-23", 1, 19, "lenalidomide", "PO", 25.0),
        ("2026-01-24", 1, 20, "lenalidomide", "PO", 25.0),
        ("2026-01-25", 1, 21, "lenalidomide", "PO", 25.0),
        ("2026-01-26", 1, 22, "daratumumab", "IV", 1760.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 123.2),
        ("2026-02-02", 2, 1, "daratumumab", "IV", 1760.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-02", 2, 1, "lenalidomide", "PO", 25.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 123.2),
        ("2026-02-03", 2, 2, "lenalidomide", "PO", 25.0),
        ("2026-02-04", 2, 3, "lenalidomide", "PO", 25.0),
        ("2026-02-05", 2, 4, "lenalidomide", "PO", 25.0),
        ("2026-02-06", 2, 5, "lenalidomide", "PO", 25.0),
        ("2026-02-07", 2, 6, "lenalidomide", "PO", 25.0),
        ("2026-02-08", 2, 7, "lenalidomide", "PO", 25.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 123.2),
        ("2026-02-09", 2, 8, "daratumumab", "IV", 1760.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "lenalidomide", "PO", 25.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 123.2),
        ("2026-02-10", 2, 9, "lenalidomide", "PO", 25.0),
        ("2026-02-11", 2, 10, "lenalidomide", "PO", 25.0),
        ("2026-02-12", 2, 11, "lenalidomide", "PO", 25.0),
        ("2026-02-13", 2, 12, "lenalidomide", "PO", 25.0),
        ("2026-02-14", 2, 13, "lenalidomide", "PO", 25.0),
        ("2026-02-15", 2, 14, "lenalidomide", "PO", 25.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 123.2),
        ("2026-02-16", 2, 15, "daratumumab", "IV", 1760.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "lenalidomide", "PO", 25.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 123.2),
        ("2026-02-17", 2, 16, "lenalidomide", "PO", 25.0),
        ("2026-02-18", 2, 17, "lenalidomide", "PO", 25.0),
        ("2026-02-19", 2, 18, "lenalidomide", "PO", 25.0),
        ("2026-02-20", 2, 19, "lenalidomide", "PO", 25.0),
        ("2026-02-21", 2, 20, "lenalidomide", "PO", 25.0),
        ("2026-02-22", 2, 21, "lenalidomide", "PO", 25.0),
        ("2026-02-23", 2, 22, "daratumumab", "IV", 1760.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3 (daratumumab every 2 weeks: days 1, 15)
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 123.2),
        ("2026-03-02", 3, 1, "daratumumab", "IV", 1760.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-02", 3, 1, "lenalidomide", "PO", 25.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 123.2),
        ("2026-03-03", 3, 2, "lenalidomide", "PO", 25.0),
        ("2026-03-04", 3, 3, "lenalidomide", "PO", 25.0),
        ("2026-03-05", 3, 4, "lenalidomide", "PO", 25.0),
        ("2026-03-06", 3, 5, "lenalidomide", "PO", 25.0),
        ("2026-03-07", 3, 6, "lenalidomide", "PO", 25.0),
        ("2026-03-08", 3, 7, "lenalidomide", "PO", 25.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 123.2),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "lenalidomide", "PO", 25.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 123.2),
        ("2026-03-10", 3, 9, "lenalidomide", "PO", 25.0),
        ("2026-03-11", 3, 10, "lenalidomide", "PO", 25.0),
        ("2026-03-12", 3, 11, "lenalidomide", "PO", 25.0),
        ("2026-03-13", 3, 12, "lenalidomide", "PO", 25.0),
        ("2026-03-14", 3, 13, "lenalidomide", "PO", 25.0),
        ("2026-03-15", 3, 14, "lenalidomide", "PO", 25.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 123.2),
        ("2026-03-16", 3, 15, "daratumumab", "IV", 1760.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "lenalidomide", "PO", 25.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 123.2),
        ("2026-03-17", 3, 16, "lenalidomide", "PO", 25.0),
        ("2026-03-18", 3, 17, "lenalidomide", "PO", 25.0),
        ("2026-03-19", 3, 18, "lenalidomide", "PO", 25.0),
        ("2026-03-20", 3, 19, "lenalidomide", "PO", 25.0),
        ("2026-03-21", 3, 20, "lenalidomide", "PO", 25.0),
        ("2026-03-22", 3, 21, "lenalidomide", "PO", 25.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KRd, typical patient: carfilzomib 39.4 / 110.4 mg, lenalidomide 25 mg, dexamethasone 40 mg
    ("KRd", "typical"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-05", 1, 1, "lenalidomide", "PO", 25.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
        ("2026-01-06", 1, 2, "lenalidomide", "PO", 25.0),
        ("2026-01-07", 1, 3, "lenalidomide", "PO", 25.0),
        ("2026-01-08", 1, 4, "lenalidomide", "PO", 25.0),
        ("2026-01-09", 1, 5, "lenalidomide", "PO", 25.0),
        ("2026-01-10", 1, 6, "lenalidomide", "PO", 25.0),
        ("2026-01-11", 1, 7, "lenalidomide", "PO", 25.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "lenalidomide", "PO", 25.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 110.4),
        ("2026-01-13", 1, 9, "lenalidomide", "PO", 25.0),
        ("2026-01-14", 1, 10, "lenalidomide", "PO", 25.0),
        ("2026-01-15", 1, 11, "lenalidomide", "PO", 25.0),
        ("2026-01-16", 1, 12, "lenalidomide", "PO", 25.0),
        ("2026-01-17", 1, 13, "lenalidomide", "PO", 25.0),
        ("2026-01-18", 1, 14, "lenalidomide", "PO", 25.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "lenalidomide", "PO", 25.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 110.4),
        ("2026-01-20", 1, 16, "lenalidomide", "PO", 25.0),
        ("2026-01-21", 1, 17, "lenalidomide", "PO", 25.0),
        ("2026-01-22", 1, 18, "lenalidomide", "PO", 25.0),
        ("2026-01-23", 1, 19, "lenalidomide", "PO", 25.0),
        ("2026-01-24", 1, 20, "lenalidomide", "PO", 25.0),
        ("2026-01-25", 1, 21, "lenalidomide", "PO", 25.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-02", 2, 1, "lenalidomide", "PO", 25.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 110.4),
        ("2026-02-03", 2, 2, "lenalidomide", "PO", 25.0),
        ("2026-02-04", 2, 3, "lenalidomide", "PO", 25.0),
        ("2026-02-05", 2, 4, "lenalidomide", "PO", 25.0),
        ("2026-02-06", 2, 5, "lenalidomide", "PO", 25.0),
        ("2026-02-07", 2, 6, "lenalidomide", "PO", 25.0),
        ("2026-02-08", 2, 7, "lenalidomide", "PO", 25.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "lenalidomide", "PO", 25.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 110.4),
        ("2026-02-10", 2, 9, "lenalidomide", "PO", 25.0),
        ("2026-02-11", 2, 10, "lenalidomide", "PO", 25.0),
        ("2026-02-12", 2, 11, "lenalidomide", "PO", 25.0),
        ("2026-02-13", 2, 12, "lenalidomide", "PO", 25.0),
        ("2026-02-14", 2, 13, "lenalidomide", "PO", 25.0),
        ("2026-02-15", 2, 14, "lenalidomide", "PO", 25.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "lenalidomide", "PO", 25.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 110.4),
        ("2026-02-17", 2, 16, "lenalidomide", "PO", 25.0),
        ("2026-02-18", 2, 17, "lenalidomide", "PO", 25.0),
        ("2026-02-19", 2, 18, "lenalidomide", "PO", 25.0),
        ("2026-02-20", 2, 19, "lenalidomide", "PO", 25.0),
        ("2026-02-21", 2, 20, "lenalidomide", "PO", 25.0),
        ("2026-02-22", 2, 21, "lenalidomide", "PO", 25.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-02", 3, 1, "lenalidomide", "PO", 25.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 110.4),
        ("2026-03-03", 3, 2, "lenalidomide", "PO", 25.0),
        ("2026-03-04", 3, 3, "lenalidomide", "PO", 25.0),
        ("2026-03-05", 3, 4, "lenalidomide", "PO", 25.0),
        ("2026-03-06", 3, 5, "lenalidomide", "PO", 25.0),
        ("2026-03-07", 3, 6, "lenalidomide", "PO", 25.0),
        ("2026-03-08", 3, 7, "lenalidomide", "PO", 25.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "lenalidomide", "PO", 25.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 110.4),
        ("2026-03-10", 3, 9, "lenalidomide", "PO", 25.0),
        ("2026-03-11", 3, 10, "lenalidomide", "PO", 25.0),
        ("2026-03-12", 3, 11, "lenalidomide", "PO", 25.0),
        ("2026-03-13", 3, 12, "lenalidomide", "PO", 25.0),
        ("2026-03-14", 3, 13, "lenalidomide", "PO", 25.0),
        ("2026-03-15", 3, 14, "lenalidomide", "PO", 25.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "lenalidomide", "PO", 25.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 110.4),
        ("2026-03-17", 3, 16, "lenalidomide", "PO", 25.0),
        ("2026-03-18", 3, 17, "lenalidomide", "PO", 25.0),
        ("2026-03-19", 3, 18, "lenalidomide", "PO", 25.0),
        ("2026-03-20", 3, 19, "lenalidomide", "PO", 25.0),
        ("2026-03-21", 3, 20, "lenalidomide", "PO", 25.0),
        ("2026-03-22", 3, 21, "lenalidomide", "PO", 25.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KRd, above-cap patient: carfilzomib 44 / 123.2 mg (2.2 m2), lenalidomide 25 mg,
    # dexamethasone 40 mg
    ("KRd", "above_cap"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 44.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-05", 1, 1, "lenalidomide", "PO", 25.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 44.0),
        ("2026-01-06", 1, 2, "lenalidomide", "PO", 25.0),
        ("2026-01-07", 1, 3, "lenalidomide", "PO", 25.0),
        ("2026-01-08", 1, 4, "lenalidomide", "PO", 25.0),
        ("2026-01-09", 1, 5, "lenalidomide", "PO", 25.0),
        ("2026-01-10", 1, 6, "lenalidomide", "PO", 25.0),
        ("2026-01-11", 1, 7, "lenalidomide", "PO", 25.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 123.2),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "lenalidomide", "PO", 25.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 123.2),
        ("2026-01-13", 1, 9, "lenalidomide", "PO", 25.0),
        ("2026-01-14", 1, 10, "lenalidomide", "PO", 25.0),
        ("2026-01-15", 1, 11, "lenalidomide", "PO", 25.0),
        ("2026-01-16", 1, 12, "lenalidomide", "PO", 25.0),
        ("2026-01-17", 1, 13, "lenalidomide", "PO", 25.0),
        ("2026-01-18", 1, 14, "lenalidomide", "PO", 25.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 123.2),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "lenalidomide", "PO", 25.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 123.2),
        ("2026-01-20", 1, 16, "lenalidomide", "PO", 25.0),
        ("2026-01-21", 1, 17, "lenalidomide", "PO", 25.0),
        ("2026-01-22", 1, 18, "lenalidomide", "PO", 25.0),
        ("2026-01-23", 1, 19, "lenalidomide", "PO", 25.0),
        ("2026-01-24", 1, 20, "lenalidomide", "PO", 25.0),
        ("2026-01-25", 1, 21, "lenalidomide", "PO", 25.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 123.2),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-02", 2, 1, "lenalidomide", "PO", 25.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 123.2),
        ("2026-02-03", 2, 2, "lenalidomide", "PO", 25.0),
        ("2026-02-04", 2, 3, "lenalidomide", "PO", 25.0),
        ("2026-02-05", 2, 4, "lenalidomide", "PO", 25.0),
        ("2026-02-06", 2, 5, "lenalidomide", "PO", 25.0),
        ("2026-02-07", 2, 6, "lenalidomide", "PO", 25.0),
        ("2026-02-08", 2, 7, "lenalidomide", "PO", 25.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 123.2),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "lenalidomide", "PO", 25.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 123.2),
        ("2026-02-10", 2, 9, "lenalidomide", "PO", 25.0),
        ("2026-02-11", 2, 10, "lenalidomide", "PO", 25.0),
        ("2026-02-12", 2, 11, "lenalidomide", "PO", 25.0),
        ("2026-02-13", 2, 12, "lenalidomide", "PO", 25.0),
        ("2026-02-14", 2, 13, "lenalidomide", "PO", 25.0),
        ("2026-02-15", 2, 14, "lenalidomide", "PO", 25.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 123.2),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "lenalidomide", "PO", 25.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 123.2),
        ("2026-02-17", 2, 16, "lenalidomide", "PO", 25.0),
        ("2026-02-18", 2, 17, "lenalidomide", "PO", 25.0),
        ("2026-02-19", 2, 18, "lenalidomide", "PO", 25.0),
        ("2026-02-20", 2, 19, "lenalidomide", "PO", 25.0),
        ("2026-02-21", 2, 20, "lenalidomide", "PO", 25.0),
        ("2026-02-22", 2, 21, "lenalidomide", "PO", 25.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 123.2),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-02", 3, 1, "lenalidomide", "PO", 25.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 123.2),
        ("2026-03-03", 3, 2, "lenalidomide", "PO", 25.0),
        ("2026-03-04", 3, 3, "lenalidomide", "PO", 25.0),
        ("2026-03-05", 3, 4, "lenalidomide", "PO", 25.0),
        ("2026-03-06", 3, 5, "lenalidomide", "PO", 25.0),
        ("2026-03-07", 3, 6, "lenalidomide", "PO", 25.0),
        ("2026-03-08", 3, 7, "lenalidomide", "PO", 25.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 123.2),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "lenalidomide", "PO", 25.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 123.2),
        ("2026-03-10", 3, 9, "lenalidomide", "PO", 25.0),
        ("2026-03-11", 3, 10, "lenalidomide", "PO", 25.0),
        ("2026-03-12", 3, 11, "lenalidomide", "PO", 25.0),
        ("2026-03-13", 3, 12, "lenalidomide", "PO", 25.0),
        ("2026-03-14", 3, 13, "lenalidomide", "PO", 25.0),
        ("2026-03-15", 3, 14, "lenalidomide", "PO", 25.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 123.2),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "lenalidomide", "PO", 25.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 123.2),
        ("2026-03-17", 3, 16, "lenalidomide", "PO", 25.0),
        ("2026-03-18", 3, 17, "lenalidomide", "PO", 25.0),
        ("2026-03-19", 3, 18, "lenalidomide", "PO", 25.0),
        ("2026-03-20", 3, 19, "lenalidomide", "PO", 25.0),
        ("2026-03-21", 3, 20, "lenalidomide", "PO", 25.0),
        ("2026-03-22", 3, 21, "lenalidomide", "PO", 25.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KdD, typical patient: carfilzomib 39.4 / 110.4 mg; daratumumab split first dose 640 mg
    # (8 mg/kg) on C1 D1 and D2, then 1280 mg (16 mg/kg); dexamethasone 40 mg a week split as the
    # label and CANDOR give it (reference s.10): 20 mg on days 1, 2, 8, 9, 15, 16 and 40 mg on day 22
    ("KdD", "typical"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
        ("2026-01-05", 1, 1, "daratumumab", "IV", 640.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 20.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
        ("2026-01-06", 1, 2, "daratumumab", "IV", 640.0),
        ("2026-01-06", 1, 2, "dexamethasone", "PO", 20.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
        ("2026-01-12", 1, 8, "daratumumab", "IV", 1280.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 20.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 110.4),
        ("2026-01-13", 1, 9, "dexamethasone", "PO", 20.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
        ("2026-01-19", 1, 15, "daratumumab", "IV", 1280.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 20.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 110.4),
        ("2026-01-20", 1, 16, "dexamethasone", "PO", 20.0),
        ("2026-01-26", 1, 22, "daratumumab", "IV", 1280.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
        ("2026-02-02", 2, 1, "daratumumab", "IV", 1280.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 20.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 110.4),
        ("2026-02-03", 2, 2, "dexamethasone", "PO", 20.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
        ("2026-02-09", 2, 8, "daratumumab", "IV", 1280.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 20.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 110.4),
        ("2026-02-10", 2, 9, "dexamethasone", "PO", 20.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
        ("2026-02-16", 2, 15, "daratumumab", "IV", 1280.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 20.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 110.4),
        ("2026-02-17", 2, 16, "dexamethasone", "PO", 20.0),
        ("2026-02-23", 2, 22, "daratumumab", "IV", 1280.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3 (daratumumab every 2 weeks: days 1, 15)
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
        ("2026-03-02", 3, 1, "daratumumab", "IV", 1280.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 20.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 110.4),
        ("2026-03-03", 3, 2, "dexamethasone", "PO", 20.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 20.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 110.4),
        ("2026-03-10", 3, 9, "dexamethasone", "PO", 20.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
        ("2026-03-16", 3, 15, "daratumumab", "IV", 1280.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 20.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 110.4),
        ("2026-03-17", 3, 16, "dexamethasone", "PO", 20.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KdD, above-cap patient: carfilzomib 44 / 123.2 mg (2.2 m2); daratumumab split first dose
    # 880 mg (8 mg/kg) on C1 D1 and D2, then 1760 mg (16 mg/kg, no cap); dexamethasone split as above (20 mg on
    # days 1, 2, 8, 9, 15, 16; 40 mg on day 22)
    ("KdD", "above_cap"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 44.0),
        ("2026-01-05", 1, 1, "daratumumab", "IV", 880.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 20.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 44.0),
        ("2026-01-06", 1, 2, "daratumumab", "IV", 880.0),
        ("2026-01-06", 1, 2, "dexamethasone", "PO", 20.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 123.2),
        ("2026-01-12", 1, 8, "daratumumab", "IV", 1760.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 20.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 123.2),
        ("2026-01-13", 1, 9, "dexamethasone", "PO", 20.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 123.2),
        ("2026-01-19", 1, 15, "daratumumab", "IV", 1760.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 20.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 123.2),
        ("2026-01-20", 1, 16, "dexamethasone", "PO", 20.0),
        ("2026-01-26", 1, 22, "daratumumab", "IV", 1760.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 123.2),
        ("2026-02-02", 2, 1, "daratumumab", "IV", 1760.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 20.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 123.2),
        ("2026-02-03", 2, 2, "dexamethasone", "PO", 20.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 123.2),
        ("2026-02-09", 2, 8, "daratumumab", "IV", 1760.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 20.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 123.2),
        ("2026-02-10", 2, 9, "dexamethasone", "PO", 20.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 123.2),
        ("2026-02-16", 2, 15, "daratumumab", "IV", 1760.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 20.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 123.2),
        ("2026-02-17", 2, 16, "dexamethasone", "PO", 20.0),
        ("2026-02-23", 2, 22, "daratumumab", "IV", 1760.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3 (daratumumab every 2 weeks: days 1, 15)
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 123.2),
        ("2026-03-02", 3, 1, "daratumumab", "IV", 1760.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 20.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 123.2),
        ("2026-03-03", 3, 2, "dexamethasone", "PO", 20.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 123.2),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 20.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 123.2),
        ("2026-03-10", 3, 9, "dexamethasone", "PO", 20.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 123.2),
        ("2026-03-16", 3, 15, "daratumumab", "IV", 1760.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 20.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 123.2),
        ("2026-03-17", 3, 16, "dexamethasone", "PO", 20.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # Kd-weekly, typical patient: carfilzomib 39.4 mg (C1 D1 only), then 138 mg (70 mg/m2) on
    # days 1, 8, 15; dexamethasone 40 mg
    ("Kd-weekly", "typical"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 138.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 138.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 138.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 138.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 138.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 138.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 138.0),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 138.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # Kd-weekly, above-cap patient: carfilzomib 44 mg (C1 D1 only), then 154 mg (70 mg/m2 on
    # 2.2 m2) on days 1, 8, 15; dexamethasone 40 mg
    ("Kd-weekly", "above_cap"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 44.0),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 154.0),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 154.0),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 154.0),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 154.0),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 154.0),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 154.0),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 154.0),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 154.0),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KCyD, typical patient: carfilzomib 39.4 / 110.4 mg; cyclophosphamide 591.6 mg
    # (300 mg/m2 x 1.9720 m2) on days 1, 8, 15; dexamethasone 40 mg
    ("KCyD", "typical"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 39.4),
        ("2026-01-05", 1, 1, "cyclophosphamide", "PO", 591.6),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 39.4),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 110.4),
        ("2026-01-12", 1, 8, "cyclophosphamide", "PO", 591.6),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 110.4),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 110.4),
        ("2026-01-19", 1, 15, "cyclophosphamide", "PO", 591.6),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 110.4),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 110.4),
        ("2026-02-02", 2, 1, "cyclophosphamide", "PO", 591.6),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 110.4),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 110.4),
        ("2026-02-09", 2, 8, "cyclophosphamide", "PO", 591.6),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 110.4),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 110.4),
        ("2026-02-16", 2, 15, "cyclophosphamide", "PO", 591.6),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 110.4),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 110.4),
        ("2026-03-02", 3, 1, "cyclophosphamide", "PO", 591.6),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 110.4),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 110.4),
        ("2026-03-09", 3, 8, "cyclophosphamide", "PO", 591.6),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 110.4),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 110.4),
        ("2026-03-16", 3, 15, "cyclophosphamide", "PO", 591.6),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 110.4),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
    # ------------------------------------------------------------------------------------------
    # KCyD, above-cap patient: carfilzomib 44 / 123.2 mg (2.2 m2); cyclophosphamide 722.8 mg
    # (300 mg/m2 x 2.4095 m2, NOT capped) on days 1, 8, 15; dexamethasone 40 mg
    ("KCyD", "above_cap"): [
        # cycle 1
        ("2026-01-05", 1, 1, "carfilzomib", "IV", 44.0),
        ("2026-01-05", 1, 1, "cyclophosphamide", "PO", 722.8),
        ("2026-01-05", 1, 1, "dexamethasone", "PO", 40.0),
        ("2026-01-06", 1, 2, "carfilzomib", "IV", 44.0),
        ("2026-01-12", 1, 8, "carfilzomib", "IV", 123.2),
        ("2026-01-12", 1, 8, "cyclophosphamide", "PO", 722.8),
        ("2026-01-12", 1, 8, "dexamethasone", "PO", 40.0),
        ("2026-01-13", 1, 9, "carfilzomib", "IV", 123.2),
        ("2026-01-19", 1, 15, "carfilzomib", "IV", 123.2),
        ("2026-01-19", 1, 15, "cyclophosphamide", "PO", 722.8),
        ("2026-01-19", 1, 15, "dexamethasone", "PO", 40.0),
        ("2026-01-20", 1, 16, "carfilzomib", "IV", 123.2),
        ("2026-01-26", 1, 22, "dexamethasone", "PO", 40.0),
        # cycle 2
        ("2026-02-02", 2, 1, "carfilzomib", "IV", 123.2),
        ("2026-02-02", 2, 1, "cyclophosphamide", "PO", 722.8),
        ("2026-02-02", 2, 1, "dexamethasone", "PO", 40.0),
        ("2026-02-03", 2, 2, "carfilzomib", "IV", 123.2),
        ("2026-02-09", 2, 8, "carfilzomib", "IV", 123.2),
        ("2026-02-09", 2, 8, "cyclophosphamide", "PO", 722.8),
        ("2026-02-09", 2, 8, "dexamethasone", "PO", 40.0),
        ("2026-02-10", 2, 9, "carfilzomib", "IV", 123.2),
        ("2026-02-16", 2, 15, "carfilzomib", "IV", 123.2),
        ("2026-02-16", 2, 15, "cyclophosphamide", "PO", 722.8),
        ("2026-02-16", 2, 15, "dexamethasone", "PO", 40.0),
        ("2026-02-17", 2, 16, "carfilzomib", "IV", 123.2),
        ("2026-02-23", 2, 22, "dexamethasone", "PO", 40.0),
        # cycle 3
        ("2026-03-02", 3, 1, "carfilzomib", "IV", 123.2),
        ("2026-03-02", 3, 1, "cyclophosphamide", "PO", 722.8),
        ("2026-03-02", 3, 1, "dexamethasone", "PO", 40.0),
        ("2026-03-03", 3, 2, "carfilzomib", "IV", 123.2),
        ("2026-03-09", 3, 8, "carfilzomib", "IV", 123.2),
        ("2026-03-09", 3, 8, "cyclophosphamide", "PO", 722.8),
        ("2026-03-09", 3, 8, "dexamethasone", "PO", 40.0),
        ("2026-03-10", 3, 9, "carfilzomib", "IV", 123.2),
        ("2026-03-16", 3, 15, "carfilzomib", "IV", 123.2),
        ("2026-03-16", 3, 15, "cyclophosphamide", "PO", 722.8),
        ("2026-03-16", 3, 15, "dexamethasone", "PO", 40.0),
        ("2026-03-17", 3, 16, "carfilzomib", "IV", 123.2),
        ("2026-03-23", 3, 22, "dexamethasone", "PO", 40.0),
    ],
}

# ----------------------------------------------------------------------------------------------
# Administrations per cycle, counted by hand from the rules above, independently of the lists.
# The same for both patients (the patient changes doses, never days).
EXPECTED_COUNTS = {
    # D-KRd: carfilzomib 6 + lenalidomide 21 + dexamethasone 4 + daratumumab 4 (C1-2) / 2 (C3)
    ("D-KRd", 1): 35,
    ("D-KRd", 2): 35,
    ("D-KRd", 3): 33,
    # KRd: carfilzomib 6 + lenalidomide 21 + dexamethasone 4
    ("KRd", 1): 31,
    ("KRd", 2): 31,
    ("KRd", 3): 31,
    # KdD: carfilzomib 6 + dexamethasone 7 (days 1, 2, 8, 9, 15, 16, 22) + daratumumab 5
    # (C1: D1, D2 split, D8, D15, D22), 4 (C2), 2 (C3)
    ("KdD", 1): 18,
    ("KdD", 2): 17,
    ("KdD", 3): 15,
    # Kd-weekly: carfilzomib 3 + dexamethasone 4
    ("Kd-weekly", 1): 7,
    ("Kd-weekly", 2): 7,
    ("Kd-weekly", 3): 7,
    # KCyD: carfilzomib 6 + cyclophosphamide 3 + dexamethasone 4
    ("KCyD", 1): 13,
    ("KCyD", 2): 13,
    ("KCyD", 3): 13,
}

# ----------------------------------------------------------------------------------------------
# Named doses (mg), with the arithmetic. BSA_typical = 1.97202659..., BSA_above_cap = 2.40947205...
# KRd, typical patient, target carfilzomib:
KRD_TYPICAL_CARFILZOMIB_56 = 110.4  # 56 mg/m2 x 1.97202659 m2 = 110.4335 -> 110.4 mg
TYPICAL_CARFILZOMIB_20 = 39.4  # 20 mg/m2 x 1.97202659 m2 = 39.4405 -> 39.4 mg
TYPICAL_CARFILZOMIB_70 = 138.0  # 70 mg/m2 x 1.97202659 m2 = 138.0419 -> 138.0 mg
# Above-cap patient, carfilzomib on the capped 2.2 m2 (actual BSA 2.4095 m2):
ABOVE_CAP_CARFILZOMIB_20 = 44.0  # 20 mg/m2 x 2.2 m2 (cap) = 44.0 mg
ABOVE_CAP_CARFILZOMIB_56 = 123.2  # 56 mg/m2 x 2.2 m2 (cap) = 123.2 mg
ABOVE_CAP_CARFILZOMIB_70 = 154.0  # 70 mg/m2 x 2.2 m2 (cap) = 154.0 mg
# Cyclophosphamide (KCyD), NOT capped:
TYPICAL_CYCLOPHOSPHAMIDE = 591.6  # 300 mg/m2 x 1.97202659 m2 = 591.6080 -> 591.6 mg
ABOVE_CAP_CYCLOPHOSPHAMIDE = 722.8  # 300 mg/m2 x 2.40947205 m2 = 722.8416 -> 722.8 mg
# Daratumumab, actual weight, no cap:
TYPICAL_DARATUMUMAB = 1280.0  # 16 mg/kg x 80 kg = 1280 mg
TYPICAL_DARATUMUMAB_SPLIT = 640.0  # KdD C1 D1 and D2: 8 mg/kg x 80 kg = 640 mg
ABOVE_CAP_DARATUMUMAB = 1760.0  # 16 mg/kg x 110 kg = 1760 mg
ABOVE_CAP_DARATUMUMAB_SPLIT = 880.0  # KdD C1 D1 and D2: 8 mg/kg x 110 kg = 880 mg


if __name__ == "__main__":
    import datetime
    import math

    start = datetime.date.fromisoformat(START)
    assert start.weekday() == 0, "START must be a Monday"
    for name, p in PATIENTS.items():
        bsa = math.sqrt(p["height_cm"] * p["weight_kg"] / 3600)
        assert round(bsa, 4) == p["bsa_mosteller"], name
    assert len(GOLDEN) == 10
    routes = {
        "carfilzomib": "IV",
        "daratumumab": "IV",
        "cyclophosphamide": "PO",
        "dexamethasone": "PO",
        "lenalidomide": "PO",
    }
    allowed = {
        "typical": {
            "carfilzomib": {
                TYPICAL_CARFILZOMIB_20,
                KRD_TYPICAL_CARFILZOMIB_56,
                TYPICAL_CARFILZOMIB_70,
            },
            "daratumumab": {TYPICAL_DARATUMUMAB, TYPICAL_DARATUMUMAB_SPLIT},
            "cyclophosphamide": {TYPICAL_CYCLOPHOSPHAMIDE},
            "dexamethasone": {40.0},
            "lenalidomide": {25.0},
        },
        "above_cap": {
            "carfilzomib": {
                ABOVE_CAP_CARFILZOMIB_20,
                ABOVE_CAP_CARFILZOMIB_56,
                ABOVE_CAP_CARFILZOMIB_70,
            },
            "daratumumab": {ABOVE_CAP_DARATUMUMAB, ABOVE_CAP_DARATUMUMAB_SPLIT},
            "cyclophosphamide": {ABOVE_CAP_CYCLOPHOSPHAMIDE},
            "dexamethasone": {40.0},
            "lenalidomide": {25.0},
        },
    }
    for (protocol, patient), rows in GOLDEN.items():
        expected = sum(EXPECTED_COUNTS[(protocol, c)] for c in (1, 2, 3))
        assert len(rows) == expected, (protocol, patient, len(rows), expected)
        for c in (1, 2, 3):
            n = sum(1 for r in rows if r[1] == c)
            assert n == EXPECTED_COUNTS[(protocol, c)], (protocol, patient, c, n)
        assert rows == sorted(rows, key=lambda r: (r[0], r[3])), (protocol, patient)
        assert len({(r[0], r[3]) for r in rows}) == len(rows), (protocol, patient, "duplicate")
        for iso, cycle, day, drug, route, dose in rows:
            want = start + datetime.timedelta(days=(cycle - 1) * 28 + day - 1)
            assert iso == want.isoformat(), (protocol, patient, iso, cycle, day)
            assert route == routes[drug], (protocol, patient, drug, route)
            assert dose in allowed[patient][drug], (protocol, patient, drug, dose)
    print("golden_schedules: OK", {k: len(v) for k, v in GOLDEN.items()})
