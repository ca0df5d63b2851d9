"""The reader's language, and the mark on English shown where no Vietnamese text is given."""

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def in_vietnamese():
    return (get_language() or "").startswith("vi")


def english_mark():
    """The mark put after English text shown to a Vietnamese reader: "(tiếng Anh)"."""
    return _("(in English)")


def english_marked(text):
    """`text`, which is in English, with the mark: the one way every page and report format marks it."""
    return f"{text} {english_mark()}" if text else text


def marked(record, field):
    """`record`'s `field` in the reader's language, English marked where no Vietnamese is given.

    For a record with `field` and `field_vi` (roadmap.models.BilingualMixin)."""
    return record.marked(field)
