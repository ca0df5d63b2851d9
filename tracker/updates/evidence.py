"""Checking evidence files by what they contain, not only by what they are called.

No sniffing library here: `python-magic` needs libmagic on the host, and the pure-Python sniffers
tell an Office file from any other ZIP only loosely. The six accepted types are simple to recognise:
PNG and JPEG by their first bytes; PDF by its first bytes and by pypdf reading its pages; DOCX, XLSX
and PPTX as ZIP packages holding `[Content_Types].xml` and their own main part, which unpack to a
sane size.
"""

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PdfReader

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# An Office file unpacked: real documents of 10 MB unpack to a few times that, text-heavy ones to
# 20-30 times their size.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_PACKING_RATIO = 100


@dataclass(frozen=True)
class EvidenceType:
    extensions: tuple[str, ...]
    content_type: str
    label: str


EVIDENCE_TYPES = {
    "pdf": EvidenceType((".pdf",), "application/pdf", "PDF"),
    "png": EvidenceType((".png",), "image/png", "PNG"),
    "jpg": EvidenceType((".jpg", ".jpeg"), "image/jpeg", "JPEG"),
    "docx": EvidenceType(
        (".docx",), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (DOCX)"
    ),
    "xlsx": EvidenceType(
        (".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (XLSX)"
    ),
    "pptx": EvidenceType(
        (".pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint (PPTX)",
    ),
}
ACCEPTED_EXTENSIONS = tuple(ext for t in EVIDENCE_TYPES.values() for ext in t.extensions)
# For the file input's `accept` attribute, so the browser's picker offers the right files first.
ACCEPT_ATTRIBUTE = ",".join(ACCEPTED_EXTENSIONS)

OOXML_MAIN_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def _kind_by_name(name):
    suffix = PurePath(name).suffix.lower()
    for kind, evidence_type in EVIDENCE_TYPES.items():
        if suffix in evidence_type.extensions:
            return kind
    return None


def _kind_by_content(uploaded):
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf" if _is_pdf(uploaded) else None
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(uploaded) as package:
                parts = package.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            uploaded.seek(0)
        _refuse_a_zip_bomb(uploaded, parts)
        names = [part.filename for part in parts]
        if "[Content_Types].xml" not in names:
            return None
        for kind, prefix in OOXML_MAIN_PART.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def _is_pdf(uploaded):
    """Whether the file reads as a PDF with at least one page, not only starts like one: a file
    that opens with "%PDF-" and then holds a web page is not a document."""
    try:
        return len(PdfReader(uploaded, strict=False).pages) > 0
    except Exception:  # noqa: BLE001 - whatever pypdf cannot read is not a PDF to us
        return False
    finally:
        uploaded.seek(0)


def _refuse_a_zip_bomb(uploaded, parts):
    """An Office file is a ZIP package: refuse one that unpacks to more than any document needs, or
    far more than it weighs (a "zip bomb"), before anyone opens it."""
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_UNPACKED_BYTES or unpacked > MAX_PACKING_RATIO * max(uploaded.size, 1):
        name = PurePath(uploaded.name or "").name
        raise ValidationError(
            _(
                "%(name)s unpacks to %(size)s, far more than a document of its size holds. "
                "Save it again from its program, or upload it as a PDF."
            )
            % {"name": name, "size": filesizeformat(unpacked)},
            code="zip_bomb",
        )


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    size: int
    sha256: str


def check_evidence_file(uploaded) -> CheckedFile:
    """Raise a ValidationError naming the file and the problem, or describe the accepted file."""
    name = PurePath(uploaded.name or "").name
    if uploaded.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("%(name)s is %(size)s; files may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(uploaded.size),
                "limit": filesizeformat(MAX_EVIDENCE_BYTES),
            },
            code="too_large",
        )
    if uploaded.size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    by_name = _kind_by_name(name)
    if by_name is None:
        raise ValidationError(
            _("%(name)s is not an accepted type. Accepted: PDF, Word, Excel, PowerPoint, PNG and JPEG.")
            % {"name": name},
            code="bad_extension",
        )
    by_content = _kind_by_content(uploaded)
    if by_content != by_name:
        raise ValidationError(
            _("%(name)s is called a %(label)s file but its content is not one. Upload the document itself.")
            % {"name": name, "label": EVIDENCE_TYPES[by_name].label},
            code="bad_content",
        )
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return CheckedFile(
        name=name[:255],
        content_type=EVIDENCE_TYPES[by_name].content_type,
        size=uploaded.size,
        sha256=digest.hexdigest(),
    )
