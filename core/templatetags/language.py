from django import template

from core.language import marked as marked_text

register = template.Library()


@register.filter
def marked(record, field):
    """`{{ cycle|marked:"name" }}`: the field in the reader's language, English marked where no
    Vietnamese is given."""
    if record is None or record == "":
        return ""
    return marked_text(record, field)
