"""The ``flask`` commands of docs/design.md §6, by topic: ``seed …`` (reference and demo
data), ``users …`` (accounts for IT staff) and ``privacy …`` (subject access, retention).

The commands parse and report; the work is done by ``seed`` (loading data) and ``services``.
"""

from .privacy import privacy
from .seed import seed
from .users import users

GROUPS = (seed, users, privacy)


def init_cli(app) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
