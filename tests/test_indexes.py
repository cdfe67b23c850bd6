"""Every foreign key column can be found by an index (docs/design.md §2, §11)."""

from models import db


def _indexed_prefixes(table):
    """Column tuples that lead an index, the primary key or a unique constraint."""
    leading = set()
    for index in table.indexes:
        leading.add(index.columns.keys()[0])
    for constraint in table.constraints:
        columns = getattr(constraint, "columns", None)
        if columns is not None and len(columns) and not hasattr(constraint, "elements"):
            leading.add(columns.keys()[0])
    for column in table.columns:
        if column.index or column.unique:
            leading.add(column.key)
    return leading


def test_every_foreign_key_column_leads_an_index():
    missing = []
    for table in db.metadata.sorted_tables:
        leading = _indexed_prefixes(table)
        for fk in table.foreign_key_constraints:
            first = fk.columns.keys()[0]
            if first not in leading:
                missing.append(f"{table.name}.{first}")
    assert not missing


def test_owned_tables_have_an_authority_led_index():
    owned = [t for t in db.metadata.sorted_tables if "authority_id" in t.columns]
    for table in owned:
        assert "authority_id" in _indexed_prefixes(table), table.name
