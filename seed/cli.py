"""The ``flask`` commands of docs/design.md §6: ``seed …``, ``users …`` and ``privacy …``."""

from .commands import seed
from .privacy import privacy
from .users import users


def init_cli(app) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(users)
    app.cli.add_command(privacy)
