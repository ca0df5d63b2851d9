"""Table helpers every feature uses."""

from django.db.models import F


def nulls_last(*fields):
    """Ascending by `fields` with empty values last, on every database; for order_by_expressions."""
    return [F(field).asc(nulls_last=True) for field in fields]


def order_by_expressions(queryset, ordering, is_descending):
    """Order a table's queryset by `ordering`, which may say where NULLs go; for an `order_<column>` method.

    django-tables2 orders a column by field names only, leaving NULLs where each database puts them.
    Descending reverses the whole order, NULL placement included.
    """
    queryset = queryset.order_by(*ordering)
    return (queryset.reverse() if is_descending else queryset), True
