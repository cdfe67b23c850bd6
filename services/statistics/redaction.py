"""Redaction of free text: names, numbers, dates, e-mail addresses and phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable

# -- redaction ------------------------------------------------------------------------------

REDACTED = "[…]"
_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
        r"\b[A-Z0-9ÄÖÜ]+(?:-[A-Z0-9ÄÖÜ]+)*-\d{4}-\d+\b",  # client and case numbers
        r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?\b",  # IBAN
        r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b",  # dates 01.02.1990
        r"\b\d{4}-\d{2}-\d{2}\b",  # dates 1990-02-01
        r"(?<![\w])\+?\d[\d\s/()-]{5,}\d",  # phone numbers and other long digit runs
        r"\b\d{4,}\b",  # file numbers, postcodes, years of birth
    )
]


def _name_words(names: Iterable[str | None]) -> list[str]:
    words = set()
    for name in names:
        for word in re.split(r"[\s,;/]+", name or ""):
            word = word.strip(".-'’()")
            if len(word) >= 2:
                words.add(word)
    return sorted(words, key=len, reverse=True)


def redact(text: str | None, names: Iterable[str | None] = ()) -> str:
    """``text`` with names, numbers, dates, e-mail addresses and phone numbers removed."""
    text = text or ""
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    words = _name_words(names)
    if words:
        alternatives = "|".join(re.escape(word) for word in words)
        text = re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()
