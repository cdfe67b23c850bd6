"""``flask seed reference|demo|export``."""

import click


@click.group(help="Referenz- und Demodaten laden.")
def seed():
    pass
