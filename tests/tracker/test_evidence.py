"""Evidence files: accepted by what they contain as well as their name, stored under generated names."""

import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from tests.helpers.files import pdf_bytes, pdf_of_size
from tracker.models import EvidenceFile, ProgressUpdate
from tracker.updates import evidence, services
from tracker.updates.evidence import ACCEPT_ATTRIBUTE, MAX_EVIDENCE_BYTES, check_evidence_file

pytestmark = pytest.mark.django_db

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


# --- Real, minimal files of each accepted type ---------------------------------------------------


def _png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes():
    """A 1×1 grey pixel."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bytes():
    """A 1×1 baseline JPEG: one grey block, one-code Huffman tables, DC 0 then end-of-block."""

    def segment(marker, payload):
        return b"\xff" + marker + struct.pack(">H", len(payload) + 2) + payload

    one_code_table = bytes([1] + [0] * 15) + b"\x00"
    return (
        b"\xff\xd8"
        + segment(b"\xdb", b"\x00" + bytes([1] * 64))
        + segment(b"\xc0", b"\x08" + struct.pack(">HH", 1, 1) + b"\x01\x01\x11\x00")
        + segment(b"\xc4", b"\x00" + one_code_table)
        + segment(b"\xc4", b"\x10" + one_code_table)
        + segment(b"\xda", b"\x01\x01\x00\x00\x3f\x00")
        + b"\x3f"
        + b"\xff\xd9"
    )


def _package(parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(name, text)
    return buffer.getvalue()


CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)


def docx_bytes():
    return _package(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
            '2006/main"><w:body><w:p><w:r><w:t>Pilot report</w:t></w:r></w:p></w:body></w:document>',
        }
    )


def pptx_bytes():
    return _package(
        {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "ppt/presentation.xml": '<p:presentation xmlns:p="http://schemas.openxmlformats.org/'
            'presentationml/2006/main"/>',
        }
    )


def xlsx_bytes():
    workbook = openpyxl.Workbook()
    workbook.active.append(["Province", "Enterprises assessed"])
    workbook.active.append(["Ha Noi", 42])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD_FILES = {
    "report.pdf": ("pdf", pdf_bytes),
    "site-visit.png": ("png", png_bytes),
    "workshop.jpg": ("jpg", jpeg_bytes),
    "workshop.jpeg": ("jpg", jpeg_bytes),
    "Minutes.DOCX": ("docx", docx_bytes),
    "figures.xlsx": ("xlsx", xlsx_bytes),
    "briefing.pptx": ("pptx", pptx_bytes),
}


def upload(name, data):
    return SimpleUploadedFile(name, data)


# --- check_evidence_file -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GOOD_FILES))
def test_each_accepted_type_is_recognised_by_its_content(name):
    kind, build = GOOD_FILES[name]
    data = build()
    uploaded = upload(name, data)

    checked = check_evidence_file(uploaded)

    assert checked.name == name
    assert checked.content_type == CONTENT_TYPES[kind]
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    # The file is left ready to be read from the start and saved.
    assert uploaded.read() == data


def test_a_file_of_exactly_the_limit_is_accepted():
    data = pdf_of_size(MAX_EVIDENCE_BYTES)

    assert check_evidence_file(upload("big.pdf", data)).size == MAX_EVIDENCE_BYTES


REFUSED = {
    "too-large": ("annual-report.pdf", lambda: pdf_bytes(padding=12 * 1024 * 1024), "too_large", "10.0 MB"),
    "executable-renamed-pdf": (
        "report.pdf",
        lambda: b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200,
        "bad_content",
        "called a PDF file but its content is not one",
    ),
    "zip-renamed-docx": (
        "minutes.docx",
        lambda: _package({"notes.txt": "not a document"}),
        "bad_content",
        "called a Word (DOCX) file",
    ),
    "xlsx-renamed-docx": ("minutes.docx", xlsx_bytes, "bad_content", "called a Word (DOCX) file"),
    "pdf-renamed-png": ("photo.png", pdf_bytes, "bad_content", "called a PNG file"),
    "executable": (
        "setup.exe",
        lambda: b"MZ\x90\x00" + b"\x00" * 100,
        "bad_extension",
        "is not an accepted type",
    ),
    "no-extension": ("report", pdf_bytes, "bad_extension", "is not an accepted type"),
    "web-page-behind-a-pdf-header": (
        "report.pdf",
        lambda: b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n",
        "bad_content",
        "called a PDF file but its content is not one",
    ),
    "zip-bomb-docx": (
        "minutes.docx",
        lambda: _package(
            {"word/document.xml": "<w:document/>", "word/padding.xml": " " * (30 * 1024 * 1024)}
        ),
        "zip_bomb",
        "unpacks to 30.0 MB",
    ),
    "empty": ("empty.pdf", lambda: b"", "empty", "is empty"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_bad_files_are_refused_with_a_message_naming_the_file(case):
    name, build, code, phrase = REFUSED[case]

    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload(name, build()))

    assert refused.value.code == code
    message = refused.value.messages[0].replace("\xa0", " ")  # filesizeformat joins with a no-break space
    assert name in message
    assert phrase in message


def test_the_file_picker_offers_the_accepted_extensions():
    assert set(ACCEPT_ATTRIBUTE.split(",")) == {".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".pptx"}


# --- Through progress_update_save ----------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored(media):
    return (
        sorted(p for p in (media / "evidence").rglob("*") if p.is_file())
        if (media / "evidence").exists()
        else []
    )


def _save(update, user, **content):
    return services.progress_update_save(
        update=update,
        content=services.UpdateContent(**content),
        acting_user=user,
        expected_version=update.version,
    )


def test_files_are_stored_under_generated_names_with_the_original_name_kept(media, draft_vn, focal_vn):
    data = pdf_bytes()

    _save(
        draft_vn, focal_vn, new_files=[upload("Báo cáo thí điểm.pdf", data), upload("chart.png", png_bytes())]
    )

    files = list(draft_vn.evidence_files.order_by("pk"))
    assert [f.original_name for f in files] == ["Báo cáo thí điểm.pdf", "chart.png"]
    first = files[0]
    path = Path(first.file.path)
    assert path.is_relative_to(media / "evidence")
    assert path.suffix == ".pdf"
    assert "Báo" not in path.name and len(path.stem) == 32  # a uuid, not what the user called it
    assert path.read_bytes() == data
    assert (first.content_type, first.size, first.sha256, first.uploaded_by) == (
        "application/pdf",
        len(data),
        hashlib.sha256(data).hexdigest(),
        focal_vn,
    )
    assert _stored(media) == sorted(Path(f.file.path) for f in files)
    with pytest.raises(NotImplementedError):
        first.file.url  # noqa: B018 - nothing serves MEDIA_ROOT; downloads go through a permission check


def test_removed_files_are_deleted_from_disk_once_the_change_is_committed(
    media, draft_vn, focal_vn, django_capture_on_commit_callbacks
):
    _save(draft_vn, focal_vn, new_files=[upload("old.pdf", pdf_bytes()), upload("keep.png", png_bytes())])
    old, keep = draft_vn.evidence_files.order_by("pk")
    draft_vn.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        _save(draft_vn, focal_vn, remove_file_ids=[old.pk])
        # Until the transaction commits, the file is still there in case it rolls back.
        assert Path(old.file.path).exists()

    assert not Path(old.file.path).exists()
    assert Path(keep.file.path).exists()
    assert list(draft_vn.evidence_files.all()) == [keep]


def test_a_file_of_another_update_cannot_be_removed_through_this_one(
    media, draft_vn, cycle, plan, focal_th, focal_vn, django_capture_on_commit_callbacks
):
    thai = services.new_update(activity=plan["activity"], cycle=cycle, author=focal_th)
    thai.narrative = "Thai pilots."
    services.progress_update_save(
        update=thai,
        content=services.UpdateContent(new_files=[upload("thai.pdf", pdf_bytes())]),
        acting_user=focal_th,
    )
    thai_file = thai.evidence_files.get()

    with django_capture_on_commit_callbacks(execute=True):
        _save(draft_vn, focal_vn, remove_file_ids=[thai_file.pk])

    assert EvidenceFile.objects.filter(pk=thai_file.pk).exists()
    assert Path(thai_file.file.path).exists()


def test_one_bad_file_refuses_the_whole_save(media, cycle, plan, focal_vn):
    update = services.new_update(activity=plan["activity"], cycle=cycle, author=focal_vn)
    update.narrative = "With evidence."

    with pytest.raises(ValidationError) as refused:
        services.progress_update_save(
            update=update,
            content=services.UpdateContent(
                new_files=[
                    upload("good.pdf", pdf_bytes()),
                    upload("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 64),
                ]
            ),
            acting_user=focal_vn,
        )

    assert list(refused.value.message_dict) == ["files"]
    assert "invoice.pdf" in refused.value.message_dict["files"][0]
    assert not ProgressUpdate.objects.exists()
    assert not EvidenceFile.objects.exists()
    assert _stored(media) == []


def test_a_bad_file_on_an_existing_draft_keeps_it_as_it_was(media, draft_vn, focal_vn):
    _save(draft_vn, focal_vn, new_files=[upload("first.pdf", pdf_bytes())])
    draft_vn.refresh_from_db()
    version = draft_vn.version
    draft_vn.narrative = "Changed."

    with pytest.raises(ValidationError):
        _save(draft_vn, focal_vn, new_files=[upload("huge.pdf", pdf_bytes(padding=12 * 1024 * 1024))])

    fresh = ProgressUpdate.objects.get(pk=draft_vn.pk)
    assert (fresh.version, fresh.narrative) == (version, "Pilots ran in two provinces.")
    assert [f.original_name for f in fresh.evidence_files.all()] == ["first.pdf"]
    assert len(_stored(media)) == 1


def test_discarding_a_draft_deletes_its_files_after_the_commit(
    media, draft_vn, focal_vn, django_capture_on_commit_callbacks
):
    _save(draft_vn, focal_vn, new_files=[upload("draft.pdf", pdf_bytes())])
    path = Path(draft_vn.evidence_files.get().file.path)

    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_discard(update=draft_vn, acting_user=focal_vn)
        assert path.exists()

    assert not path.exists()
    assert not EvidenceFile.objects.exists()


def test_a_save_that_fails_after_writing_its_files_leaves_none_behind(media, draft_vn, focal_vn, monkeypatch):
    def broken(update):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "sync_due_update", broken)
    with pytest.raises(RuntimeError):
        _save(draft_vn, focal_vn, new_files=[upload("report.pdf", pdf_bytes())])

    assert _stored(media) == []
    assert not draft_vn.evidence_files.exists()


def test_an_office_file_unpacking_past_the_limit_is_refused_whatever_its_ratio(monkeypatch):
    data = docx_bytes()
    monkeypatch.setattr(evidence, "MAX_UNPACKED_BYTES", 100)
    with pytest.raises(ValidationError) as refused:
        check_evidence_file(upload("minutes.docx", data))
    assert refused.value.code == "zip_bomb"


def test_a_real_pdf_of_several_pages_is_accepted():
    writer = PdfWriter()
    for _page in range(3):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert check_evidence_file(upload("minutes.pdf", buffer.getvalue())).content_type == "application/pdf"
