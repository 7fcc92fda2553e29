import numpy as np
import pytest

from classifier.linear import NgramClassifier
from training.arguments import TrainingArguments
from training.crossfit import crossfit_ngram, save_crossfit, with_crossfit
from training.train import ngram_weights

LABELS = ["aerospace", "biotech"]
TRAIN = [
    ("Turbofan blade, single-crystal nickel superalloy", [1, 0]),
    ("Rocket motor case, filament-wound carbon", [1, 0]),
    ("Satellite reaction wheel, 0.2 Nms", [1, 0]),
    ("Fermenter 2000 L, steam sterilisable in place", [0, 1]),
    ("Class III biosafety cabinet, glove ports", [0, 1]),
    ("Aerosol challenge chamber for inhalation studies", [0, 1]),
    ("Cotton T-shirt, crew neck", [0, 0]),
    ("Ceramic coffee mug 350 ml", [0, 0]),
]
VALIDATION = [
    ("Zorblax thruster valve, zorblax hydrazine service", [1, 0]),
    ("Ramjet inlet cone, titanium", [1, 0]),
    ("Freeze dryer for pathogen cultures", [0, 1]),
    ("Spray dryer, sterile, containment", [0, 1]),
    ("Garden hose 25 m", [0, 0]),
]


def _split(rows):
    return [text for text, _ in rows], np.array([labels for _, labels in rows])


def test_validation_rows_are_scored_by_models_that_did_not_see_them(tmp_path):
    train_texts, train_targets = _split(TRAIN)
    validation_texts, validation_targets = _split(VALIDATION)
    final, out_of_fold = crossfit_ngram(
        LABELS, train_texts, train_targets, validation_texts, validation_targets, C=8.0, seed=0
    )
    assert out_of_fold.shape == (5, 2)
    seen = final.predict_proba(validation_texts)
    # "zorblax" occurs only in one validation item: the final model learned it, the out-of-fold model could not
    assert "zorblax" in final.word_vectorizer.vocabulary_
    assert seen[0, 0] > out_of_fold[0, 0] + 0.05

    ids = [f"v{i}" for i in range(5)]
    save_crossfit(tmp_path, ids, out_of_fold)
    direct = np.full((3, 2), 0.5, dtype=np.float32)
    mixed = with_crossfit(tmp_path, ["v3", "unseen", "v0"], direct)
    np.testing.assert_array_equal(mixed, np.vstack([out_of_fold[3], direct[1], out_of_fold[0]]))
    assert with_crossfit(tmp_path / "elsewhere", ids, direct) is direct


def test_a_heavier_item_pulls_the_ngram_model_further_and_bad_weights_are_refused():
    texts, targets = _split(TRAIN + [("Zorblax aerosol chamber, garden grade", [0, 0])])
    even = NgramClassifier(LABELS, seed=0).fit(texts, targets)
    heavy = NgramClassifier(LABELS, seed=0).fit(texts, targets, np.r_[np.ones(len(TRAIN)), 20.0])
    probe = ["Zorblax aerosol chamber"]
    assert heavy.predict_proba(probe)[0, 1] < even.predict_proba(probe)[0, 1] - 0.05  # the negative weighs more
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        NgramClassifier(LABELS).fit(texts, targets, np.ones(3))


def test_vendor_voice_and_look_alikes_weigh_more_in_the_ngram_fit():
    split = {"style": ["vendor", "vendor", "line", "datasheet"], "lookalike": [True, False, True, False]}
    weights = ngram_weights(split, TrainingArguments())
    np.testing.assert_array_equal(weights, [4.0, 2.0, 2.0, 1.0])
    even = ngram_weights(split, TrainingArguments(vendor_weight=1.0, lookalike_weight=1.0))
    np.testing.assert_array_equal(even, np.ones(4))
