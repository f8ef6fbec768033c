"""Which cells of an exported workbook a person changed before sending it back.

A workbook that comes back through an import (the ledger: units fill it in
and upload it) carries, in a hidden column of each row, the row's key and a
fingerprint of every cell as the export wrote it: ``v1:<key>:`` and eight
characters (a 48-bit BLAKE2 hash, base64url) per cell. On the way back a cell
whose value gives the same fingerprint is one nobody touched: it means "no
change", whatever the database says by now. A cell whose fingerprint differs
was edited in the file.

Why in the file, and why hashes:

- The file is what the person saw. It may come back weeks later, after the
  item has moved on (approved, reopened, re-dated) or from a copy of a copy;
  the stamp travels with each row, also when rows are sorted, filtered or
  pasted into another export. Comparing with the database's history "as of
  the export" would need the export's moment to mean one state of every row,
  which a long background export does not give, and every write to have left
  its history row.
- Hashes, not the values: a fixed ~200 characters a row, never near Excel's
  32,767 characters a cell, whatever the texts; the visible cells are the
  values.
- A stamp is not trusted for anything but "did this cell change": an import
  still checks every change it makes against the rules of the database as it
  is, so a forged or damaged stamp can only make an edit look like one (or
  not), never allow a change the person could not type into the cell. A row
  without a stamp, or with one for another key or another layout version, is
  compared with what the export would write now.

Values are compared as the reader gives them back (``canonical``): text
trimmed with Excel's line breaks, dates as 2026-12-31 however typed, whole
numbers without their ".0".
"""

import base64
import datetime
import hashlib

from django.utils import timezone

from core import spreadsheets
from core.exporting import xml_text

VERSION = "v1"
DIGEST_BYTES = 6
DIGEST_CHARS = 8  # base64 of 6 bytes, no padding


def canonical(value, kind: str = "text") -> str:
    """A cell's value as a comparable text: what the export wrote and what a reader gives back
    for it compare equal."""
    if value is None:
        return ""
    if kind in ("date", "datetime"):
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M") if kind == "datetime" else value.date().isoformat()
        try:
            parsed = spreadsheets.date(value)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed.isoformat()
    if kind == "int":
        try:
            number = spreadsheets.integer(value)
        except ValueError:
            number = None
        if number is not None:
            return str(number)
    if isinstance(value, str):
        value = xml_text(value)  # what the export writes of it
    text = spreadsheets.text(value)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.blake2b(text.encode(), digest_size=DIGEST_BYTES).digest()).decode()


def stamp(key, texts: list[str]) -> str:
    """The hidden cell of one row: its key and the fingerprints of its canonical cell texts."""
    return f"{VERSION}:{key}:" + "".join(digest(text) for text in texts)


def read_stamp(value, key, count: int) -> list[str] | None:
    """The fingerprints a row's hidden cell holds for ``count`` cells, or None when it has none,
    is damaged, or belongs to another key (a row whose key was typed over) or layout version."""
    if not isinstance(value, str):
        return None
    parts = value.strip().split(":", 2)
    if len(parts) != 3 or parts[0] != VERSION or parts[1] != str(key) or len(parts[2]) != count * DIGEST_CHARS:
        return None
    blob = parts[2]
    return [blob[i:i + DIGEST_CHARS] for i in range(0, len(blob), DIGEST_CHARS)]
