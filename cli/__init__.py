"""The ``flask`` commands of docs/design.md §6, by topic: ``seed …`` (reference and demo
data), ``users …`` (accounts for IT staff), ``privacy …`` (subject access, retention) and
``audit …`` (the audit trail's hash chain); ``db backup|restore`` join Flask-Migrate's ``db``.

The commands parse and report; the work is done by ``seed`` (loading data) and ``services``.
"""

from .audit import audit
from .backup import init_db_commands
from .privacy import privacy
from .seed import seed
from .users import users

GROUPS = (seed, users, privacy, audit)


def init_cli(app) -> None:
    for group in GROUPS:
        app.cli.add_command(group)
    init_db_commands()
