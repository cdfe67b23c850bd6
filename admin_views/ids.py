"""Row ids as requests name them: a number within the id columns' range, or no row."""

# Row ids are INTEGER columns (int4 on PostgreSQL): a larger number names no row, and as a
# query parameter it would overflow SQLite's integers or PostgreSQL's int4.
MAX_ID = 2**31 - 1


def parse_id(value) -> int | None:
    """The row id a request names (ASCII digits within ``MAX_ID``), else ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > MAX_ID:
        return None
    return int(text)
