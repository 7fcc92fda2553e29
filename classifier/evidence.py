"""Evidence: the spans of a description that push a label up, from the n-gram model's strongest features."""

from __future__ import annotations

import unicodedata

from classifier.text import fold_traditional

MAX_SPANS = 4
MAX_FEATURES = 25


def _normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return text folded as the n-gram features fold it, with the index in text of each folded character."""
    chars, offsets = [], []
    for index, char in enumerate(text):
        for folded in unicodedata.normalize("NFKC", char).lower():
            chars.append(folded)
            offsets.append(index)
    return fold_traditional("".join(chars)), offsets


def _expand_to_word(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum() and text[start].isascii():
        start -= 1
    while end < len(text) and text[end].isascii() and text[end].isalnum() and text[end - 1].isascii():
        end += 1
    return start, end


def evidence_spans(text: str, features: list[tuple[str, str, float]], max_spans: int = MAX_SPANS) -> list[str]:
    """Return up to max_spans substrings of text covered by the given (kind, n-gram, weight) features, strongest first."""
    folded, offsets = _normalised_with_offsets(text)
    weight = [0.0] * len(text)
    for _, ngram, contribution in features[:MAX_FEATURES]:
        needle = ngram.strip()
        if needle not in folded:  # a word pair segmented out of Chinese or Japanese, which has no space between
            needle = needle.replace(" ", "")
        if len(needle) < 2:
            continue
        start = folded.find(needle)
        while start != -1:
            for position in range(start, start + len(needle)):
                weight[offsets[position]] += contribution / len(needle)
            start = folded.find(needle, start + 1)
    spans, index = [], 0
    while index < len(text):
        if weight[index] <= 0:
            index += 1
            continue
        end = index
        while end < len(text) and (
            weight[end] > 0 or (text[end] == " " and end + 1 < len(text) and weight[end + 1] > 0)
        ):
            end += 1
        start, end = _expand_to_word(text, index, end)
        spans.append((sum(weight[start:end]), text[start:end].strip()))
        index = end
    seen, out = set(), []
    for _, span in sorted(spans, key=lambda item: -item[0]):
        if span and span.lower() not in seen:
            seen.add(span.lower())
            out.append(span)
        if len(out) == max_spans:
            break
    return out
