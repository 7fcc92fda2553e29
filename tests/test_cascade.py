"""The cascade: the encoder runs only on the rows whose answer it can change, and a row's result is its own, whatever
shares its request, its catalog chunk or a micro-batch with it."""

from __future__ import annotations

import copy
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import httpx
import numpy as np
import pytest

from classifier.catalog import label_catalog
from classifier.model import DualUseClassifier, languages_of
from classifier.paths import CONFIG_FILE
from tests.server import Server, cli
from training.arguments import TrainingArguments
from training.corpus import load_corpus
from training.crossfit import with_crossfit
from training.evaluate import cascade_agreement
from training.train import _split

FIELDS = ("labels", "scores", "dual_use", "uncertain", "evidence", "members", "error")
# margins that settle a good share of the quick model's rows, so that both paths are exercised
WIDE = {lang: {"label": 0.5, "gate": 0.5} for lang in ("en", "zh", "ja")}


def _with_cascade(model_dir: Path, directory: Path, cascade: dict) -> Path:
    """Return a model directory with model_dir's members (linked, not copied) and the given cascade rule."""
    directory.mkdir()
    for entry in model_dir.iterdir():
        if entry.name != CONFIG_FILE:
            (directory / entry.name).symlink_to(entry)
    config = json.loads((model_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    (directory / CONFIG_FILE).write_text(json.dumps({**config, "cascade": cascade}), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def wide_model_dir(quick_model_dir, tmp_path_factory) -> Path:
    return _with_cascade(quick_model_dir, tmp_path_factory.mktemp("wide") / quick_model_dir.name, WIDE)


@pytest.fixture(scope="module")
def mixed_texts(wide_model_dir) -> list[str]:
    """Return 64 test-split texts of all three languages, about half of them settled without the encoder."""
    model = DualUseClassifier.from_pretrained(wide_model_dir)
    pool = random.Random(3).sample(load_corpus()["test"]["text"], 400)
    members = [p.members for p in model.classify(pool, with_evidence=False)]
    settled = [text for text, ran in zip(pool, members) if "transformer" not in ran]
    pending = [text for text, ran in zip(pool, members) if "transformer" in ran]
    assert len(settled) >= 8 and len(pending) >= 32, (len(settled), len(pending))
    texts = settled[:32] + pending[: 64 - min(32, len(settled))]
    random.Random(4).shuffle(texts)
    return texts


def _fields(result: dict) -> dict:
    return {name: result[name] for name in FIELDS}


def test_a_row_the_exact_bound_settles_gets_the_same_answer_whatever_the_encoder_says(quick_model):
    head = copy.deepcopy(quick_model.head)
    head.cascade_ = {}  # the exact bound alone
    head.weights_ = {lang: {"transformer": 0.002, "ngram": 0.998} for lang in ("en", "zh", "ja")}
    texts = load_corpus()["test"]["text"][:300]
    languages = languages_of(texts)
    ngram = quick_model.members["ngram"].predict_proba(texts)
    names = list(quick_model.members)
    weights = head.row_weights(languages, names)
    cheap = np.where(np.array(names) == "transformer", 0.0, weights)
    silent = {"transformer": np.zeros_like(ngram), "ngram": ngram}
    readings = quick_model.readings_of(texts)  # each row's parameter readings move its calibrated scores
    assert readings is not None and (readings != 0).any()
    settled = head.settled(head.blend(silent, languages, cheap), weights[:, 0], languages, readings=readings)
    assert settled.mean() > 0.2, settled.mean()
    alone_weights = cheap / cheap.sum(axis=1, keepdims=True)
    alone = head.judge(head.predict_proba(silent, languages, alone_weights, readings), languages)
    rng = np.random.default_rng(0)
    shape = ngram.shape
    encoders = [np.zeros(shape), np.ones(shape), ngram] + [rng.uniform(size=shape) for _ in range(20)]
    encoders += [rng.integers(0, 2, size=shape).astype(float) for _ in range(20)]  # corners of the box
    for encoder in encoders:
        probs = head.predict_proba({"transformer": encoder, "ngram": ngram}, languages, weights, readings)
        decisions, uncertain = head.judge(probs, languages)
        assert (decisions[settled] == alone[0][settled]).all()
        assert (uncertain[settled] == alone[1][settled]).all()


def test_the_cascade_agrees_with_the_full_ensemble_on_the_validation_rows(quick_model, quick_model_dir):
    validation = _split(load_corpus(), "validation", TrainingArguments(quick=True).effective())
    texts = validation["text"]
    member_probs = {name: member.predict_proba(texts) for name, member in quick_model.members.items()}
    member_probs["ngram"] = with_crossfit(quick_model_dir, validation["id"], member_probs["ngram"])  # as fitted
    figures = cascade_agreement(quick_model, texts, member_probs)  # what `dualuse evaluate` reports
    assert figures["agreement"] >= 0.995 and figures["rows"] == len(texts)
    fitted = quick_model.metadata["cascade_validation"]
    for lang, found in figures["per_language"].items():
        if lang in fitted:
            assert found["skipped"] == pytest.approx(fitted[lang]["skip"], abs=1e-4)
            assert found["agreement"] >= fitted[lang]["agreement"] - 1e-9
    cascade = quick_model.score_rows(texts, member_probs)
    assert cascade.ran[:, list(quick_model.members).index("ngram")].all()  # the n-gram model scores every row


def test_classify_names_the_members_that_ran_and_full_runs_them_all(wide_model_dir, mixed_texts):
    model = DualUseClassifier.from_pretrained(wide_model_dir)
    served = model.classify(mixed_texts)
    full = model.classify(mixed_texts, full=True)
    weights = model.head.row_weights(languages_of(mixed_texts), list(model.members))
    assert [p.members for p in full] == [[n for n, w in zip(model.members, row) if w > 0] for row in weights]
    assert {tuple(p.members) for p in served} == {("ngram",), ("transformer", "ngram")}
    for cascade, everything in zip(served, full):
        if cascade.members == everything.members:  # the encoder ran: exactly the full ensemble's result
            assert cascade.as_dict() == everything.as_dict()


def test_settled_rows_never_reach_the_micro_batcher(wide_model_dir, mixed_texts):
    from api.engine import Engine

    engine = Engine(SimpleNamespace())
    engine.model = DualUseClassifier.from_pretrained(wide_model_dir)
    batched: list[list] = []
    work = engine.batcher.work
    engine.batcher.work = lambda model, rows: batched.append(rows) or work(model, rows)
    predictions, version = engine.classify(mixed_texts)
    pending = [text for text, p in zip(mixed_texts, predictions) if "transformer" in p.members]
    assert version == engine.model.version and len(pending) < len(mixed_texts)
    assert sorted(text for rows in batched for text, _ in rows) == sorted(pending)
    assert [p.as_dict() for p in predictions] == [p.as_dict() for p in engine.model.classify(mixed_texts)]


def test_a_rows_result_is_the_same_alone_in_a_request_of_64_and_in_a_catalog_chunk(
    wide_model_dir, mixed_texts, tmp_path
):
    srv = Server(tmp_path / "state", wide_model_dir, DUALUSE_MAX_ITEMS="64")
    created = cli(srv.env, "keys", "create", "cascade")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip().splitlines()[-1]
    srv.start()
    try:
        with httpx.Client(base_url=srv.url, headers={"X-API-Key": key}, timeout=120) as client:

            def classify(texts: list[str]) -> list[dict]:
                response = client.post(
                    "/v1/classify", json={"items": [{"id": str(i), "text": t} for i, t in enumerate(texts)]}
                )
                assert response.status_code == 200, response.text
                return [_fields(result) for result in response.json()["results"]]

            with ThreadPoolExecutor(8) as pool:  # single-item requests share micro-batches with the large one
                together = pool.submit(classify, mixed_texts)
                alone = [result for [result] in pool.map(lambda text: classify([text]), mixed_texts)]
                together = together.result()
    finally:
        srv.stop()
    for text, single, shared in zip(mixed_texts, alone, together):
        assert single == shared, text
    assert {tuple(result["members"]) for result in alone} == {("ngram",), ("transformer", "ngram")}

    neighbours = random.Random(5).sample(load_corpus()["validation"]["text"], 36)
    rows = mixed_texts + neighbours
    random.Random(6).shuffle(rows)
    source = tmp_path / "catalog.jsonl"
    source.write_text(
        "".join(json.dumps({"id": str(i), "description": t}, ensure_ascii=False) + "\n" for i, t in enumerate(rows)),
        encoding="utf-8",
    )
    output = tmp_path / "labeled.jsonl"
    model = DualUseClassifier.from_pretrained(wide_model_dir)
    label_catalog(source, output, model, chunk_size=37, progress=False)
    labeled = {}
    for line in output.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        labeled[record["description"]] = {**_fields(record), "error": record["error"] or None}
    for text, single in zip(mixed_texts, alone):
        assert labeled[text] == single, text
