"""`dualuse screen`: screen a file of order lines; every row comes back, bad ones with an error."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from classifier.rules import Policy, screen_rows
from classifier.rules.rows import Assess, assessment_from_prediction
from classifier.tabular import TableWriter, file_format, iter_chunks

CHUNK_SIZE = 512
MAX_HIGHLIGHTS = 20


@dataclass
class ScreenSummary:
    """Decision counts of a screening run and the first rows that need attention."""

    counts: Counter = field(default_factory=Counter)
    highlights: list[str] = field(default_factory=list)

    def note(self, row: dict) -> None:
        """Count a screened row and remember it when it is prohibited, for review, or in error."""
        outcome = row["decision"] or "error"
        self.counts[outcome] += 1
        if outcome in ("prohibited", "review", "error") and len(self.highlights) < MAX_HIGHLIGHTS:
            reasons = json.loads(row["reasons"] or "[]")
            why = row["error"] or (reasons[0].get("detail", "") if reasons else "")
            self.highlights.append(f"{row.get('id') or '?'}: {outcome} - {why}")


def model_assessor(model) -> Assess:
    """Return the screening pipeline's classify callable for a DualUseClassifier."""

    def classify(texts: list[str]) -> list:
        return [
            assessment_from_prediction(prediction, model.version)
            for prediction in model.classify(texts, with_evidence=False)
        ]

    return classify


def _rows(path: Path) -> Iterator[dict]:
    for frame in iter_chunks(path, CHUNK_SIZE):
        yield from frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def screen_file(input_path, output_path, policy: Policy, classify: Assess | None = None) -> ScreenSummary:
    """Screen every order row of input_path into output_path (written atomically) and return a summary."""
    input_path, output_path = Path(input_path), Path(output_path)
    file_format(input_path)
    file_format(output_path)
    tmp = output_path.with_name(f".{output_path.name}.tmp{output_path.suffix}")
    writer = TableWriter(tmp)
    summary = ScreenSummary()
    batch: list[dict] = []
    for row in screen_rows(_rows(input_path), policy, classify):
        read_error, raw = row.pop("_error", None), row.pop("_raw", None)
        if read_error:
            row.update(
                decision="", reasons="[]", matched_entity="", error=read_error + (f": {raw[:200]}" if raw else "")
            )
        summary.note(row)
        batch.append(row)
        if len(batch) == CHUNK_SIZE:
            writer.write(pd.DataFrame(batch))
            batch = []
    if batch or not summary.counts:
        writer.write(pd.DataFrame(batch))
    writer.close()
    tmp.replace(output_path)
    return summary
