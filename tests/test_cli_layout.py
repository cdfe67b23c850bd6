"""The ``flask`` commands of docs/design.md §6 live in the ``cli`` package, by topic; ``seed``
holds the loading code they call, and no command."""

import importlib
import pkgutil

import click

import cli
import seed

# The interface of docs/design.md §6: groups, their commands, and each command's options.
COMMANDS = {
    "seed": {
        "reference": ["--dir", "--dry-run", "--deactivate-missing"],
        "export": ["--dir"],
        "demo": ["--cases", "--random-seed", "--reference-date"],
        "first-run": [],
    },
    "users": {
        "create": ["email", "--name", "--role", "--authority", "--password-stdin", "--locale"],
        "deactivate": ["email"],
        "list": ["--authority"],
        "reset-password": ["email", "--password-stdin"],
        "set-role": ["email", "role", "--by", "--password-stdin"],
        "role-requests": [],
        "confirm-role": ["grant_id", "--by", "--password-stdin"],
        "reject-role": ["grant_id", "--by", "--password-stdin"],
        "reset-2fa": ["email"],
    },
    "privacy": {
        "export": ["client_number", "--out", "--zip"],
        "purge": ["--dry-run"],
        "register": ["--format", "--output"],
    },
    "audit": {
        "verify": [],
    },
}
TOPICS = {"seed": "cli.seed", "users": "cli.users", "privacy": "cli.privacy", "audit": "cli.audit"}


def _parameters(command: click.Command) -> list[str]:
    return [
        max(param.opts, key=len) if isinstance(param, click.Option) else param.name
        for param in command.params
        if param.name != "help"
    ]


def test_the_app_registers_the_command_groups_of_the_cli_package(app):
    groups = {name: app.cli.get_command(None, name) for name in COMMANDS}
    for name, group in groups.items():
        assert isinstance(group, click.Group), name
        assert group.callback.__module__ == TOPICS[name]
        assert {sub: _parameters(cmd) for sub, cmd in group.commands.items()} == COMMANDS[name]
        for command in group.commands.values():
            assert command.callback.__module__ == TOPICS[name], command.name
    assert {group.name for group in cli.GROUPS} == set(COMMANDS)


def test_the_seed_package_defines_no_command():
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(seed.__path__, prefix="seed.")
    ]
    assert "seed.demo" in {module.__name__ for module in modules}
    defined = [
        f"{module.__name__}.{name}"
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, click.Command)
    ]
    assert defined == []
