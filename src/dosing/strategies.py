"""Hypothesis strategies for property tests of code that uses `dosing`.

This module needs hypothesis, which the ``hypothesis`` extra installs (``pip install
'dosing[hypothesis]'``; it brings in nothing else). Every strategy draws values that
`dosing` accepts: measurements in the adult range as pint quantities (or as the strings
people type), patients, BSA formulas, dose rules, rounding policies, the built-in protocols
and start dates inside the allowed window.

Importing this module also registers strategies for the public types, so that
``st.from_type`` and ``st.builds`` draw them: :class:`~dosing.Patient` (:func:`patients`),
:class:`~dosing.Protocol` (:func:`protocols`), :class:`~dosing.DoseRule`
(:func:`dose_rules`), :class:`~dosing.RoundingPolicy` (:func:`rounding_policies`) and each
policy class. ``import dosing`` alone does not: it never imports hypothesis.

The default adult range is 145 to 205 cm and 40 to 150 kg, well inside the plausibility
ranges of :mod:`dosing.patient` (100 to 250 cm, 30 to 250 kg); pass ``min_cm``/``max_cm``
or ``min_kg``/``max_kg`` to widen or narrow it.

>>> from hypothesis import given, strategies as st
>>> import dosing, dosing.strategies
>>> @given(st.from_type(dosing.Patient))
... def test_bsa_is_positive(patient):
...     assert patient.bsa().magnitude > 0
>>> test_bsa_is_positive()
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal, overload

from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from dosing.bsa import BSAFormula
from dosing.catalogue import builtin_protocols
from dosing.dose import (
    Basis,
    DoseRule,
    NearestIncrement,
    OralStrengths,
    RoundingPolicy,
    VialBanding,
)
from dosing.patient import PLAUSIBLE, PLAUSIBLE_BMI, Patient
from dosing.protocol import Protocol
from dosing.schedule import START_WINDOW_YEARS
from dosing.units import Quantity, UnitSystem, as_entered, parse_length, parse_mass

if TYPE_CHECKING:
    import pint
    from hypothesis.strategies import SearchStrategy

__all__ = [
    "bsa_formulas",
    "dose_rules",
    "heights",
    "measurement_strings",
    "patients",
    "protocols",
    "rounding_policies",
    "start_dates",
    "weights",
]

#: The default adult range the strategies draw from: (low, high) in cm and kg.
ADULT_HEIGHT_CM = (145.0, 205.0)
ADULT_WEIGHT_KG = (40.0, 150.0)

_CM_PER_INCH = 2.54
_KG_PER_LB = 0.45359237


def _within(field: str, low: float, high: float) -> None:
    hard_low, hard_high = PLAUSIBLE[field][0], PLAUSIBLE[field][1]
    if not hard_low <= low <= high <= hard_high:
        raise ValueError(
            f"{field} range must lie within {hard_low:g} to {hard_high:g} and not be empty, "
            f"got {low:g} to {high:g}"
        )


def _tenths(low: float, high: float) -> SearchStrategy[float]:
    """Numbers with one decimal place in [low, high], so text forms say exactly the value."""
    return st.integers(round(low * 10 + 0.5), int(high * 10)).map(lambda n: n / 10)


def _height_texts(low_cm: float, high_cm: float) -> SearchStrategy[str]:
    def imperial(tenths_in: int) -> SearchStrategy[str]:
        inches = tenths_in / 10
        feet, rest = divmod(tenths_in, 120)
        rest_text = f"{rest / 10:g}"
        forms = [f"{inches:g} in", f"{inches:g} inches", f"{feet} ft {rest_text} in"]
        if rest % 10 == 0:
            forms += [f"{feet}'{rest // 10}\"", f"{feet} ft {rest // 10}"]
        return st.sampled_from(forms)

    def metric(cm: float) -> SearchStrategy[str]:
        forms = [
            f"{cm:g} cm",
            f"{cm:g}cm",
            f"{cm / 100:g} m",
            f"{cm:g}",
            f"{cm:g} cm".replace(".", ","),
        ]
        return st.sampled_from(forms)

    low_in, high_in = low_cm / _CM_PER_INCH, high_cm / _CM_PER_INCH
    return st.one_of(
        _tenths(low_cm, high_cm).flatmap(metric),
        st.integers(round(low_in * 10 + 0.5), int(high_in * 10)).flatmap(imperial),
    )


def _weight_texts(low_kg: float, high_kg: float) -> SearchStrategy[str]:
    def metric(kg: float) -> SearchStrategy[str]:
        return st.sampled_from([f"{kg:g} kg", f"{kg:g}kg", f"{kg:g}", f"{kg * 1000:g} g"])

    def imperial(lb: float) -> SearchStrategy[str]:
        return st.sampled_from([f"{lb:g} lb", f"{lb:g} lbs", f"{lb:g} pounds"])

    return st.one_of(
        _tenths(low_kg, high_kg).flatmap(metric),
        _tenths(low_kg / _KG_PER_LB, high_kg / _KG_PER_LB).flatmap(imperial),
    )


def _creatinine_texts(low_mg_dl: float, high_mg_dl: float) -> SearchStrategy[str]:
    mg_dl = _tenths(low_mg_dl, high_mg_dl).map(lambda v: f"{v:g} mg/dL")
    umol = st.integers(round(low_mg_dl * 88.4 + 0.5), int(high_mg_dl * 88.4)).flatmap(
        lambda n: st.sampled_from([f"{n} µmol/L", f"{n} umol/L"])
    )
    return st.one_of(mg_dl, umol)


@overload
def heights(
    *, min_cm: float = ..., max_cm: float = ..., text: Literal[False] = ...
) -> SearchStrategy[pint.Quantity[Any]]: ...
@overload
def heights(
    *, min_cm: float = ..., max_cm: float = ..., text: Literal[True]
) -> SearchStrategy[str]: ...
def heights(
    *,
    min_cm: float = ADULT_HEIGHT_CM[0],
    max_cm: float = ADULT_HEIGHT_CM[1],
    text: bool = False,
) -> SearchStrategy[Any]:
    """Adult heights as pint quantities in cm, m or inches; with ``text=True``, as strings.

    Strings take every form :func:`dosing.parse_length` reads: ``"175.5 cm"``, ``"1.755 m"``,
    a bare number (cm), a comma decimal, ``"69 in"``, ``"5 ft 9 in"`` and ``5'9"``.

    >>> from hypothesis import find
    >>> find(heights(), lambda h: h.to("cm").magnitude >= 180).to("cm")
    <Quantity(180.0, 'centimeter')>
    >>> from hypothesis import given
    >>> from dosing import parse_length
    >>> @given(heights(text=True))
    ... def test_reads(text):
    ...     assert 145 <= parse_length(text).magnitude <= 205
    >>> test_reads()
    """
    _within("height", min_cm, max_cm)
    if text:
        return _height_texts(min_cm, max_cm)
    cm = _tenths(min_cm, max_cm)
    return st.one_of(
        cm.map(lambda v: Quantity(v, "cm")),
        cm.map(lambda v: Quantity(v / 100, "m")),
        cm.map(lambda v: Quantity(v / _CM_PER_INCH, "inch")),
    )


@overload
def weights(
    *, min_kg: float = ..., max_kg: float = ..., text: Literal[False] = ...
) -> SearchStrategy[pint.Quantity[Any]]: ...
@overload
def weights(
    *, min_kg: float = ..., max_kg: float = ..., text: Literal[True]
) -> SearchStrategy[str]: ...
def weights(
    *,
    min_kg: float = ADULT_WEIGHT_KG[0],
    max_kg: float = ADULT_WEIGHT_KG[1],
    text: bool = False,
) -> SearchStrategy[Any]:
    """Adult weights as pint quantities in kg, g or pounds; with ``text=True``, as strings.

    >>> from hypothesis import find
    >>> find(weights(), lambda w: w.to("kg").magnitude >= 80).to("kg")
    <Quantity(80.0, 'kilogram')>
    """
    _within("weight", min_kg, max_kg)
    if text:
        return _weight_texts(min_kg, max_kg)
    kg = _tenths(min_kg, max_kg)
    return st.one_of(
        kg.map(lambda v: Quantity(v, "kg")),
        kg.map(lambda v: Quantity(v * 1000, "g")),
        kg.map(lambda v: Quantity(v / _KG_PER_LB, "lb")),
    )


def measurement_strings(
    kind: Literal["height", "weight", "serum_creatinine"],
) -> SearchStrategy[str]:
    """Strings people type for a measurement of ``kind``, in the adult range, in any unit.

    Serum creatinine is drawn between 0.5 and 3 mg/dL, written in mg/dL or µmol/L.

    >>> from hypothesis import find
    >>> find(measurement_strings("serum_creatinine"), lambda s: "mol" in s)
    '45 µmol/L'
    """
    if kind == "height":
        return _height_texts(*ADULT_HEIGHT_CM)
    if kind == "weight":
        return _weight_texts(*ADULT_WEIGHT_KG)
    if kind == "serum_creatinine":
        return _creatinine_texts(0.5, 3.0)
    raise ValueError(f"kind must be 'height', 'weight' or 'serum_creatinine', got {kind!r}")


def patients(
    *,
    height: SearchStrategy[Any] | None = None,
    weight: SearchStrategy[Any] | None = None,
) -> SearchStrategy[Patient]:
    """Adult :class:`~dosing.Patient` values, sometimes with what creatinine clearance needs.

    Some have sex and age, some also a serum creatinine.

    ``height`` and ``weight`` replace the default measurement strategies
    (:func:`heights` and :func:`weights`; pass ``heights(text=True)`` to build from strings).
    Pairs that a patient refuses as a pair are left out: a BMI outside
    :data:`dosing.patient.PLAUSIBLE_BMI`, and a bare number beside imperial units. A serum
    creatinine never comes without age and sex: a protocol with a renal starting-dose rule
    refuses that patient, since the clearance cannot be worked out.

    >>> from hypothesis import find
    >>> find(patients(), lambda p: p.sex == "female").sex
    'female'
    >>> p = find(patients(), lambda p: p.serum_creatinine is not None)
    >>> p.age is not None and p.sex is not None
    True
    """
    pairs = st.tuples(
        height if height is not None else heights(),
        weight if weight is not None else weights(),
    ).filter(_pair_builds)
    sexes = st.sampled_from(["female", "male"])
    ages = st.integers(18, 100)
    return st.one_of(
        st.builds(_patient_from_pair, pairs, sex=st.none() | sexes, age=st.none() | ages),
        st.builds(
            _patient_from_pair,
            pairs,
            sex=sexes,
            age=ages,
            serum_creatinine=measurement_strings("serum_creatinine"),
        ),
    )


def _pair_builds(pair: tuple[Any, Any]) -> bool:
    """False for a height and weight refused together: mixed units beside a bare number, or BMI."""
    height, weight = as_entered(pair[0], field="height"), as_entered(pair[1], field="weight")
    bare = [e for e in (height, weight) if e.unit is None]
    if bare and UnitSystem.IMPERIAL in {height.system, weight.system}:
        return False
    bmi = parse_mass(pair[1]).magnitude / (parse_length(pair[0]).magnitude / 100) ** 2
    return bool(PLAUSIBLE_BMI[0] <= bmi <= PLAUSIBLE_BMI[1])


def _patient_from_pair(pair: tuple[Any, Any], **fields: Any) -> Patient:
    return Patient(height=pair[0], weight=pair[1], **fields)


def bsa_formulas() -> SearchStrategy[BSAFormula]:
    """Any of the five BSA formulas.

    >>> from hypothesis import find
    >>> find(bsa_formulas(), lambda f: f.label == "Boyd")
    <BSAFormula.BOYD: 'boyd'>
    """
    return st.sampled_from(list(BSAFormula))


def _amounts(low: float, high: float) -> SearchStrategy[float]:
    """Amounts with at most two decimals, as doses are written."""
    return st.integers(round(low * 100), round(high * 100)).map(lambda n: n / 100)


def dose_rules(
    *,
    bases: tuple[Basis, ...] = (Basis.PER_M2, Basis.PER_KG, Basis.FLAT),
    caps: bool = True,
) -> SearchStrategy[DoseRule]:
    """Dose rules per m² (0.01 to 2,000 mg/m²), per kg (0.01 to 20 mg/kg) or flat (0.01 to 2,000 mg).

    With ``caps=True`` (the default) some rules carry a BSA cap (1.5 to 2.5 m², per m² rules
    only) and some a maximum dose (1 to 3,000 mg).

    >>> from hypothesis import find
    >>> str(find(dose_rules(bases=(Basis.PER_M2,)), lambda r: r.cap is not None))
    '0.01 mg/m² (BSA capped at 1.5 m²)'
    """
    if not bases or not set(bases) <= set(Basis):
        raise ValueError(f"bases must be one or more of {[b.value for b in Basis]}, got {bases!r}")
    cap = st.none() | _amounts(1.5, 2.5) if caps else st.none()
    maximum = st.none() | _amounts(1, 3000) if caps else st.none()
    ranges = {Basis.PER_M2: (0.01, 2000.0), Basis.PER_KG: (0.01, 20.0), Basis.FLAT: (0.01, 2000.0)}
    options = []
    for basis in bases:
        low, high = ranges[basis]
        options.append(
            st.builds(
                DoseRule,
                amount=_amounts(low, high),
                basis=st.just(basis),
                bsa_cap_m2=cap if basis is Basis.PER_M2 else st.none(),
                max_dose_mg=maximum,
            )
        )
    return st.one_of(options)


_ORAL_SETS: tuple[tuple[float, ...], ...] = (
    (2.5, 5, 10, 15, 20, 25),  # lenalidomide capsules (US)
    (2.5, 5, 7.5, 10, 15, 20, 25),  # lenalidomide capsules (EU)
    (0.5, 0.75, 1, 1.5, 2, 4, 6),  # dexamethasone tablets
    (25, 50),  # cyclophosphamide tablets
)
_VIAL_SETS: tuple[tuple[float, ...], ...] = (
    (10, 30, 60),  # carfilzomib
    (100, 400),  # daratumumab IV
    (500, 1000, 2000),  # cyclophosphamide powder
)


def rounding_policies() -> SearchStrategy[RoundingPolicy]:
    """Rounding policies as used in practice: nearest increment, oral strengths, vial banding.

    Tolerances are 5 % or 10 % (clinical reference §9). Each kind alone is drawn by
    ``st.from_type(NearestIncrement)`` (or ``OralStrengths``, ``VialBanding``).

    >>> from hypothesis import find
    >>> find(rounding_policies(), lambda p: isinstance(p, VialBanding)).describe()
    'vials of 10, 30, 60 mg within 5 %'
    """
    return st.one_of([_POLICIES[kind] for kind in (NearestIncrement, OralStrengths, VialBanding)])


_TOLERANCES = st.sampled_from([0.05, 0.10])
_POLICIES: dict[type[RoundingPolicy], SearchStrategy[Any]] = {
    NearestIncrement: st.builds(
        NearestIncrement, st.sampled_from([0.1, 0.5, 1, 2.5, 5, 10, 25, 50, 100]), _TOLERANCES
    ),
    OralStrengths: st.builds(OralStrengths, st.sampled_from(_ORAL_SETS), _TOLERANCES),
    VialBanding: st.builds(VialBanding, st.sampled_from(_VIAL_SETS), _TOLERANCES),
}


def protocols() -> SearchStrategy[Protocol]:
    """One of the built-in protocols (:func:`dosing.builtin_protocols`).

    >>> from hypothesis import find
    >>> find(protocols(), lambda p: p.id == "KRd").cycle_length_days
    28
    """
    return st.sampled_from(builtin_protocols())


def start_dates(today: dt.date) -> SearchStrategy[dt.date]:
    """Start dates that :func:`dosing.parse_date` accepts relative to ``today``.

    The window is 10 years before to 5 years after ``today``. Pass a fixed ``today`` (and
    the same one to :func:`dosing.build_schedule`) so tests do not depend on the clock.

    >>> from hypothesis import find
    >>> find(start_dates(dt.date(2026, 1, 1)), lambda d: d.year == 2026)
    datetime.date(2026, 1, 1)
    """
    back, ahead = START_WINDOW_YEARS
    return st.dates(
        min_value=today - relativedelta(years=back), max_value=today + relativedelta(years=ahead)
    )


def _register() -> None:
    """Register the strategies for the public types, for ``st.from_type`` and ``st.builds``."""
    st.register_type_strategy(Patient, patients())
    st.register_type_strategy(Protocol, protocols())
    st.register_type_strategy(DoseRule, dose_rules())
    st.register_type_strategy(RoundingPolicy, rounding_policies())
    for kind, strategy in _POLICIES.items():
        st.register_type_strategy(kind, strategy)


_register()
