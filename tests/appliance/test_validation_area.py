"""Floor areas that Decimal parses but that are not numbers are refused, not a crash."""

import pytest

from appliance.errors import ValidationError
from appliance.validation import clean_area


@pytest.mark.parametrize("value", ["nan", "NaN", "-nan", "sNaN", "inf", "-Infinity"])
def test_non_finite_areas_are_refused(value):
    with pytest.raises(ValidationError):
        clean_area(value)
