"""Importing dosing.strategies registers strategies for the public types with hypothesis."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import find, given, settings
from hypothesis import strategies as st

import dosing
import dosing.strategies  # registers the strategies
from dosing.dose import NearestIncrement, OralStrengths, RoundingPolicy, VialBanding

BUILTIN = {p.id for p in dosing.builtin_protocols()}


@settings(max_examples=30)
@given(st.from_type(dosing.Patient))
def test_from_type_draws_adult_patients(patient: dosing.Patient) -> None:
    """st.from_type(dosing.Patient) draws patients in the default adult range."""
    assert isinstance(patient, dosing.Patient)
    assert 145 <= round(patient.height.to("cm").magnitude, 6) <= 205
    assert 40 <= round(patient.weight.to("kg").magnitude, 6) <= 150


@settings(max_examples=30)
@given(st.from_type(dosing.Protocol))
def test_from_type_draws_builtin_protocols(protocol: dosing.Protocol) -> None:
    """st.from_type(dosing.Protocol) draws the built-in protocols."""
    assert protocol.id in BUILTIN


@settings(max_examples=30)
@given(st.from_type(dosing.DoseRule))
def test_from_type_draws_dose_rules(rule: dosing.DoseRule) -> None:
    """st.from_type(dosing.DoseRule) draws rules of every basis."""
    assert isinstance(rule, dosing.DoseRule)
    assert rule.amount > 0


def test_from_type_draws_every_kind_of_rounding_policy() -> None:
    """st.from_type(RoundingPolicy) draws each of the three kinds."""
    for kind in (NearestIncrement, OralStrengths, VialBanding):
        found = find(st.from_type(RoundingPolicy), lambda p, kind=kind: isinstance(p, kind))
        assert isinstance(found, kind)


@settings(max_examples=20)
@given(st.from_type(VialBanding), st.from_type(OralStrengths), st.from_type(NearestIncrement))
def test_from_type_of_one_policy_class_draws_that_class(
    vials: VialBanding, oral: OralStrengths, nearest: NearestIncrement
) -> None:
    """Each policy class alone draws policies of that class, at 5 % or 10 %."""
    assert (type(vials), type(oral), type(nearest)) == (
        VialBanding,
        OralStrengths,
        NearestIncrement,
    )
    assert {vials.tolerance, oral.tolerance, nearest.tolerance} <= {0.05, 0.10}


def test_builds_fills_public_types_from_the_registry() -> None:
    """st.builds infers a Patient and a DoseRule argument from their registered strategies."""

    def dose(rule: dosing.DoseRule, patient: dosing.Patient) -> dosing.Dose:
        return dosing.compute_dose(rule, patient)

    found = find(st.builds(dose), lambda d: d.rule.basis is dosing.Basis.PER_KG)
    assert found.rule.basis is dosing.Basis.PER_KG


def test_importing_dosing_does_not_import_hypothesis() -> None:
    """`import dosing` and its public names leave hypothesis and dosing.strategies unloaded."""
    code = (
        "import sys, dosing\n"
        "dosing.Patient, dosing.Protocol, dosing.DoseRule, dosing.RoundingPolicy\n"
        "assert 'hypothesis' not in sys.modules and 'dosing.strategies' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
