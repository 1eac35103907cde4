"""Fill config/locale/fr/LC_MESSAGES/django.po from fr_translations.json, then compile it.

Run after `manage.py makemessages -l fr`: `python config/locale/fill.py`. Entries without
French stay empty, and tests/web/test_translations.py fails on them.
"""

from __future__ import annotations

import json
from pathlib import Path

import polib

HERE = Path(__file__).resolve().parent
# msgid → French; a plural entry is a [singular, plural] pair.
FR: dict[str, str | list[str]] = json.loads(
    (HERE / "fr_translations.json").read_text(encoding="utf-8")
)


def main() -> None:
    path = HERE / "fr" / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path))
    po.metadata["Language"] = "fr"
    po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    # A message no longer in the code (makemessages keeps it as "#~") goes: the .mo
    # would not carry it, and the test comparing .po and .mo would fail.
    for entry in po.obsolete_entries():
        po.remove(entry)
    for entry in po:
        # A message with a context may have its own French, keyed "context\x04msgid"
        # (gettext's own notation); else the msgid's French serves.
        french = FR.get(f"{entry.msgctxt}\x04{entry.msgid}") if entry.msgctxt else None
        french = FR.get(entry.msgid) if french is None else french
        if french is None:
            continue
        if entry.msgid_plural:
            one, many = french if isinstance(french, list) else (french, french)
            entry.msgstr_plural = {0: one, 1: many}
        else:
            assert isinstance(french, str), entry.msgid
            entry.msgstr = french
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save(str(path))
    po.save_as_mofile(str(path.with_suffix(".mo")))


if __name__ == "__main__":
    main()
