"""The ``flask`` commands of DESIGN.md §6: ``seed …`` and ``users …``."""

from .commands import seed
from .users import users


def init_cli(app) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(users)
