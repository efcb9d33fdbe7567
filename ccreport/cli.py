"""Command line (placeholder while the foundation lands)."""

import click


@click.group()
def main() -> None:
    """ccreport."""
