"""Parameters in the decision: a label whose reading is below (`classifier.entries.reading`: its entries' lines that
the text states something about are below, none is met and none is undecided) is not flagged; it stays uncertain
with the reason ("below 6A005.d.3.a: 4 kW, needs > 15 kilowatt").

Text that points to special design for a military or controlled use ("specially designed", "missile", 军用, ミサイル)
never reads below; marketing puffery ("military grade", "MIL-STD-810", "built like military gear", 军工级,
軍用並みの堅牢設計) is not such a sign. How far to trust the rule is learned per label on validation: a label is
demoted only where the rule was right there, and dual-use recall stays at its target.
"""

from __future__ import annotations

import re

import numpy as np

SPECIAL_DESIGN = re.compile(
    r"specially designed|military(?![- ]?(?:grade|standard|spec|style|look|tough|inspired|green|gear))|missile|munition|"
    r"warhead|weapon|军用(?!级|标准)|軍用(?!並み|規格並み|レベル)|军工(?!级|品质)|军品|导弹|弹药|武器|ミサイル|兵器|防衛省|自衛隊",
    re.IGNORECASE,
)
MIN_PRECISION = 0.8  # on validation, the share of a label's demotions that were right
MIN_SUPPORT = 2  # demotions seen on validation before a label's rule is trusted


class ParameterCheck:
    """Which labels the below-threshold rule demotes, learned on validation (fitted state ends in `_`)."""

    def __init__(self, min_precision: float = MIN_PRECISION, min_support: int = MIN_SUPPORT):
        self.min_precision = min_precision
        self.min_support = min_support

    def fit(self, fired: list[tuple[int, str]], truth: list[set[str]], predicted: list[list[str]], min_recall: float):
        """Learn the trusted labels from the rule's firings on validation; return self.

        fired: (row, label) for each label the rule would demote; truth: each row's true labels; predicted: each row's
        labels before the rule; min_recall: the dual-use recall the model must keep. Labels whose demotions were
        right less often than min_precision are dropped, then the least precise ones until recall holds.
        """
        outcomes: dict[str, list[bool]] = {}
        for row, label in fired:
            outcomes.setdefault(label, []).append(label not in truth[row])
        trusted = {
            label
            for label, right in outcomes.items()
            if len(right) >= self.min_support and np.mean(right) >= self.min_precision
        }
        while trusted and _recall(fired, trusted, truth, predicted) < min_recall:
            trusted.discard(min(trusted, key=lambda label: np.mean(outcomes[label])))
        self.labels_ = sorted(trusted)
        self.validation_ = {label: {"fired": len(r), "right": int(sum(r))} for label, r in sorted(outcomes.items())}
        return self

    def apply(
        self, labels: list[str], uncertain: list[str], reasons: dict[str, str]
    ) -> tuple[list[str], list[str], dict[str, str]]:
        """Return (labels, uncertain, below) with each trusted label that has a below reason moved to uncertain."""
        below = {label: reason for label, reason in reasons.items() if label in labels and label in self.labels_}
        kept = [label for label in labels if label not in below]
        return kept, uncertain + [label for label in below if label not in uncertain], below

    def as_dict(self) -> dict:
        """Return the fitted state for the model's config."""
        return {"labels": self.labels_, "validation": self.validation_}

    @classmethod
    def from_dict(cls, raw: dict) -> ParameterCheck:
        """Return the check saved by `as_dict`."""
        check = cls()
        check.labels_, check.validation_ = list(raw["labels"]), dict(raw.get("validation", {}))
        return check


def _recall(
    fired: list[tuple[int, str]], trusted: set[str], truth: list[set[str]], predicted: list[list[str]]
) -> float:
    """Return dual-use recall once the trusted labels' demotions are applied."""
    demoted = {(row, label) for row, label in fired if label in trusted}
    flagged = [any((row, label) not in demoted for label in labels) for row, labels in enumerate(predicted)]
    positives = [row for row, labels in enumerate(truth) if labels]
    return sum(flagged[row] for row in positives) / len(positives) if positives else 1.0
