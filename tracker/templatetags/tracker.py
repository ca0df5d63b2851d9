from django import template

from tracker.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render a reporter's Markdown as sanitised HTML."""
    return render_markdown(text)
