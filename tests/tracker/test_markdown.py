"""What reporters type is rendered as Markdown and sanitised: it can display, never run."""

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from tracker.markdown import render_markdown


@pytest.mark.parametrize(
    ("text", "forbidden"),
    [
        ("Done.<script>alert('x')</script>", ["<script", "alert("]),
        ('<img src="x.png" onerror="alert(1)">', ["onerror", "alert(", "<img"]),
        ("[report](javascript:alert(1))", ["javascript:", "alert("]),
        ('<a href="javascript:alert(1)">report</a>', ["javascript:", "alert("]),
        ('<a href="JaVaScRiPt:alert(1)">report</a>', ["javascript", "alert("]),
        ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
        ("<style>body { display: none }</style>Visible", ["<style", "display: none"]),
        ('<p style="position:fixed">x</p>', ["style=", "position"]),
        ('<a href="https://example.org" onclick="steal()">x</a>', ["onclick", "steal("]),
        ('<form action="/logout"><button>Go</button></form>', ["<form", "<button"]),
    ],
    ids=[
        "script",
        "onerror",
        "markdown-javascript-link",
        "html-javascript-link",
        "mixed-case-javascript",
        "iframe",
        "style-element",
        "style-attribute",
        "onclick",
        "form",
    ],
)
def test_anything_that_could_run_or_restyle_the_page_is_removed(text, forbidden):
    html = render_markdown(text).lower()

    for fragment in forbidden:
        assert fragment.lower() not in html, fragment


def test_the_visible_text_around_removed_markup_is_kept():
    html = render_markdown("<style>p {}</style>Visible <script>x()</script>text")

    assert "Visible" in html and "text" in html


def test_ordinary_markdown_is_kept():
    html = render_markdown(
        "Pilots **completed** in _two_ provinces:\n\n"
        "- Ha Noi\n- Da Nang\n\n"
        "1. Survey\n2. Report\n\n"
        "See [the report](https://example.org/pilot.pdf)."
    )

    assert "<strong>completed</strong>" in html
    assert "<em>two</em>" in html
    assert "<ul>\n<li>Ha Noi</li>\n<li>Da Nang</li>\n</ul>" in html
    assert "<ol>" in html and "<li>Survey</li>" in html
    assert 'href="https://example.org/pilot.pdf"' in html
    assert "noopener" in html and "noreferrer" in html


def test_tables_and_mail_links_are_kept():
    html = render_markdown(
        "| Province | Firms |\n| --- | --- |\n| Ha Noi | 42 |\n\nWrite to <mailto:desk@example.org>"
    )

    assert "<table>" in html and "<td>42</td>" in html
    assert 'href="mailto:desk@example.org"' in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_the_output_is_marked_safe_for_templates_only_after_cleaning():
    html = render_markdown("**x** <script>y()</script>")

    assert isinstance(html, SafeString)
    assert "<script" not in html


def test_the_template_filter_renders_and_sanitises():
    template = Template("{% load tracker %}{{ text|markdown }}")

    html = template.render(Context({"text": "**Bold** <script>alert(1)</script><iframe></iframe>"}))

    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "<iframe" not in html
