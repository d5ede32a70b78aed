"""Standard codes: the routes of administration and the code systems exports name.

A protocol file gives each drug's own codes (RxNorm ingredient, WHO ATC) under ``codes``;
routes are a fixed set (``IV``, ``PO``, ``SC``, ``IM``), so their codes live here, once, each
with where it was found. A code is written only when a source was read for it: none is
guessed, and a missing one is left out rather than filled in.

>>> ROUTES["IV"].snomed
Coding(system='http://snomed.info/sct', code='47625008', display='Intravenous route')
>>> ROUTES["PO"].edqm.code
'20053000'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

__all__ = ["ATC", "EDQM", "ROUTES", "RXNORM", "SNOMED", "Coding", "RouteCodes"]

#: Code system URIs as FHIR names them.
SNOMED: Final = "http://snomed.info/sct"
#: EDQM Standard Terms, in the form the HL7 International Patient Summary uses.
EDQM: Final = "http://standardterms.edqm.eu"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC: Final = "http://www.whocc.no/atc"


@dataclass(frozen=True, slots=True)
class Coding:
    """One code in one code system, with its display text."""

    system: str
    code: str
    display: str

    def as_dict(self) -> dict[str, Any]:
        """The coding as plain data (a FHIR ``Coding``)."""
        return {"system": self.system, "code": self.code, "display": self.display}


@dataclass(frozen=True, slots=True)
class RouteCodes:
    """A route's SNOMED CT and EDQM Standard Terms codes and where they were found."""

    route: str
    text: str
    snomed: Coding
    edqm: Coding
    citation: str

    def as_dict(self) -> dict[str, Any]:
        """The codes as plain data (for JSON)."""
        return {
            "text": self.text,
            "snomed": self.snomed.as_dict(),
            "edqm": self.edqm.as_dict(),
            "citation": self.citation,
        }


_SNOMED_SOURCE = (
    "SNOMED CT 284009009 'Route of administration values' hierarchy, as the FHIR R4 "
    "route-codes value set binds it; the '... route' display of current SNOMED CT releases"
)
_EDQM_SOURCE = (
    "EDQM Standard Terms, routes of administration, system http://standardterms.edqm.eu as the "
    "HL7 International Patient Summary value set medicine-route-of-administration uses it"
)

#: Codes of each route a protocol file may name.
ROUTES: Final[Mapping[str, RouteCodes]] = MappingProxyType(
    {
        "IV": RouteCodes(
            "IV",
            "intravenous",
            Coding(SNOMED, "47625008", "Intravenous route"),
            Coding(EDQM, "20045000", "Intravenous use"),
            f"{_SNOMED_SOURCE} (47625008, in many FHIR implementation guides' examples); "
            f"{_EDQM_SOURCE} (20045000, in several guides' examples).",
        ),
        "PO": RouteCodes(
            "PO",
            "oral",
            Coding(SNOMED, "26643006", "Oral route"),
            Coding(EDQM, "20053000", "Oral use"),
            f"{_SNOMED_SOURCE} (26643006, in the FHIR R5 route-codes value set and the mCODE "
            f"STU4 examples); {_EDQM_SOURCE} (20053000, in several guides' examples).",
        ),
        "SC": RouteCodes(
            "SC",
            "subcutaneous",
            Coding(SNOMED, "34206005", "Subcutaneous route"),
            Coding(EDQM, "20066000", "Subcutaneous use"),
            f"{_SNOMED_SOURCE} (34206005, in the FHIR R5 route-codes value set); "
            f"{_EDQM_SOURCE} (20066000, in the IPS Japan example and a French value set).",
        ),
        "IM": RouteCodes(
            "IM",
            "intramuscular",
            Coding(SNOMED, "78421000", "Intramuscular route"),
            Coding(EDQM, "20035000", "Intramuscular use"),
            f"{_SNOMED_SOURCE} (78421000, in the OncoFAIR guide's route list and many "
            f"immunization examples); {_EDQM_SOURCE} (20035000, in many European "
            f"immunization examples).",
        ),
    }
)
