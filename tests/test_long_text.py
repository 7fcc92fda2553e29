"""Long text: the encoder scores a text longer than its window over all of it (overlapping windows, max-pooled)."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.transformer import TRANSFORMER_DIR, TransformerScorer

FILLER_SENTENCES = [
    "Our company was founded in 1998 and ships worldwide from its warehouse.",
    "Orders placed before noon leave the same day, and returns are accepted within thirty days.",
    "Customer service answers by email and phone on weekdays.",
    "Please read the terms of sale and the privacy notice before you order.",
]
PASSAGE = (
    "Navigation-grade fibre-optic gyroscope for aircraft and missile inertial navigation systems. "
    "Bias stability 0.005 deg/h, angle random walk 0.001 deg/rt-h, scale factor stability 5 ppm over the full "
    "military temperature range. Closed-loop interferometric design with a polarisation-maintaining fibre coil, "
    "for strapdown inertial measurement units in fighter aircraft, cruise missiles and submarines."
)
LABEL = "navigation_avionics"


def filler(words: int = 600) -> str:
    """Return about `words` words of shop boilerplate that names no controlled item."""
    out: list[str] = []
    while len(out) < words:
        out += FILLER_SENTENCES[len(out) % len(FILLER_SENTENCES)].split()
    return " ".join(out)


@pytest.fixture(scope="module", params=["onnx", "torch"])
def encoder(request, quick_model_dir) -> TransformerScorer:
    return TransformerScorer.from_pretrained(quick_model_dir / TRANSFORMER_DIR, backend=request.param)


def test_a_controlled_passage_after_600_words_of_filler_raises_the_score_as_it_does_alone(encoder):
    page = filler() + " " + PASSAGE
    assert len(encoder.tokenizer(page)["input_ids"]) > 4 * encoder.max_length  # far beyond one window
    alone, boilerplate, long, middle = encoder.predict_proba([PASSAGE, filler(), page, page + " " + filler()])[
        :, encoder.labels.index(LABEL)
    ]
    assert alone - boilerplate > 0.2  # the passage alone is what the encoder calls navigation
    for placed in (long, middle):  # written at the end of a page or in its middle, it still raises the score
        assert placed - boilerplate >= 0.5 * (alone - boilerplate), (alone, boilerplate, long, middle)
    first_window = encoder.tokenizer.decode(
        encoder.tokenizer(page, truncation=True, max_length=encoder.max_length)["input_ids"], skip_special_tokens=True
    )
    truncated = encoder.predict_proba([first_window])[0, encoder.labels.index(LABEL)]
    assert truncated < boilerplate + 0.1 < long  # what scoring the first window alone would have missed


def test_the_windows_of_a_batch_are_pooled_back_to_their_own_texts(encoder):
    texts = ["Ring laser gyro for aircraft navigation", filler() + " " + PASSAGE, "家庭用 電気ケトル 1.2L", filler(200)]
    together = encoder.predict_proba(texts)
    alone = np.vstack([encoder.predict_proba([text]) for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    windows, owners = encoder._windows(texts)
    assert sorted(set(owners.tolist())) == [0, 1, 2, 3] and len(owners) > len(texts)
    assert all(len(ids) <= encoder.max_length for ids in windows["input_ids"])


def test_a_text_that_fits_one_window_is_scored_as_before(encoder):
    text = "Fibre-optic gyro, bias stability 0.005 deg/h, for inertial navigation of aircraft"
    windows, owners = encoder._windows([text])
    assert owners.tolist() == [0]
    assert (
        windows["input_ids"][0] == encoder.tokenizer(text, truncation=True, max_length=encoder.max_length)["input_ids"]
    )
