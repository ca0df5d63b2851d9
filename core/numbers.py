"""Rounding as people check it: halves up (away from zero), as Excel's ROUND does, exactly.

Python's `round()` rounds halves to even and works on binary floats, so an average of 48.25 prints
as 48.2 where a spreadsheet says 48.3. Every percentage the product shows (pages, charts, exports,
every report format) is rounded here, once, with `Decimal`.
"""

from decimal import ROUND_HALF_UP, Decimal


def round_half_up(value, places: int = 0) -> Decimal | None:
    """`value` (an int, a Decimal, or a float taken as it prints) rounded to `places` decimals."""
    if value is None:
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def average(total, count, places: int = 1) -> Decimal | None:
    """`total / count` rounded half up to `places` decimals; None when there is nothing to average."""
    if not count:
        return None
    return round_half_up(Decimal(total) / Decimal(count), places)


def share(part, whole) -> int:
    """`part` as a whole percent of `whole`, rounded half up; 0 when `whole` is 0."""
    if not whole:
        return 0
    return int(round_half_up(Decimal(100) * Decimal(part) / Decimal(whole), 0))
