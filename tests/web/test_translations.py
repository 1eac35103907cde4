"""Every message of the web side has its French (issue 11, item 5).

Fails when the French catalogue has an empty or fuzzy entry, when the committed .mo is not
the compiled .po, or when `makemessages` would extract a message the catalogue lacks (a
string added to a template or to Python code without its French)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command

from tests.support.services import need_service

LOCALE = Path(settings.BASE_DIR) / "config" / "locale" / "fr" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
APPS = ["config", "roadmap", "signals", "scoring"]


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_french_message_is_translated_and_not_fuzzy():
    po = _catalogue()
    assert len(po) > 200
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert missing == [], f"messages without French: {missing}"
    assert fuzzy == [], f"fuzzy French messages: {fuzzy}"
    assert po.percent_translated() == 100


def test_the_committed_mo_is_the_compiled_po():
    po = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in _catalogue()}
    mo = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(MO))}
    assert mo == po, "run: python config/locale/fill.py (or manage.py compilemessages)"


def test_makemessages_finds_no_message_without_french(tmp_path, settings, monkeypatch):
    """Extract the messages afresh into a temporary folder and compare msgids."""
    need_service("gettext", shutil.which("xgettext") is not None, "apt-get install gettext")
    # On a copy of the sources without the catalogue: makemessages writes into any
    # `locale` folder it walks through, and must not touch the committed one.
    source = tmp_path / "src"
    for app in APPS:
        shutil.copytree(
            Path(settings.BASE_DIR) / app,
            source / app,
            ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "migrations"),
        )
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(source)
    call_command("makemessages", locale=["fr"], no_location=True, verbosity=0)
    fresh = polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    extracted = {(e.msgctxt, e.msgid) for e in fresh}
    known = {(e.msgctxt, e.msgid) for e in _catalogue() if e.translated()}
    new = sorted(msgid for _, msgid in extracted - known)
    assert new == [], (
        "messages without French (run makemessages -l fr, then add them to "
        f"config/locale/fr_translations.json and run config/locale/fill.py): {new}"
    )
