"""The repair log one normalisation fills in: repairs in order, plus warnings.

A small mutable accumulator private to the urls step; the public result
(`audit.models.Normalized`) is frozen and built from it at the end.
"""

from __future__ import annotations

from audit.models import Confidence, Normalized, Repair, UrlKind

EXACT = Confidence.EXACT

# Ordering of confidences, weakest claim last: the overall confidence of a
# result is the weakest confidence among its repairs.
_RANK = {Confidence.EXACT: 0, Confidence.REPAIRED: 1, Confidence.GUESS: 2}


class RepairLog:
    """Repairs and warnings gathered while normalising one citation."""

    __slots__ = ("alternatives", "repairs", "warnings")

    def __init__(self) -> None:
        self.repairs: list[Repair] = []
        self.warnings: list[str] = []
        self.alternatives: list[str] = []  # other readings, as citation text

    def alternative(self, citation: str) -> None:
        if citation not in self.alternatives:
            self.alternatives.append(citation)

    def add(self, rule: str, detail: str, confidence: Confidence = Confidence.REPAIRED) -> None:
        self.repairs.append(Repair(rule, detail, confidence))

    def warn(self, warning: str) -> None:
        if warning not in self.warnings:
            self.warnings.append(warning)

    def extend(self, repairs: tuple[Repair, ...], warnings: tuple[str, ...]) -> None:
        self.repairs.extend(repairs)
        for warning in warnings:
            self.warn(warning)

    def confidence(self) -> Confidence:
        worst = Confidence.EXACT
        for repair in self.repairs:
            if _RANK[repair.confidence] > _RANK[worst]:
                worst = repair.confidence
        return worst

    def fail(self, text: str, error: str, kind: UrlKind = UrlKind.NOT_A_URL) -> Normalized:
        """A result without a URL: `error` says why (errors are data)."""
        return Normalized(
            input=text,
            url=None,
            display=None,
            key=None,
            repairs=tuple(self.repairs),
            confidence=self.confidence(),
            warnings=tuple(self.warnings),
            kind=kind,
            error=error,
        )

    def result(self, text: str, url: str, display: str, key: str, kind: UrlKind) -> Normalized:
        """A repaired URL with this log's repairs, confidence and warnings."""
        return Normalized(
            input=text,
            url=url,
            display=display,
            key=key,
            repairs=tuple(self.repairs),
            confidence=self.confidence(),
            warnings=tuple(self.warnings),
            kind=kind,
        )
