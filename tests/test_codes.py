"""Standard codes: each drug's RxNorm and ATC codes in the protocol files, each route's table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import dosing
from dosing.codes import EDQM, ROUTES, SNOMED
from dosing.export.table import to_json

# The codes the research found and cited (RxNorm ingredient, WHO ATC), written out by hand.
DRUG_CODES = {
    "carfilzomib": ("1302966", "L01XG02"),
    "daratumumab": ("1721947", "L01FC01"),
    "lenalidomide": ("342369", "L04AX04"),
    "dexamethasone": ("3264", "H02AB02"),
    "cyclophosphamide": ("3002", "L01AA01"),
}

ROUTE_CODES = {
    "IV": ("47625008", "Intravenous route", "20045000", "Intravenous use"),
    "PO": ("26643006", "Oral route", "20053000", "Oral use"),
    "SC": ("34206005", "Subcutaneous route", "20066000", "Subcutaneous use"),
    "IM": ("78421000", "Intramuscular route", "20035000", "Intramuscular use"),
}

BUILT_IN = ("D-KRd", "KRd", "KdD", "Kd-weekly", "KCyD")


@pytest.mark.parametrize("protocol_id", BUILT_IN)
def test_every_built_in_drug_carries_its_cited_codes(protocol_id: str) -> None:
    """Each drug of a built-in protocol has the RxNorm and ATC codes the sources give, and a citation."""
    for drug in dosing.get_protocol(protocol_id).drugs:
        assert drug.codes is not None, drug.name
        assert (drug.codes.rxnorm, drug.codes.atc) == DRUG_CODES[drug.name]
        assert "Verify against RxNav" in drug.codes.citation


@pytest.mark.parametrize("route", ["IV", "PO", "SC", "IM"])
def test_every_route_has_its_snomed_and_edqm_codes(route: str) -> None:
    """Each route a protocol may name has the cited SNOMED CT and EDQM Standard Terms codes."""
    codes = ROUTES[route]
    snomed, snomed_text, edqm, edqm_text = ROUTE_CODES[route]
    assert (codes.snomed.system, codes.snomed.code, codes.snomed.display) == (
        "http://snomed.info/sct",
        snomed,
        snomed_text,
    )
    assert (codes.edqm.system, codes.edqm.code, codes.edqm.display) == (
        "http://standardterms.edqm.eu",
        edqm,
        edqm_text,
    )
    assert snomed in codes.citation
    assert edqm in codes.citation


def test_the_route_table_covers_exactly_the_routes_a_protocol_may_name() -> None:
    """The protocol format's routes and the code table name the same four routes."""
    from typing import get_args

    from dosing.protocol import Drug

    allowed = get_args(Drug.model_fields["route"].annotation)
    assert set(allowed) == set(ROUTES) == {"IV", "PO", "SC", "IM"}
    assert (SNOMED, EDQM) == ("http://snomed.info/sct", "http://standardterms.edqm.eu")


def test_json_export_names_each_drugs_codes() -> None:
    """The JSON export lists the protocol's drugs with their own codes and their route's codes."""
    schedule = dosing.build_schedule(
        dosing.get_protocol("KRd"),
        dosing.Patient(height=175, weight=80),
        "2026-01-05",
        cycles=1,
        today=dt.date(2026, 1, 1),
    )
    data = json.loads(to_json(schedule, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    drugs = {d["name"]: d for d in data["protocol"]["drugs"]}
    assert list(drugs) == ["carfilzomib", "lenalidomide", "dexamethasone"]
    assert drugs["lenalidomide"]["codes"]["rxnorm"] == "342369"
    assert drugs["lenalidomide"]["codes"]["atc"] == "L04AX04"
    assert drugs["lenalidomide"]["route"] == "PO"
    assert drugs["lenalidomide"]["route_codes"]["snomed"]["code"] == "26643006"
    assert drugs["carfilzomib"]["route_codes"]["edqm"]["code"] == "20045000"


def test_json_export_leaves_a_missing_code_out() -> None:
    """A drug whose file gives no codes has codes null in JSON: nothing is filled in."""
    krd = dosing.get_protocol("KRd")
    drugs = [d.model_dump(mode="python", round_trip=True) for d in krd.drugs]
    for d in drugs:
        d["codes"] = None
    schedule = dosing.build_schedule(
        krd.model_copy(update={"drugs": drugs}),
        dosing.Patient(height=175, weight=80),
        "2026-01-05",
        cycles=1,
        today=dt.date(2026, 1, 1),
    )
    data = json.loads(to_json(schedule, generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)))
    assert [d["codes"] for d in data["protocol"]["drugs"]] == [None, None, None]
