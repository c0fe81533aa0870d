"""The Simplified Chinese catalogue is complete, keeps its placeholders, is compiled, and
covers every translatable string in the code and templates.

When a test here fails after a string was added or changed, regenerate and translate:

    .venv/bin/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv \
        --ignore=node_modules --ignore=static --ignore=staticfiles --ignore=tests
    (translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po)
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
PO_PATH = BASE_DIR / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# The folders the documented makemessages command leaves out, plus what never holds
# translatable source (the catalogues themselves, uploads, build metadata, the database).
IGNORED_TOP_LEVEL = {
    "node_modules",
    "static",
    "staticfiles",
    "tests",
    "locale",
    "media",
    "test-results",
}

PERCENT_PLACEHOLDER = re.compile(
    r"%(?:\([^)]+\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]"
)
DOUBLE_BRACE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
SINGLE_BRACE = re.compile(r"\{[^{}\s]*\}")


def _percent_placeholders(text: str) -> set[str]:
    return set(PERCENT_PLACEHOLDER.findall(text.replace("%%", "")))


def _brace_placeholders(text: str) -> set[str]:
    doubles = {f"{{{{ {name} }}}}" for name in DOUBLE_BRACE.findall(text)}
    singles = set(SINGLE_BRACE.findall(DOUBLE_BRACE.sub("", text)))
    return doubles | singles


def _key(entry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def _translation(entry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


def _describe(keys) -> str:
    return "\n".join(
        f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "")
        for ctx, msgid, _ in sorted(keys, key=lambda k: (k[1], k[0] or ""))
    )


@pytest.fixture(scope="module")
def po():
    assert PO_PATH.exists(), f"{PO_PATH} is missing; run makemessages -l {LOCALE}."
    return polib.pofile(str(PO_PATH))


def test_po_header_declares_chinese_with_one_plural_form(po):
    assert po.metadata.get("Language") == LOCALE
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert not po.metadata_is_fuzzy, "The header of django.po is still marked fuzzy."


def test_every_entry_is_translated(po):
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    assert not untranslated, "Untranslated entries in django.po:\n" + "\n".join(
        f"  {msgid!r}" for msgid in untranslated
    )


def test_no_fuzzy_entry(po):
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not fuzzy, "Fuzzy entries in django.po (check, then remove the flag):\n" + "\n".join(
        f"  {msgid!r}" for msgid in fuzzy
    )


def test_no_obsolete_entry(po):
    obsolete = [entry.msgid for entry in po.obsolete_entries()]
    assert not obsolete, "Obsolete (#~) entries in django.po; delete them:\n" + "\n".join(
        f"  {msgid!r}" for msgid in obsolete
    )


def test_plural_entries_have_exactly_one_form(po):
    wrong = [e.msgid for e in po if e.msgid_plural and sorted(e.msgstr_plural) != [0]]
    assert not wrong, f"Chinese has one plural form; fill msgstr[0] only: {wrong}"


def test_translations_keep_placeholders(po):
    problems = []
    for entry in po.translated_entries():
        # With one plural form, the only form is used for every count, so it needs the
        # plural source's placeholders.
        source = entry.msgid_plural or entry.msgid
        for text in _translation(entry):
            if "python-format" in entry.flags:
                expected, got = _percent_placeholders(source), _percent_placeholders(text)
                if expected != got:
                    problems.append(f"  {entry.msgid!r}: expected {expected}, got {got}")
            expected, got = _brace_placeholders(source), _brace_placeholders(text)
            if expected != got:
                problems.append(f"  {entry.msgid!r}: expected {expected}, got {got}")
    assert not problems, "Placeholders changed in translation:\n" + "\n".join(problems)


def test_mo_is_compiled_from_po(po):
    assert MO_PATH.exists(), f"{MO_PATH} is missing; run compilemessages -l {LOCALE}."
    mo = polib.mofile(str(MO_PATH))
    compiled = {_key(entry): _translation(entry) for entry in mo if entry.msgid}
    source = {_key(entry): _translation(entry) for entry in po.translated_entries()}
    stale = {key for key in compiled.keys() | source.keys() if compiled.get(key) != source.get(key)}
    assert not stale, (
        "django.mo does not match django.po; run compilemessages. Entries that differ:\n"
        + _describe(stale)
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def _copy_sources(destination: Path) -> None:
    """Copy what makemessages reads (apps, templates, manage.py) into ``destination``."""
    ignore_files = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    for item in BASE_DIR.iterdir():
        name = item.name
        if (
            name.startswith(".")
            or name in IGNORED_TOP_LEVEL
            or name.endswith(".egg-info")
            or name.endswith(".sqlite3")
        ):
            continue
        if item.is_dir():
            shutil.copytree(item, destination / name, ignore=ignore_files, symlinks=True)
        elif item.is_file():
            shutil.copy2(item, destination / name)


def test_po_holds_exactly_the_strings_of_the_code(po, tmp_path):
    """Run makemessages on a copy of the sources, so the repository's catalogue is never
    touched, and compare its msgids with the committed ones."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext's xgettext is not installed (apt-get install gettext).")
    project = tmp_path / "project"
    project.mkdir()
    _copy_sources(project)
    assert (project / "manage.py").exists()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "office.settings"}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            LOCALE,
            "--no-location",
            "--ignore=.venv",
            "--ignore=node_modules",
            "--ignore=static",
            "--ignore=staticfiles",
            "--ignore=tests",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    generated_path = project / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
    assert generated_path.exists(), result.stdout + result.stderr
    generated = {_key(entry) for entry in polib.pofile(str(generated_path))}
    committed = {_key(entry) for entry in po if not entry.obsolete}
    missing = generated - committed
    extra = committed - generated
    assert not missing, (
        "Strings in the code with no entry in django.po (run makemessages, translate, "
        "compilemessages):\n" + _describe(missing)
    )
    assert not extra, (
        "Entries in django.po that no code uses any more (run makemessages, then delete "
        "the obsolete entries):\n" + _describe(extra)
    )


@pytest.fixture
def web_client():
    # LocaleMiddleware leaves the request's language active in the thread; put the previous
    # one back so later tests are not run in English.
    with translation.override(translation.get_language()):
        yield Client()


def test_sign_in_page_is_chinese_by_default(web_client):
    response = web_client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "登录" in content
    assert "困难群众基本生活保障工作协调机制办公室" in content


def test_sign_in_page_in_english_with_language_cookie(web_client):
    web_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = web_client.get("/accounts/login/")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Sign in" in content
    assert "登录" not in content
