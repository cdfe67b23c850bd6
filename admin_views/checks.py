"""Start-up checks of the admin configuration, in the manner of Django's system checks.

The role table, the team-lead presets and the authority rule are plain data that refer to
each other by name: a role grants operations on a *resource* (an admin endpoint), a preset
names a filter of the case list by its label and operation, and every class holding client
data needs a rule in ``models.scoping.RULES``. A typo in any of them used to surface only
while a page rendered (a ``StopIteration`` in the menu, a view nobody could open). These
checks run once when the app is built; a broken configuration refuses to start and says
what is wrong (docs/architecture.md, "Start-up checks").
"""

from dataclasses import dataclass

from models import db
from models.client import OwnedMixin
from models.scoping import RULES


class ConfigurationError(RuntimeError):
    """The admin configuration is inconsistent; the app must not start."""

    def __init__(self, problems: list["Problem"]):
        self.problems = problems
        lines = "\n".join(f"  - [{p.check}] {p.message}" for p in problems)
        super().__init__(
            f"Lotse startet nicht: die Konfiguration der Verwaltungsoberfläche hat "
            f"{len(problems)} Fehler.\n{lines}"
        )


@dataclass(frozen=True)
class Problem:
    check: str  # a short stable id, e.g. "roles.unknown-resource"
    message: str


def _resources(views) -> set[str]:
    return {getattr(view, "resource", "") or view.endpoint for view in views}


def check_role_table(permissions: dict, views, known_operations: frozenset[str]) -> list[Problem]:
    """Every resource a role is granted is an admin view; every operation is a known one."""
    problems = []
    resources = _resources(views)
    for role, grants in sorted(permissions.items()):
        for resource, ops in sorted(grants.items()):
            if resource not in resources:
                problems.append(
                    Problem(
                        "roles.unknown-resource",
                        f"Rolle „{role}“ hat Rechte an „{resource}“, aber keine Ansicht "
                        f"hat diesen Endpunkt (bekannt: {', '.join(sorted(resources))}).",
                    )
                )
            for op in sorted(set(ops) - known_operations):
                problems.append(
                    Problem(
                        "roles.unknown-operation",
                        f"Rolle „{role}“ hat an „{resource}“ die unbekannte Operation „{op}“.",
                    )
                )
    return problems


def check_presets(presets, views_by_endpoint: dict, msgid) -> list[Problem]:
    """Every preset link names an existing filter of its list and an existing sort column."""
    problems = []
    for name, filters, sort_column in presets:
        endpoint = "need" if sort_column == "need_area" else "case"
        view = views_by_endpoint.get(endpoint)
        if view is None:
            problems.append(
                Problem(
                    "presets.unknown-view",
                    f"Voreinstellung „{msgid(name)}“: keine Liste „{endpoint}“.",
                )
            )
            continue
        available = {(msgid(f.name), msgid(f.operation())) for f in view._filters or ()}
        for label, operation, _value in filters:
            if (label, operation) not in available:
                problems.append(
                    Problem(
                        "presets.unknown-filter",
                        f"Voreinstellung „{msgid(name)}“: die Liste „{endpoint}“ hat keinen "
                        f"Filter „{label}“ mit der Operation „{operation}“.",
                    )
                )
        if sort_column and sort_column not in {col for col, _label in view._list_columns}:
            problems.append(
                Problem(
                    "presets.unknown-sort-column",
                    f"Voreinstellung „{msgid(name)}“: die Liste „{endpoint}“ hat keine "
                    f"Spalte „{sort_column}“ zum Sortieren.",
                )
            )
    return problems


def _mapped_classes():
    return [mapper.class_ for mapper in db.Model.registry.mappers]


def check_scoping(rules: dict = RULES, classes=None) -> list[Problem]:
    """Every class holding client data (``OwnedMixin``) has a rule of the authority rule."""
    classes = _mapped_classes() if classes is None else classes
    return [
        Problem(
            "scoping.missing-rule",
            f"„{cls.__name__}“ enthält Klientendaten (OwnedMixin), hat aber keine Regel in "
            "models.scoping.RULES: niemand dürfte die Zeilen sehen, oder alle.",
        )
        for cls in sorted(classes, key=lambda c: c.__name__)
        if issubclass(cls, OwnedMixin) and cls not in rules
    ]


def run_checks(*, permissions, views, known_operations, presets, msgid) -> None:
    """Run every check; raise ``ConfigurationError`` listing all problems found."""
    views_by_endpoint = {view.endpoint: view for view in views}
    problems = [
        *check_role_table(permissions, views, known_operations),
        *check_presets(presets, views_by_endpoint, msgid),
        *check_scoping(),
    ]
    if problems:
        raise ConfigurationError(problems)
