"""Fit the entry ranker (reference items from the training split's entry codes, the control-list items and the list's
own entry text; its confidence calibrated on validation) and measure it: top-1 / top-3 accuracy per language, and the
precision of parameter extraction on a hand-checked sample."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from classifier.entries.control_list import control_list
from classifier.entries.decision import ParameterCheck
from classifier.entries.quantities import extract_quantities
from classifier.entries.ranking import (
    FIRST_ENTRY_WEIGHT,
    LIST_TEXT_WEIGHT,
    OTHER_ENTRY_WEIGHT,
    EntryRanker,
    signals,
)
from classifier.entries.suggest import parameter_flags, shortlist, thresholds_assessed
from classifier.taxonomy import Taxonomy

CCL_SOURCE = "ccl:"
TOP_K = (1, 3)


def reference_items(split: dict, taxonomy: Taxonomy) -> tuple[list[str], list[str], list[float]]:
    """Return (texts, codes, weights): every labelled item once per entry code it names (the first weighs most), each
    control-list item under its code, and each Annex I entry of the taxonomy's categories under its own text."""
    texts, codes, weights = [], [], []
    known = control_list().entries
    for text, labels, source, entries in zip(split["text"], split["labels"], split["source"], split["entries"]):
        if labels and entries:
            for rank, code in enumerate(entries):
                texts.append(text)
                codes.append(code)
                weights.append(FIRST_ENTRY_WEIGHT if rank == 0 else OTHER_ENTRY_WEIGHT)
        elif source.startswith(CCL_SOURCE) and source[4:9] in known:
            texts.append(text)
            codes.append(source[4:9])
            weights.append(OTHER_ENTRY_WEIGHT)
    for code, entry in known.items():
        if taxonomy.label_for_code(code):
            texts.append(entry.verbatim_text)
            codes.append(code)
            weights.append(LIST_TEXT_WEIGHT)
    return texts, codes, weights


def _positives(split: dict) -> list[int]:
    return [i for i, (labels, entries) in enumerate(zip(split["labels"], split["entries"])) if labels and entries]


def fit_entry_ranker(member, train: dict, validation: dict, taxonomy: Taxonomy) -> EntryRanker:
    """Return a ranker over the member's features, its confidence calibrated on validation's labelled items."""
    texts, codes, weights = reference_items(train, taxonomy)
    label_of = {code: taxonomy.label_for_code(code) for code in set(codes)}
    ranker = EntryRanker().fit(member.features(texts), codes, weights, label_of)
    rows = _positives(validation)
    scores = ranker.code_scores(member.features([validation["text"][i] for i in rows]))
    features, correct = [], []
    for row, index in enumerate(rows):
        text, gold = validation["text"][index], set(validation["entries"][index])
        allowed = np.isin(ranker.code_labels_, validation["labels"][index])
        for code_index, share in shortlist(scores[row], allowed):
            code = ranker.codes_[code_index]
            features.append(signals(share, *parameter_flags(thresholds_assessed(code, text))))
            correct.append(int(code in gold))
    return ranker.calibrate(np.array(features), np.array(correct)) if features else ranker


def entry_accuracy(model, split: dict, predicted_labels: list[list[str]]) -> dict:
    """Return top-1 / top-3 accuracy of the first annotated entry among the model's suggestions, overall and per
    language, over the split's labelled items that name an entry (an item the model does not flag counts as a miss).
    """
    rows = _positives(split)
    texts = [split["text"][i] for i in rows]
    suggested = model.entries(texts, [predicted_labels[i] for i in rows])
    hits: dict[str, list[list[int]]] = defaultdict(list)
    for index, found in zip(rows, suggested):
        codes = [s["entry"] for s in found]
        right = split["entries"][index][0]
        hit = [int(right in codes[:k]) for k in TOP_K]
        hits["all"].append(hit)
        hits[split["lang"][index]].append(hit)
    return {
        group: {
            "n": len(rows_hits),
            **{f"top{k}": float(np.mean([h[i] for h in rows_hits])) for i, k in enumerate(TOP_K)},
        }
        for group, rows_hits in sorted(hits.items())
    }


PARAMETER_CHECK_FILE = "control_list/parameter_check.csv"


def parameter_precision(check_file: Path, texts: dict[str, str]) -> dict:
    """Return the precision of quantity extraction on a hand-checked sample (each row: a record id, the value, unit and
    phrase extracted, and `correct` y/n). texts: record id -> text. Rows the extractor no longer produces are counted
    as `changed` and left out of the precision, so the figure never credits a check made on different output."""
    with open(check_file, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    checked = changed = right = 0
    for row in rows:
        text = texts.get(row["id"])
        found = extract_quantities(text) if text is not None else []
        if not any(
            q.phrase == row["phrase"] and q.unit == row["unit"] and q.value == float(row["value"]) for q in found
        ):
            changed += 1
            continue
        checked += 1
        right += row["correct"].strip().lower() == "y"
    return {"checked": checked, "correct": right, "precision": right / checked if checked else 0.0, "changed": changed}


def fit_parameter_check(model, validation: dict, member_probs: dict, min_recall: float) -> ParameterCheck:
    """Return the below-threshold rule fitted on validation: which labels it may demote without costing recall."""
    texts = validation["text"]
    scores = model.score_rows(texts, member_probs, full=True)
    labels, _, wanted = model.named(scores)
    reasons = model.below_reasons(texts, labels, model.entries(texts, wanted))
    fired = [(row, label) for row, found in enumerate(reasons) for label in found]
    truth = [set(found) for found in validation["labels"]]
    return ParameterCheck().fit(fired, truth, labels, min_recall)
