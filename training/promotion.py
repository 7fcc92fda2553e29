"""The promotion policy: a newly trained model replaces the promoted one only if it is not worse on the test split
(and on reviewed items), unless forced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifier.registry import current_version, promote
from training.compare import compare_models, comparison_table, regressions


@dataclass
class PromotionOutcome:
    """What happened to a newly trained model: promoted or not, and the comparison behind it."""

    promoted: bool
    previous: str | None
    table: str = ""
    regressions: tuple[str, ...] = ()


def promote_if_not_worse(path: Path, reviewed: list[dict], force: bool = False) -> PromotionOutcome:
    """Promote the model at path unless it is worse than the promoted one by more than the tolerance (or force)."""
    root = path.parent  # the models directory the new version was trained into
    previous = current_version(root)
    if previous is None:
        promote(path.name, root)
        return PromotionOutcome(True, None)
    comparison = compare_models(path, path.parent / previous, reviewed)
    worse = tuple(regressions(comparison))
    if worse and not force:
        return PromotionOutcome(False, previous, comparison_table(comparison), worse)
    promote(path.name, root)
    return PromotionOutcome(True, previous, comparison_table(comparison), worse)
