"""Disclosure control: figures across authorities never show a small number."""

from __future__ import annotations

from dataclasses import dataclass

MIN_CELL = 5  # cells across authorities below this show as "< 5"

# -- protection of small numbers ------------------------------------------------------------

SMALL = "small"  # the cell itself is under MIN_CELL
DIFFERENCE = "difference"  # total minus the reader's own figure would be a small number
FEW_VALUES = "few_values"  # a median or share over fewer than MIN_CELL values


@dataclass(frozen=True)
class Cell:
    """A figure as shown: a number, or the reason it is withheld."""

    value: float | int | None
    withheld: str | None = None

    @property
    def shown(self) -> bool:
        return self.withheld is None and self.value is not None


def exact(value) -> Cell:
    return Cell(value)


def protect(total: int, own: int | None = None) -> Cell:
    """A count across authorities, safe to show to a reader whose own figure is ``own``.

    Under ``MIN_CELL`` it is withheld ("< 5"). So is a total whose difference to the own
    figure is a small positive number: that difference is what the other authorities
    together have, and with few authorities it may be one authority's small number.
    """
    total = int(total or 0)
    if total < MIN_CELL:
        return Cell(None, SMALL)
    if own is not None and 0 < total - int(own or 0) < MIN_CELL:
        return Cell(None, DIFFERENCE)
    return Cell(total)


def protect_median(median: float | None, n: int) -> Cell:
    if median is None or n < MIN_CELL:
        return Cell(None, FEW_VALUES)
    return Cell(median)
