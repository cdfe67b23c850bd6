"""The steering workflow of structural issues (docs/design.md §3 and §5, "Steuerung").

A structural issue starts as reported and moves on only along ``NEXT_STATUS``. The admin
view, the tests and any import use these checks; a view turns ``IssueWorkflowError`` into
its form error.
"""

from flask_babel import gettext as _

from models.choices import ISSUE_STATUS

FIRST_STATUS = "reported"

# Which status may follow which.
NEXT_STATUS = {
    "reported": {"in_discussion", "rejected"},
    "in_discussion": {"measure_agreed", "rejected", "reported"},
    "measure_agreed": {"resolved", "in_discussion"},
    "resolved": {"in_discussion"},
    "rejected": {"in_discussion"},
}


class IssueWorkflowError(ValueError):
    """A status the workflow does not allow; the message is in the user's language."""


def check_new_issue(status: str) -> None:
    if status != FIRST_STATUS:
        raise IssueWorkflowError(_("Eine neue Systemlücke beginnt mit dem Status „gemeldet“."))


def check_status_change(before: str, after: str) -> None:
    if after != before and after not in NEXT_STATUS.get(before, set()):
        raise IssueWorkflowError(
            _(
                "Der Status kann nicht von „%(before)s“ zu „%(after)s“ wechseln.",
                before=ISSUE_STATUS.label(before),
                after=ISSUE_STATUS.label(after),
            )
        )
