"""Shared test settings: bounded hypothesis profiles so the default run stays fast.

``DOSING_HYPOTHESIS_PROFILE=long`` selects many more examples for a thorough run, and
``DOSING_FUZZ_EXAMPLES`` raises the budget of the fuzz tests alone.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("DOSING_HYPOTHESIS_PROFILE", "default"))

#: Examples per fuzz test: the profile's own count unless DOSING_FUZZ_EXAMPLES says otherwise.
FUZZ_EXAMPLES = int(os.environ.get("DOSING_FUZZ_EXAMPLES", "0")) or settings().max_examples
