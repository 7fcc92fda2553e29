import json
import shutil
import subprocess
import sys

import joblib
import numpy as np
import pytest
from scipy import sparse

from classifier.members import MEMBER_KINDS
from classifier.model import DualUseClassifier, languages_of
from classifier.taxonomy import default_taxonomy
from classifier.transformer import TRANSFORMER_DIR, TransformerScorer
from training.corpus import load_corpus

TEXTS = [
    "Fibre-optic gyro, bias stability 0.005 deg/h, for inertial navigation",
    "光纤陀螺仪 零偏稳定性0.01°/h",
    "家庭用 電気ケトル 1.2L ステンレス",
    "Cotton T-shirt, crew neck, size M",
]


def test_model_directory_holds_weights_tokenizer_labels_thresholds_card_and_export(quick_model_dir):
    names = {p.name for p in quick_model_dir.iterdir()}
    assert {"dualuse.json", "ngram", "README.md", "metrics.json", "ngram_validation.npz", TRANSFORMER_DIR} <= names
    assert (quick_model_dir / "ngram" / "linear.pkl").exists()
    encoder = {p.name for p in (quick_model_dir / TRANSFORMER_DIR).iterdir()}
    assert {"model.safetensors", "head.safetensors", "tokenizer.json", "config.json", "model.int8.onnx"} <= encoder
    config = json.loads((quick_model_dir / "dualuse.json").read_text())
    assert len(config["labels"]) == 11 and set(config["thresholds"]) == set(config["labels"])
    assert config["members"] == {
        "transformer": {"kind": "transformer", "path": "transformer"},
        "ngram": {"kind": "ngram", "path": "ngram"},
    }
    card = (quick_model_dir / "README.md").read_text()
    assert "sha256" in card and "not a legal determination" in card


def test_predict_proba_and_predict_have_the_estimator_shapes(quick_model):
    probs = quick_model.predict_proba(TEXTS)
    assert probs.shape == (4, 11)
    assert np.all((probs >= 0) & (probs <= 1))
    assert quick_model.predict(TEXTS).shape == (4, 11)
    assert quick_model.predict_proba([]).shape == (0, 11)


def test_the_ensemble_saved_to_a_new_directory_loads_back_with_identical_scores(quick_model, tmp_path):
    quick_model.save_pretrained(tmp_path / "copy")
    reloaded = DualUseClassifier.from_pretrained(tmp_path / "copy")
    assert reloaded.version == quick_model.version and list(reloaded.members) == list(quick_model.members)
    np.testing.assert_array_equal(reloaded.predict_proba(TEXTS), quick_model.predict_proba(TEXTS))
    assert [p.as_dict() for p in reloaded.classify(TEXTS)] == [p.as_dict() for p in quick_model.classify(TEXTS)]


@pytest.mark.parametrize("kind", sorted(MEMBER_KINDS))
def test_every_member_kind_saves_and_loads_with_identical_scores(quick_model, kind, tmp_path):
    name, member = next((n, m) for n, m in quick_model.members.items() if m.kind == kind)
    member.save_pretrained(tmp_path / name)
    reloaded = MEMBER_KINDS[kind].from_pretrained(tmp_path / name)
    np.testing.assert_array_equal(reloaded.predict_proba(TEXTS), member.predict_proba(TEXTS))


def test_a_model_saved_before_members_had_kinds_and_by_joblib_still_loads(quick_model, quick_model_dir, tmp_path):
    legacy = tmp_path / "legacy"
    shutil.copytree(quick_model_dir, legacy)
    shutil.rmtree(legacy / "ngram")  # the n-gram model at the top, as joblib wrote it then
    joblib.dump(quick_model.members["ngram"], legacy / "linear.joblib")
    joblib.dump(quick_model.entry_ranker, legacy / "entries" / "ranker.joblib", compress=3)
    (legacy / "entries" / "ranker.pkl").unlink()
    config = json.loads((legacy / "dualuse.json").read_text())
    config["members"] = {"transformer": "TransformerScorer", "ngram": "NgramClassifier"}
    (legacy / "dualuse.json").write_text(json.dumps(config))
    loaded = DualUseClassifier.from_pretrained(legacy)
    np.testing.assert_array_equal(loaded.predict_proba(TEXTS), quick_model.predict_proba(TEXTS))
    assert [p.as_dict() for p in loaded.classify(TEXTS)] == [p.as_dict() for p in quick_model.classify(TEXTS)]
    config["members"]["ngram"] = "SomethingElse"
    (legacy / "dualuse.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="unknown member"):
        DualUseClassifier.from_pretrained(legacy)


def test_baselines_share_the_verbs(quick_model_dir):
    for members in (["ngram"], ["transformer"], ["transformer", "ngram"]):
        model = DualUseClassifier.from_pretrained(quick_model_dir, members=members)
        assert list(model.members) == members
        assert model.predict_proba(TEXTS).shape == (4, 11)


def test_int8_onnx_export_tracks_the_torch_model(quick_model_dir):
    labels = json.loads((quick_model_dir / "dualuse.json").read_text())["labels"]
    onnx = TransformerScorer(quick_model_dir / TRANSFORMER_DIR, labels, backend="onnx")
    torch_scorer = TransformerScorer(quick_model_dir / TRANSFORMER_DIR, labels, backend="torch")
    texts = load_corpus()["test"]["text"][:40]
    difference = np.abs(onnx.predict_proba(texts) - torch_scorer.predict_proba(texts))
    assert difference.mean() < 0.02


def test_an_int8_score_does_not_depend_on_the_other_texts_in_the_call(quick_model_dir):
    labels = json.loads((quick_model_dir / "dualuse.json").read_text())["labels"]
    onnx = TransformerScorer(quick_model_dir / TRANSFORMER_DIR, labels, backend="onnx")
    texts = load_corpus()["test"]["text"][:24]
    together = onnx.predict_proba(texts)
    alone = np.vstack([onnx.predict_proba([text]) for text in texts])
    np.testing.assert_array_equal(together, alone)


def test_a_member_without_weight_for_a_language_is_skipped_without_changing_scores(quick_model_dir):
    model = DualUseClassifier.from_pretrained(quick_model_dir)
    model.head.weights_["zh"] = {"transformer": 0.0, "ngram": 1.0}
    model.head.weights_["ja"] = {"transformer": 0.0, "ngram": 1.0}
    full = model.head.predict_proba(
        model.member_probabilities(TEXTS), languages_of(TEXTS), readings=model.readings_of(TEXTS)
    )
    weights = model.head.row_weights(languages_of(TEXTS), list(model.members))
    skipped = model.member_probabilities(TEXTS, weights)["transformer"]
    assert not skipped[1:3].any() and skipped[[0, 3]].all()  # zh and ja rows not run, en rows run
    np.testing.assert_allclose(model.score(TEXTS, full=True)[0], full, rtol=1e-6)


def test_classify_marks_bad_input_and_gives_evidence_from_the_text(quick_model):
    results = quick_model.classify(TEXTS + ["", "   ", None, 42])
    assert [r.error for r in results[4:]] == ["description is empty"] * 3 + ["description must be text, not int"]
    assert all(r.labels == [] and not r.dual_use for r in results[4:])
    for text, result in zip(TEXTS, results):
        assert result.error is None and set(result.scores) == set(quick_model.labels)
        assert result.dual_use == bool(result.labels)
        for spans in result.evidence.values():
            assert all(span in text for span in spans)


def test_uncertain_marks_scores_near_their_threshold(quick_model):
    for result, row in zip(quick_model.classify(TEXTS), quick_model.predict_proba(TEXTS)):
        for j, label in enumerate(quick_model.labels):
            threshold = quick_model.head.thresholds_[label]
            odds = row[j] / (1 - row[j]) / (threshold / (1 - threshold))
            if abs(np.log(odds)) <= quick_model.head.uncertainty_margin:
                assert label in result.uncertain
            elif label not in result.labels and label != quick_model.labels[int(row.argmax())]:
                assert label not in result.uncertain


def test_classify_command_prints_json_and_text(quick_model_dir):
    command = [sys.executable, "-m", "classifier.cli", "classify", "--model", str(quick_model_dir)]
    result = subprocess.run(command + ["--json", TEXTS[0]], capture_output=True, text=True, check=True)
    payload = json.loads(result.stdout)
    assert {"labels", "scores", "evidence", "uncertain", "model_version", "dual_use"} <= set(payload)
    assert payload["model_version"] == quick_model_dir.name
    assert set(payload["scores"]) == set(default_taxonomy().ids)  # the JSON keeps the label ids
    plain = subprocess.run(command + [TEXTS[1]], capture_output=True, text=True, check=True)
    assert "not a legal determination" in plain.stdout and quick_model_dir.name in plain.stdout
    top = next(line for line in plain.stdout.splitlines() if "top scores:" in line)
    assert top.count("(Cat. ") + top.count("(1C351") == 3  # people read names and control-list categories
    empty = subprocess.run(command + [" "], capture_output=True, text=True)
    assert empty.returncode == 1 and "description is empty" in empty.stdout


def test_ngram_features_equal_the_vectorizers_own_transform(quick_model):
    """The n-gram member builds its TF-IDF rows itself (no per-call input checks); they must be sklearn's, including
    for texts with no known n-gram."""
    ngram = quick_model.members["ngram"]
    texts = load_corpus()["validation"]["text"][:200] + ["", "ǂǂǂ", "GaN HEMT 8 GHz"]
    ours = ngram.features(texts)
    theirs = sparse.hstack(
        [ngram.word_vectorizer.transform(texts), ngram.char_vectorizer.transform(texts)], format="csr"
    )
    assert (ours.indptr == theirs.indptr).all() and (ours.indices == theirs.indices).all()
    assert np.allclose(ours.toarray(), theirs.toarray(), rtol=0, atol=1e-12)
    assert (ngram.features([texts[0]]) != ours[0]).nnz == 0  # a text's row does not depend on the others
