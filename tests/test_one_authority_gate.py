"""The authority rule is the only authority gate: a scan of the source (docs/design.md §4).

``models/scoping/`` decides which rows of client data an authority sees. A filter written
by hand elsewhere (``Case.authority_id == current_user.authority_id``) either repeats the
rule, and drifts from it, or contradicts it (it would hide shared cases, or show foreign
ones under an unscoped context). This test reads the project's modules and fails on:

- a comparison of a client-data class's ``authority_id`` with a value (``Client.authority_id
  == x``, ``!=``, ``.in_(…)``, ``filter_by(authority_id=…)``), anywhere but the rule's
  package; a join condition between two rows' ``authority_id`` columns is not a gate and is
  allowed;
- any comparison with the logged-in user's or the scope's authority in the views
  (``… == current_user.authority_id``): a view asks the rule (``scoping.is_own``,
  ``scoping.owned_by``) instead;
- a view that tests a role (``current_user.role == "team_lead"``, ``… .role in …``): views
  ask the role table (``allowed(resource, operation)``), which lives in
  ``admin_views/permissions.py``.
"""

import ast
from pathlib import Path

from models import db
from models.client import OwnedMixin

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "services", "admin_views", "seed", "cli")
MODULES = ("app.py", "config.py")
RULE_MODULE = ROOT / "models" / "scoping"  # the rule's package: every module in it
AUTHORITY_COLUMNS = {"authority_id", "owner_authority_id"}


def _client_data_classes() -> set[str]:
    return {
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, OwnedMixin)
    }


def _project_files():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))
    for module in MODULES:
        yield ROOT / module


def _authority_column(node) -> ast.Attribute | None:
    if isinstance(node, ast.Attribute) and node.attr in AUTHORITY_COLUMNS:
        return node
    return None


def _base_name(node: ast.Attribute) -> str | None:
    value = node.value
    return value.id if isinstance(value, ast.Name) else None


def _is_current_authority(node) -> bool:
    """``current_user.authority_id`` or ``scope.authority_id``/``current_scope().…``."""
    column = _authority_column(node)
    if column is None:
        return False
    value = column.value
    if isinstance(value, ast.Name):
        return value.id in {"current_user", "scope"}
    return isinstance(value, ast.Call) and getattr(value.func, "id", "") == "current_scope"


class _Gates(ast.NodeVisitor):
    def __init__(self, path: Path, root: Path, client_classes: set[str]):
        self.path, self.client_classes = path.relative_to(root), client_classes
        self.in_views = self.path.parts[0] == "admin_views"
        self.found: list[str] = []

    def _flag(self, node, why: str):
        self.found.append(f"{self.path}:{node.lineno}: {why}")

    def _is_client_column(self, node) -> bool:
        column = _authority_column(node)
        return column is not None and _base_name(column) in self.client_classes

    def visit_Compare(self, node):
        operands = [node.left, *node.comparators]
        if self.in_views and any(
            isinstance(o, ast.Attribute) and o.attr == "role" for o in operands
        ):
            self._flag(node, "a view tests a role instead of asking the role table")
        columns = [o for o in operands if _authority_column(o) is not None]
        if any(self._is_client_column(o) for o in operands) and len(columns) < len(operands):
            self._flag(node, "client data filtered by authority by hand")
        elif self.in_views and columns and any(_is_current_authority(o) for o in operands):
            self._flag(node, "a view compares with the user's authority by hand")
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in {"in_", "not_in"} and self._is_client_column(func.value):
                self._flag(node, "client data filtered by authority by hand (in_)")
            if func.attr == "filter_by" and any(k.arg in AUTHORITY_COLUMNS for k in node.keywords):
                self._flag(node, "filter_by on an authority column")
        self.generic_visit(node)


def scan(paths, client_classes, root: Path = ROOT) -> list[str]:
    found = []
    for path in paths:
        if path.is_relative_to(RULE_MODULE):
            continue
        gates = _Gates(path, root, client_classes)
        gates.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(gates.found)
    return found


def test_no_hand_written_authority_filter_outside_the_rule():
    found = scan(_project_files(), _client_data_classes())
    assert found == [], "authority filters outside models/scoping/:\n" + "\n".join(found)


def test_the_scan_finds_what_it_is_meant_to_find(tmp_path):
    views = tmp_path / "admin_views"
    views.mkdir()
    bad = views / "bad.py"
    bad.write_text(
        "select(Case).where(Case.authority_id == current_user.authority_id)\n"
        "q.filter(Client.authority_id != 3)\n"
        "q.where(Goal.authority_id.in_(ids))\n"
        "q.filter_by(authority_id=1)\n"
        "if issue.authority_id != current_user.authority_id: pass\n"
        # Allowed: a join between two rows, and a user compared with another user.
        "join(Case, Case.authority_id == part.authority_id)\n"
        "select(User).where(User.authority_id == authority_id)\n"
        "if current_user.role in {'team_lead'}: pass\n",
        encoding="utf-8",
    )
    found = scan([bad], {"Case", "Client", "Goal"}, root=tmp_path)
    assert [line.split(":")[1] for line in found] == ["1", "2", "3", "4", "5", "8"]
