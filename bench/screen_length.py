"""Screening time against the length of the end-user and end-use text: linear up to the field limits and beyond.

Each order repeats a listed name (Latin, kanji with a unit attached, kana that is romanised) until the field is
the given length, and goes through the same pipeline as `dualuse screen` and /v1/screen (labels given, so no model
runs). Caches are cleared before every run, so each figure is a first reading of that text.
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench.common import save, table
from classifier.rules import load_policy
from classifier.rules.limits import MAX_END_USE_CHARS, MAX_END_USER_CHARS, FieldLimits
from classifier.rules.names import normalise, romanise
from classifier.rules.rows import screen_orders
from classifier.settings import get_settings

UNITS = {
    "latin": "Mitsubishi Heavy Industries Nagoya Works ",
    "kanji": "海上自衛隊佐世保地方隊 ",
    "kana": "かいじょうじえいたい させぼ ",
}


def _order(unit: str, length: int) -> dict:
    text = (unit * (length // len(unit) + 1))[:length]
    return {
        "id": "bench",
        "labels": ["navigation_avionics"],
        "destination_country": "JP",
        "end_user_country": "JP",
        "end_user": text,
        "end_use": text[: length * MAX_END_USE_CHARS // MAX_END_USER_CHARS],
        "date": "2026-03-01",
    }


def _seconds(policy, order: dict, limits: FieldLimits, repeats: int) -> float:
    """Return the median time to screen the order with every cache cleared first."""
    times = []
    for _ in range(repeats):
        policy.matcher._cached_match.cache_clear()
        normalise.cache_clear()
        romanise.cache_clear()
        start = time.perf_counter()
        [outcome] = screen_orders([order], policy, limits=limits)
        times.append(time.perf_counter() - start)
        assert not outcome.error, outcome.error
    return statistics.median(times)


def main() -> None:
    """Print and save screening time per order against end-user length, up to `--beyond` times the limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--beyond", type=int, default=16, help="longest text as a multiple of the end_user limit")
    args = parser.parse_args()
    policy = load_policy(get_settings().data_dir)
    lengths = [MAX_END_USER_CHARS * factor // 8 for factor in (1, 2, 4, 8)]
    lengths += [MAX_END_USER_CHARS * factor for factor in (2, 4, 8, 16, 32, 64) if factor <= args.beyond]
    unlimited = FieldLimits(end_user=max(lengths), end_use=max(lengths) * MAX_END_USE_CHARS // MAX_END_USER_CHARS)
    results = {}
    rows = []
    for kind, unit in UNITS.items():
        screen_orders([_order(unit, 50)], policy)  # load the romaniser and the confusables data once
        figures = {length: _seconds(policy, _order(unit, length), unlimited, args.repeats) for length in lengths}
        results[kind] = {str(length): seconds for length, seconds in figures.items()}
        base = lengths[0]
        for length, seconds in figures.items():
            rows.append(
                [
                    kind,
                    length,
                    "yes" if length <= MAX_END_USER_CHARS else "no",
                    f"{seconds * 1000:.2f}",
                    f"{seconds / length * 1e6:.2f}",
                    f"{seconds / figures[base]:.1f}x",
                    f"{length / base:.0f}x",
                ]
            )
    markdown = table(
        [
            "end-user text",
            "end_user chars",
            "within limit",
            "ms per order",
            "us per char",
            "time vs shortest",
            "length vs shortest",
        ],
        rows,
    )
    print(
        f"end_user limit {MAX_END_USER_CHARS} characters, end_use limit {MAX_END_USE_CHARS} "
        f"(end_use text scaled with end_user)"
    )
    print(markdown)
    save(
        "screen_length",
        {"limits": {"end_user": MAX_END_USER_CHARS, "end_use": MAX_END_USE_CHARS}, "seconds": results},
        markdown,
    )


if __name__ == "__main__":
    main()
