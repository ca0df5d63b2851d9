"""Vietnamese fields and the mark on English shown to a Vietnamese reader where none is given."""

import pytest
from django.template import Context, Template
from django.utils import translation

from core.language import english_marked, in_vietnamese
from roadmap.models import NationalStrategy
from tests import factories

pytestmark = pytest.mark.django_db

MARK = "(tiếng Anh)"


def test_the_mark_is_in_the_readers_language():
    with translation.override("vi"):
        assert in_vietnamese()
        assert english_marked("member states") == f"member states {MARK}"
        assert english_marked("") == ""
    with translation.override("en"):
        assert not in_vietnamese()
        assert english_marked("member states") == "member states (in English)"


def test_a_cycle_without_a_vietnamese_name_shows_the_english_marked_in_vietnamese_only():
    cycle = factories.ReportingCycleFactory(slug="2026-H2", name="2026 second half", name_vi="")
    with translation.override("vi"):
        assert cycle.local_name == "2026 second half"  # the accessor falls back, unmarked
        assert str(cycle) == f"2026 second half {MARK}"
    with translation.override("en"):
        assert str(cycle) == "2026 second half"

    cycle.name_vi = "Nửa cuối năm 2026"
    with translation.override("vi"):
        assert cycle.local_name == "Nửa cuối năm 2026"
        assert str(cycle) == "Nửa cuối năm 2026"
    with translation.override("en"):
        assert str(cycle) == "2026 second half"


def test_units_and_strategies_fall_back_with_the_mark(plan, viet_nam):
    indicator = plan["indicator"]
    indicator.unit, indicator.unit_vi = "enterprises", ""
    strategy = NationalStrategy(
        member_state=viet_nam,
        name="Make in Vietnam",
        summary="Programme to promote the domestic ICT industry.",
        summary_vi="Chương trình thúc đẩy ngành công nghiệp ICT trong nước.",
        lead_agency="Ministry of Information and Communications",
    )
    with translation.override("vi"):
        assert indicator.local_unit == "enterprises"
        assert indicator.marked("unit") == f"enterprises {MARK}"
        assert strategy.local_summary == "Chương trình thúc đẩy ngành công nghiệp ICT trong nước."
        assert strategy.marked("summary") == strategy.local_summary
        assert strategy.marked("lead_agency") == f"Ministry of Information and Communications {MARK}"
        assert strategy.local_name == "Make in Vietnam"
        assert str(strategy) == f"Make in Vietnam {MARK}"
    indicator.unit_vi = "doanh nghiệp"
    with translation.override("vi"):
        assert indicator.marked("unit") == "doanh nghiệp"
    with translation.override("en"):
        assert indicator.marked("unit") == "enterprises"


def test_the_template_filter_marks_the_same_way():
    cycle = factories.ReportingCycleFactory(slug="2026-H2", name="2026 second half", name_vi="")
    template = Template('{% load language %}{{ cycle|marked:"name" }}')
    with translation.override("vi"):
        assert template.render(Context({"cycle": cycle})) == f"2026 second half {MARK}"
    with translation.override("en"):
        assert template.render(Context({"cycle": cycle})) == "2026 second half"
