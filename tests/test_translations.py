"""The Vietnamese catalogue: complete, compiled, in the agreed vocabulary, and used by the pages.

Refresh it with `make messages` (needs GNU gettext), translate what it adds, and commit both
locale/vi/LC_MESSAGES/django.po and the compiled django.mo.
"""

import ast
import gettext as gnu_gettext
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from accounts.models import Role
from roadmap.filters import ActivityFilter, MilestoneFilter
from roadmap.models import ActivityStatus, Body, CountryFigure, Flag, MilestoneState

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "vi" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# The words ASEAN and Vietnamese government documents use; the catalogue must keep to them.
GLOSSARY = {
    "Recommendation": "Khuyến nghị",
    "Activity": "Hoạt động",
    "Milestone": "Mốc",
    "Member state": "Quốc gia thành viên",
    "Body": "Cơ quan",
    "Focal point": "Đầu mối",
    "Secretariat": "Ban Thư ký",
    "Observer": "Quan sát viên",
    "Not started": "Chưa bắt đầu",
    "Ongoing": "Đang thực hiện",
    "Delayed": "Chậm tiến độ",
    "Completed": "Hoàn thành",
    "Discontinued": "Dừng thực hiện",
    "Flag": "Cờ",
    "Green": "Xanh",
    "Amber": "Vàng",
    "Red": "Đỏ",
    "Overdue": "Quá hạn",
    "Due soon": "Sắp đến hạn",
    "Upcoming": "Sắp tới",
    "Achieved on time": "Đạt đúng hạn",
    "Achieved late": "Đạt muộn",
    "Indicator": "Chỉ số",
    "Target": "Mục tiêu",
    "Percent complete": "Phần trăm hoàn thành",
    "Dashboard": "Bảng điều khiển",
    "Log in": "Đăng nhập",
    "Log out": "Đăng xuất",
    "History": "Lịch sử",
    "Reason for the change": "Lý do thay đổi",
    "Illustrative": "Minh họa",
    "national strategy": "chiến lược quốc gia",
}


# --- a tiny reader for .po files (polib is not a dependency) -------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict = field(default_factory=dict)
    flags: set = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self):
        return self.msgid == "" and self.msgctxt is None

    @property
    def translations(self):
        return list(self.msgstr_plural.values()) if self.msgid_plural is not None else [self.msgstr]

    @property
    def is_translated(self):
        return bool(self.translations) and all(self.translations)

    @property
    def key(self):
        return (self.msgctxt, self.msgid)


def parse_po(text):
    """Entries of a .po file, obsolete (#~) ones left out."""
    entries, entry, target = [], None, None

    def finish():
        if entry is not None and (entry.msgid or entry.msgstr or entry.msgid_plural is not None):
            entries.append(entry)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            entry, target = None, None
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
        else:
            keyword, rest = line.split(" ", 1)
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr["):
                target = ("plural", int(keyword[7:-1]))
                entry.msgstr_plural[target[1]] = ""
            elif keyword in ("msgid", "msgid_plural", "msgctxt", "msgstr"):
                target = keyword
                setattr(entry, keyword, "")
            else:
                raise AssertionError(f"line {number}: unexpected keyword {keyword!r}")
        if isinstance(target, tuple):
            entry.msgstr_plural[target[1]] += value
        else:
            setattr(entry, target, getattr(entry, target) + value)
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries():
    return parse_po(PO_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries):
    return [e for e in po_entries if not e.is_header]


@pytest.fixture
def restore_language():
    """Requests activate their language in this thread: leave it as it was for other tests."""
    previous = translation.get_language()
    yield
    translation.activate(previous) if previous else translation.deactivate()


# --- (a) the catalogue is complete ---------------------------------------------------------


def test_the_parser_reads_plural_context_and_flags():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: vi\\n"\n\n'
        '#, fuzzy, python-format\nmsgctxt "menu"\nmsgid "%(n)s file"\nmsgid_plural "%(n)s files"\n'
        'msgstr[0] ""\n"%(n)s tệp"\n\n'
        'msgid "Open"\nmsgstr ""\n\n#~ msgid "Gone"\n#~ msgstr "Mất"\n'
    )
    header, plural, untranslated = entries
    assert header.is_header and header.msgstr == "Language: vi\n"
    assert plural.key == ("menu", "%(n)s file") and plural.msgid_plural == "%(n)s files"
    assert plural.msgstr_plural == {0: "%(n)s tệp"} and plural.is_translated
    assert plural.flags == {"fuzzy", "python-format"}
    assert not untranslated.is_translated
    assert len(entries) == 3


def test_the_header_declares_vietnamese_utf8_and_one_plural_form(po_entries):
    header = po_entries[0]
    assert header.is_header
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt, plural forms with it"
    fields = dict(line.split(": ", 1) for line in header.msgstr.splitlines() if ": " in line)
    assert fields["Language"] == "vi"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 250, "the catalogue looks truncated"
    untranslated = [e.msgid for e in messages if not e.is_translated]
    fuzzy = [e.msgid for e in messages if "fuzzy" in e.flags]
    assert untranslated == [], f"{len(untranslated)} untranslated: {untranslated[:10]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: {fuzzy[:10]}"


def test_plural_entries_have_exactly_the_one_vietnamese_form(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals, "the templates use {% blocktranslate count %}: plural entries expected"
    for entry in plurals:
        assert list(entry.msgstr_plural) == [0], entry.msgid


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*[\w.]+\s*\}\}|\{\w*\}")


def test_translations_keep_every_placeholder(messages):
    for entry in messages:
        # Vietnamese has one plural form: it serves every count, so it carries the plural's
        # placeholders (an English singular may spell the number out: "One activity…").
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        expected = sorted(PLACEHOLDER.findall(source))
        for text in entry.translations:
            assert sorted(PLACEHOLDER.findall(text)) == expected, (entry.msgid, text)


def test_no_translation_is_the_english_left_in_place(messages):
    # Names and codes read the same in both languages; everything else must change.
    same_in_both = {"ASEAN"}
    unchanged = [e.msgid for e in messages if e.msgid not in same_in_both and e.msgstr == e.msgid]
    assert unchanged == []


# --- the catalogue holds every string the code marks ---------------------------------------

XGETTEXT_KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]
SKIPPED_DIRS = {"static", "staticfiles", "var", "node_modules", "test-results", "locale", "__pycache__"}


def _source_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") and not (rel == Path(".") and d in SKIPPED_DIRS)
        ]
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith((".py", ".html", ".txt")):
                yield Path(dirpath) / name


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_the_catalogue_holds_every_marked_string(tmp_path, po_entries):
    """What `make messages` would extract now is all in the committed catalogue."""
    from django.utils.translation.template import templatize

    root = Path(settings.BASE_DIR)
    files = []
    for path in _source_files(root):
        if path.suffix == ".py":
            files.append(str(path))
        else:
            rel = path.relative_to(root)
            target = tmp_path / (str(rel).replace(os.sep, "__") + ".py")
            target.write_text(templatize(path.read_text(encoding="utf-8"), origin=str(rel)), encoding="utf-8")
            files.append(str(target))
    result = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", "--output=-", *XGETTEXT_KEYWORDS, *files],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
    )
    extracted = {e.key for e in parse_po(result.stdout) if not e.is_header}
    assert len(extracted) > 250
    catalogue = {e.key for e in po_entries if not e.is_header}
    missing = sorted(msgid for _ctx, msgid in extracted - catalogue)
    assert missing == [], (
        f"{len(missing)} marked strings are not in the Vietnamese catalogue: run `make messages` "
        f"and translate them: {missing[:10]}"
    )


# The names xgettext extracts with Django's keywords: a translation function imported under any
# other name (`gettext_lazy as _lazy`) works at run time but its strings never reach the catalogue.
EXTRACTED_NAMES = {
    "_",
    "gettext",
    "ngettext",
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy",
    "pgettext",
    "npgettext",
    "pgettext_lazy",
    "npgettext_lazy",
}
TRANSLATION_FUNCTIONS = EXTRACTED_NAMES - {"_"}


@pytest.mark.slow
def test_translation_functions_are_imported_under_names_makemessages_extracts():
    root = Path(settings.BASE_DIR)
    hidden = []
    for path in _source_files(root):
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imports = [
            (node.lineno, alias)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
            for alias in node.names
        ]
        for lineno, alias in imports:
            if alias.name in TRANSLATION_FUNCTIONS and (alias.asname or alias.name) not in EXTRACTED_NAMES:
                hidden.append(f"{path.relative_to(root)}:{lineno} {alias.name} as {alias.asname}")
    assert hidden == [], f"strings behind these names are never extracted for translation: {hidden}"


# --- (c) the compiled catalogue matches the .po --------------------------------------------


def test_the_compiled_catalogue_holds_exactly_the_translations_of_the_po(messages):
    with MO_PATH.open("rb") as handle:
        compiled = gnu_gettext.GNUTranslations(handle)
    catalog = {k: v for k, v in compiled._catalog.items() if k != ""}
    translated = [e for e in messages if e.is_translated and "fuzzy" not in e.flags]
    expected = {}
    for entry in translated:
        base = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            expected[base] = entry.msgstr
        else:
            for index, text in entry.msgstr_plural.items():
                expected[(base, index)] = text
    assert len(catalog) == len(expected), "django.mo is stale: run `make messages` and commit it"
    assert catalog == expected, "django.mo differs from django.po: run `make messages` and commit it"
    assert compiled.plural(7) == 0
    assert compiled.info()["language"] == "vi"


# --- (b) the application's words come out in Vietnamese ------------------------------------


def test_navigation_words_are_translated():
    words = ["Activities", "Recommendation", "Recommendations", "Milestones", "Member states", "Bodies"]
    with translation.override("vi"):
        translated = {w: gettext(w) for w in words}
    for word, text in translated.items():
        assert text and text != word, word
    assert translated["Activities"] == "Hoạt động"
    assert translated["Member states"] == "Quốc gia thành viên"


def test_the_catalogue_keeps_to_the_glossary():
    with translation.override("vi"):
        got = {english: gettext(english) for english in GLOSSARY}
    assert got == GLOSSARY


@pytest.mark.parametrize(
    "choices", [ActivityStatus, Flag, MilestoneState, Role, Body.Kind, CountryFigure.Metric]
)
def test_choice_labels_are_translated(choices):
    with translation.override("en"):
        english = [str(label) for label in choices.labels]
    with translation.override("vi"):
        vietnamese = [str(label) for label in choices.labels]
    for en, vi in zip(english, vietnamese, strict=True):
        assert vi and vi != en, en


def test_status_and_milestone_state_labels_use_the_agreed_terms():
    with translation.override("vi"):
        statuses = {s.value: str(s.label) for s in ActivityStatus}
        states = {s.value: str(s.label) for s in MilestoneState}
        flags = {f.value: str(f.label) for f in Flag}
    assert statuses == {
        "not_started": "Chưa bắt đầu",
        "ongoing": "Đang thực hiện",
        "delayed": "Chậm tiến độ",
        "completed": "Hoàn thành",
        "discontinued": "Dừng thực hiện",
    }
    assert states == {
        "upcoming": "Sắp tới",
        "due_soon": "Sắp đến hạn",
        "overdue": "Quá hạn",
        "achieved_on_time": "Đạt đúng hạn",
        "achieved_late": "Đạt muộn",
    }
    assert flags == {"green": "Xanh", "amber": "Vàng", "red": "Đỏ"}


def _plan_models():
    for label in ("roadmap", "accounts"):
        for model in apps.get_app_config(label).get_models():
            if not model.__name__.startswith("Historical"):
                yield model


@pytest.mark.parametrize("model", list(_plan_models()), ids=lambda m: m.__name__)
def test_model_and_field_names_are_translated(model):
    own_fields = [
        f
        for f in model._meta.get_fields()
        if not f.auto_created
        and hasattr(f, "verbose_name")
        and (model.__name__ != "User" or f.name in {"role", "member_state", "body"})
    ]
    assert own_fields
    with translation.override("en"):
        english = [str(model._meta.verbose_name), str(model._meta.verbose_name_plural)]
        english += [str(f.verbose_name) for f in own_fields]
    with translation.override("vi"):
        vietnamese = [str(model._meta.verbose_name), str(model._meta.verbose_name_plural)]
        vietnamese += [str(f.verbose_name) for f in own_fields]
    untranslated = [en for en, vi in zip(english, vietnamese, strict=True) if en == vi]
    assert untranslated == [], model.__name__


def test_verbose_names_of_the_plan_read_in_vietnamese():
    from roadmap.models import Activity, Indicator, MemberState, Milestone, Recommendation

    with translation.override("vi"):
        names = {
            m.__name__: str(m._meta.verbose_name)
            for m in (Activity, Recommendation, Milestone, Indicator, MemberState, Body)
        }
    assert names == {
        "Activity": "hoạt động",
        "Recommendation": "khuyến nghị",
        "Milestone": "mốc",
        "Indicator": "chỉ số",
        "MemberState": "quốc gia thành viên",
        "Body": "cơ quan",
    }


def test_plural_messages_use_the_single_vietnamese_form():
    with translation.override("vi"):
        one = ngettext("%(counter)s activity", "%(counter)s activities", 1) % {"counter": 1}
        many = ngettext("%(counter)s activity", "%(counter)s activities", 12) % {"counter": 12}
    assert one == "1 hoạt động"
    assert many == "12 hoạt động"


@pytest.mark.django_db
def test_filter_labels_are_translated():
    with translation.override("vi"):
        labels = [str(f.label) for f in ActivityFilter().form.fields.values()]
        labels += [str(f.label) for f in MilestoneFilter().form.fields.values()]
    with translation.override("en"):
        english = [str(f.label) for f in ActivityFilter().form.fields.values()]
        english += [str(f.label) for f in MilestoneFilter().form.fields.values()]
    assert [en for en, vi in zip(english, labels, strict=True) if en == vi] == []


# --- (d) a user who switches to Vietnamese reads the pages in Vietnamese -------------------


@pytest.mark.django_db
def test_switching_to_vietnamese_translates_the_dashboard(client, focal_vn, plan, restore_language):
    client.force_login(focal_vn)
    dashboard = reverse("roadmap:dashboard")
    english = client.get(dashboard).content.decode()
    assert ">Recommendations</a>" in english and 'lang="en"' in english

    response = client.post(reverse("set_language"), {"language": "vi", "next": dashboard})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "vi"

    page = client.get(dashboard)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<html lang="vi">' in html
    for text in ["Bảng điều khiển", "Khuyến nghị", "Hoạt động", "Các mốc", "Quốc gia thành viên", "Cơ quan"]:
        assert f">{text}</a>" in html, text
    assert "Đăng xuất" in html and "Đổi mật khẩu" in html
    assert "Chưa bắt đầu" in html  # the status totals
    for english_word in [">Recommendations</a>", ">Milestones</a>", ">Member states</a>", "Log out"]:
        assert english_word not in html, english_word

    # The plan's own Vietnamese text is shown as well.
    activity_page = client.get(plan["activity"].get_absolute_url()).content.decode()
    assert "Thí điểm đánh giá mức độ sẵn sàng" in activity_page
    assert "Phần trăm hoàn thành" in activity_page

    client.post(reverse("set_language"), {"language": "en", "next": dashboard})
    assert ">Recommendations</a>" in client.get(dashboard).content.decode()


@pytest.mark.django_db
def test_the_login_page_switches_language_before_signing_in(client, restore_language):
    client.post(reverse("set_language"), {"language": "vi", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert "Đăng nhập" in html
    assert "Ban Thư ký ASEAN" in html
