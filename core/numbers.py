"""Rounding as people check it: halves up (away from zero), as Excel's ROUND does, exactly.

Python's `round()` rounds halves to even and works on binary floats, so an average of 48.25 prints
as 48.2 where a spreadsheet says 48.3. Every percentage the product shows (pages, charts, exports,
every report format) is rounded here, once, with `Decimal`.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format


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


def show(value, places: int = 1) -> str:
    """A figure as people read it in the active language: rounded half up to `places` decimals,
    12 rather than 12.0, the language's decimal separator ("62.5" in English, "62,5" in Vietnamese)."""
    if value is None:
        return ""
    rounded = round_half_up(value, places)
    if rounded == int(rounded):
        return str(int(rounded))
    return number_format(rounded, use_l10n=True)


def show_percent(value, places: int = 1) -> str:
    """A percentage in the active language, with a no-break space before the sign as the tables write
    it: "62.5\u00a0%" in English, "62,5\u00a0%" in Vietnamese; "" for None."""
    if value is None:
        return ""
    return f"{show(value, places)}\u00a0%"
