"""Reference data from ``seed/data/*.yaml``: validated as a whole, then loaded in one go.

One file per reference table (``municipalities.yaml``, ``authorities.yaml``, ...). Each file is
a YAML list of records; a record is identified by its ``code``. Loading

* reads and validates every file before anything is written: YAML syntax, unknown keys,
  missing or mistyped fields, unknown enumeration values, duplicate codes and references to
  unknown codes. Every error names the file, the line and the code;
* then plans, per table, which records to create, update and (only when asked) deactivate;
* and applies the plan to the caller's session without committing, so the caller decides
  about commit (the command) or rollback (``--dry-run``, errors). Nothing is ever deleted.

A table whose file is absent is left alone. References may name codes of the files or codes
already in the database. Record fields that a file leaves out take their defaults
(``active: true``, ``position``: the place in the file), so the files are the whole truth for
the tables they cover, and ``export_reference`` writes the same format back.
"""

from .apply import LoadReport, TableReport, load_reference
from .export import export_reference
from .tables import DATA_DIR, TABLES, TABLES_BY_NAME, Field, Table
from .validation import LoadError, Record, ReferenceDataError, read_reference

__all__ = [
    "DATA_DIR",
    "TABLES",
    "TABLES_BY_NAME",
    "Field",
    "LoadError",
    "LoadReport",
    "Record",
    "ReferenceDataError",
    "Table",
    "TableReport",
    "export_reference",
    "load_reference",
    "read_reference",
]
