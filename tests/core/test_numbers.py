"""Rounding halves up, exactly, as Excel's ROUND does (core.numbers)."""

from decimal import Decimal

import pytest

from core.numbers import average, round_half_up, share


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (48.25, 1, "48.3"),  # round(48.25, 1) == 48.2: halves to even
        (Decimal("63.25"), 1, "63.3"),
        (53.25, 1, "53.3"),
        (33.25, 1, "33.3"),
        (2.675, 2, "2.68"),  # the float 2.675 is 2.67499…; taken as it prints
        (12.5, 0, "13"),
        (62.5, 0, "63"),
        (-0.25, 1, "-0.3"),
        (7, 1, "7.0"),
    ],
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == Decimal(expected)
    assert str(round_half_up(value, places)) == expected


def test_average_and_share():
    assert average(193, 4) == Decimal("48.3")
    assert average(2, 3) == Decimal("0.7")
    assert average(5, 0) is None and round_half_up(None) is None
    assert [share(1, 8), share(5, 8), share(1, 3), share(2, 3), share(3, 0)] == [13, 63, 33, 67, 0]
