"""Activity list exports: CSV and XLSX, filters kept, Vietnamese intact, nothing a spreadsheet runs."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from core.spreadsheets import neutralise
from roadmap.models import Activity, ActivityStatus
from tests import factories
from tests.helpers.large_record import count_queries, measures

pytestmark = pytest.mark.django_db

HEADER = [
    "Code",
    "Recommendation",
    "Title",
    "Title (Vietnamese)",
    "Lead member states",
    "Lead bodies",
    "Participating member states",
    "Supporting bodies",
    "Planned start",
    "Planned end",
    "Baseline start",
    "Baseline end",
    "Status",
    "Flag",
    "Percent complete",
    "Illustrative",
    "Expected outputs",
]
CODE, TITLE, TITLE_VI = 0, 2, 3
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def reader(client, observer_user):
    client.force_login(observer_user)
    return client


@pytest.fixture
def data(plan, roadmap, viet_nam, thailand, costi):
    """R2.1 (VN leads, TH joins), R2.2 completed and led by TH, R3.1 led by COSTI with VN joining."""
    activity = plan["activity"]
    activity.expected_outputs = "Báo cáo đánh giá của Việt Nam"
    activity.save()
    rec3 = factories.RecommendationFactory(roadmap=roadmap, number=3)
    done = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=plan["recommendation"],
        code="R2.2",
        title="Smart factory study tour",
        status=ActivityStatus.COMPLETED,
        percent_complete=100,
        lead_member_states=[thailand],
    )
    costi_led = factories.ActivityFactory(
        roadmap=roadmap,
        recommendation=rec3,
        code="R3.1",
        title="Regional testbed network",
        lead_bodies=[costi],
        participating_member_states=[viet_nam],
    )
    return {"R2.1": activity, "R2.2": done, "R3.1": costi_led}


def _content(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def export(client, fmt, **params):
    response = client.get(reverse("roadmap:activity_list"), {**params, "export": fmt})
    assert response.status_code == 200
    return response, _content(response)


def csv_rows(content):
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_sheet(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook.worksheets[0]


def xlsx_rows(content):
    return [list(row) for row in xlsx_sheet(content).iter_rows(values_only=True)]


# --- format -------------------------------------------------------------------------------------


def test_csv_export_has_bom_header_and_attachment(reader, data):
    response, content = export(reader, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith('.csv"')
    assert 'filename="activities-' in disposition
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.count(b"\xef\xbb\xbf") == 1
    rows = csv_rows(content)
    assert rows[0] == HEADER
    assert [r[CODE] for r in rows[1:]] == ["R2.1", "R2.2", "R3.1"]
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["Lead member states"] == "VN"
    assert first["Participating member states"] == "TH"
    assert first["Supporting bodies"] == "COSTI"
    assert first["Planned start"] == "2024-01-01"
    assert first["Status"] == "Ongoing"
    assert first["Percent complete"] == "40"
    assert first["Recommendation"] == "2"


def test_xlsx_export_has_header_and_attachment(reader, data):
    response, content = export(reader, "xlsx")
    assert response["Content-Type"] == XLSX_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.endswith('.xlsx"')
    assert 'filename="activities-' in disposition
    assert content[:2] == b"PK"  # a zip container, i.e. a real workbook
    rows = xlsx_rows(content)
    assert rows[0] == HEADER
    assert [r[CODE] for r in rows[1:]] == ["R2.1", "R2.2", "R3.1"]
    first = dict(zip(HEADER, rows[1], strict=True))
    assert first["Lead member states"] == "VN"
    assert first["Percent complete"] == 40
    assert first["Planned end"].date().isoformat() == "2027-12-31"
    assert xlsx_sheet(content)["A1"].font.b


def test_plain_list_page_is_not_an_export(reader, data):
    response = reader.get(reverse("roadmap:activity_list"), {"export": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response


# --- filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({}, ["R2.1", "R2.2", "R3.1"]),
        ({"status": "completed"}, ["R2.2"]),
        ({"status": "ongoing"}, ["R2.1", "R3.1"]),
        ({"member_state": "VN"}, ["R2.1", "R3.1"]),
        ({"member_state": "TH"}, ["R2.1", "R2.2"]),
        ({"body": "COSTI"}, ["R2.1", "R3.1"]),
        ({"q": "testbed"}, ["R3.1"]),
        ({"q": "sẵn sàng"}, ["R2.1"]),
        ({"member_state": "VN", "status": "ongoing", "q": "pilots"}, ["R2.1"]),
        ({"q": "no such activity"}, []),
    ],
)
def test_exports_honour_the_list_filters(reader, data, fmt, params, codes):
    _response, content = export(reader, fmt, **params)
    rows = csv_rows(content) if fmt == "csv" else xlsx_rows(content)
    assert rows[0] == HEADER
    assert [r[CODE] for r in rows[1:]] == codes


def test_export_by_recommendation(reader, data):
    rec3 = data["R3.1"].recommendation
    _response, content = export(reader, "csv", recommendation=rec3.pk)
    assert [r[CODE] for r in csv_rows(content)[1:]] == ["R3.1"]


def test_invalid_filter_exports_nothing_rather_than_everything(reader, data):
    _response, content = export(reader, "csv", status="not-a-status")
    assert csv_rows(content) == [HEADER]


# --- formula injection --------------------------------------------------------------------------

DANGEROUS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]


@pytest.fixture
def dangerous(plan, roadmap):
    rec = plan["recommendation"]
    made = []
    for n, title in enumerate(DANGEROUS, start=10):
        made.append(
            factories.ActivityFactory(
                roadmap=roadmap,
                recommendation=rec,
                code=f"R2.{n}",
                title=title,
                title_vi="=1+2",
                expected_outputs="@cmd",
            )
        )
    return made


def test_neutralise():
    for value in DANGEROUS + ["\tx", "\rx"]:
        assert neutralise(value) == "'" + value
    assert neutralise("Readiness") == "Readiness"
    assert neutralise("") == ""
    assert neutralise(-5) == -5
    assert neutralise(None) is None


def test_csv_export_neutralises_formulas(reader, dangerous):
    _response, content = export(reader, "csv", q="R2.1")
    rows = {r[CODE]: r for r in csv_rows(content)[1:]}
    for activity in dangerous:
        row = rows[activity.code]
        assert row[TITLE] == "'" + activity.title
        assert row[TITLE_VI] == "'=1+2"
        assert row[-1] == "'@cmd"
    # Nothing in any cell starts with a character that a spreadsheet would evaluate.
    for row in csv_rows(content):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


def test_xlsx_export_neutralises_formulas(reader, dangerous):
    _response, content = export(reader, "xlsx")
    sheet = xlsx_sheet(content)
    titles = {}
    for row in sheet.iter_rows(min_row=2):
        titles[row[CODE].value] = row[TITLE].value
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    for activity in dangerous:
        assert titles[activity.code] == "'" + activity.title


# --- Vietnamese ---------------------------------------------------------------------------------


def test_vietnamese_text_survives_both_formats(reader, data):
    _response, content = export(reader, "csv")
    first = csv_rows(content)[1]
    assert first[TITLE_VI] == "Thí điểm đánh giá mức độ sẵn sàng"
    assert first[-1] == "Báo cáo đánh giá của Việt Nam"
    assert "Việt Nam".encode() in content

    _response, content = export(reader, "xlsx")
    first = xlsx_rows(content)[1]
    assert first[TITLE_VI] == "Thí điểm đánh giá mức độ sẵn sàng"
    assert first[-1] == "Báo cáo đánh giá của Việt Nam"


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_anonymous_user_is_sent_to_login(client, data, fmt):
    response = client.get(reverse("roadmap:activity_list"), {"export": fmt})
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "Content-Disposition" not in response


def test_every_role_may_export(client, data, any_user):
    client.force_login(any_user)
    _response, content = export(client, "csv")
    assert len(csv_rows(content)) == 4


# --- scale: constant queries, measured on the one large record (tests/helpers/large_record.py)


def _owners(names):
    return sorted(filter(None, (names or "").split(", ")))


@measures
def measure(record, size):
    """Both exports at this size of the large record, their rows, and every activity's owners."""
    client = record.clients()["observer"]
    url = reverse("roadmap:activity_list")
    results = {}
    for fmt in ("csv", "xlsx"):
        count, _, content = count_queries(client, f"{url}?export={fmt}")
        results[fmt] = count, csv_rows(content) if fmt == "csv" else xlsx_rows(content)
    results["owners"] = {
        a.code: (
            sorted(s.iso2 for s in a.lead_member_states.all()),
            sorted(b.acronym for b in a.supporting_bodies.all()),
        )
        for a in Activity.objects.prefetch_related("lead_member_states", "supporting_bodies")
    }
    return results


@pytest.fixture
def measured(measured_on_the_large_record):
    return measured_on_the_large_record[__name__]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_is_constant_in_the_number_of_activities(measured, fmt):
    few, few_rows = measured["small"][fmt]
    many, rows = measured["large"][fmt]
    owners = measured["large"]["owners"]
    assert len(few_rows) == len(measured["small"]["owners"]) + 1
    assert len(rows) == len(owners) + 1
    assert len(rows) >= 7 * len(few_rows)
    assert all((_owners(r[4]), _owners(r[7])) == owners[r[0]] for r in rows[1:])
    assert many == few
    assert few <= 12
