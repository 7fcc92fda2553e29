"""The API's micro-batcher with the real (quick) model: queued requests share one model call, in order."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.batching import MicroBatcher, Turns

TEXTS = [
    "Ring laser gyro 0.001 deg/h",
    "Cotton T-shirt",
    "液体火箭发动机涡轮泵",
    "サマリウムコバルト磁石",
    "Maraging steel tube",
    "Thermal camera 640x512",
    "",
    "Centrifuge rotor 10 L",
]


class RecordingModel:
    """The real model, recording the size of each call; the first call holds until the other requests queue."""

    def __init__(self, model, batcher_ref: list):
        self.model, self.batcher_ref, self.calls = model, batcher_ref, []
        self.version = model.version

    def classify(self, texts):
        if not self.calls:
            deadline = time.monotonic() + 30
            while self.batcher_ref[0].queued_texts < len(TEXTS) and time.monotonic() < deadline:
                time.sleep(0.01)
        self.calls.append(len(texts))
        return self.model.classify(texts)


def test_requests_queued_while_the_model_runs_share_the_next_call(quick_model):
    holder: list = []
    recording = RecordingModel(quick_model, holder)
    holder.append(MicroBatcher(lambda: recording))
    with ThreadPoolExecutor(len(TEXTS)) as pool:
        futures = [pool.submit(holder[0].classify, [text]) for text in TEXTS]
        results = [future.result(timeout=60).predictions[0] for future in futures]
    assert sum(recording.calls) == len(TEXTS) and len(recording.calls) <= 2
    expected = quick_model.classify(TEXTS)
    assert [(r.labels, r.error) for r in results] == [(e.labels, e.error) for e in expected]


def test_no_model_is_an_error_for_the_caller():
    batcher = MicroBatcher(lambda: None)
    with pytest.raises(RuntimeError, match="no model loaded"):
        batcher.classify(["Ring laser gyro"])


class FailingOn:
    """The real model, except that a call holding `poison` raises, like a text the model cannot handle."""

    def __init__(self, model, poison: str, version: str = "v-test"):
        self.model, self.poison, self.version = model, poison, version

    def classify(self, texts):
        if self.poison in texts:
            raise ValueError("cannot score this text")
        return self.model.classify(texts)


def test_an_exception_on_one_request_fails_that_request_only(quick_model):
    batcher = MicroBatcher(lambda: FailingOn(quick_model, "POISON"))
    requests = [["Ring laser gyro"], ["POISON", "Cotton T-shirt"], ["Maraging steel tube"]] * 6
    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(batcher.classify, texts) for texts in requests]
    for texts, future in zip(requests, futures):
        if "POISON" in texts:
            with pytest.raises(ValueError, match="cannot score"):
                future.result(timeout=60)
        else:
            assert len(future.result(timeout=60).predictions) == len(texts)
    assert batcher.queued_texts == 0 and batcher.classify(["Ring laser gyro"]).model_version == "v-test"


def test_a_large_request_is_scored_in_slices_that_let_small_requests_through(quick_model):
    calls: list[list] = []

    class Recording:
        version = "v-slices"

        def classify(self, texts):
            calls.append(list(texts))
            if len(calls) == 1:  # hold the first slice until the small request waits too
                deadline = time.monotonic() + 30
                while batcher.queued_texts < 200 + 1 and time.monotonic() < deadline:
                    time.sleep(0.01)
            return quick_model.classify(texts, with_evidence=False)

    batcher = MicroBatcher(lambda: Recording(), max_batch=64, slice_size=16)
    large = [f"Item {n} maraging steel tube" for n in range(200)]
    with ThreadPoolExecutor(2) as pool:
        big = pool.submit(batcher.classify, large)
        while not calls:
            time.sleep(0.01)
        small = pool.submit(batcher.classify, ["Ring laser gyro"])
        assert small.result(timeout=60).model_version == "v-slices"
        small_call = next(n for n, texts in enumerate(calls) if "Ring laser gyro" in texts)
        result = big.result(timeout=120)
    assert small_call == 1 and all(len(texts) <= 17 for texts in calls)
    assert [p.labels for p in result.predictions] == [
        p.labels for p in quick_model.classify(large, with_evidence=False)
    ]


def test_each_request_is_answered_by_the_model_it_was_queued_for(quick_model):
    current = [FailingOn(quick_model, "-", "v1")]
    batcher = MicroBatcher(lambda: current[0])
    first = batcher.classify(["Ring laser gyro"])
    current[0] = FailingOn(quick_model, "-", "v2")
    assert (first.model_version, batcher.classify(["Ring laser gyro"]).model_version) == ("v1", "v2")


def test_turns_are_taken_in_arrival_order():
    turns, order = Turns(), []

    def take(name: str) -> None:
        with turns:
            order.append(name)

    with turns:  # hold the first turn while the others queue, one after the other
        threads = []
        for n in range(5):
            threads.append(threading.Thread(target=take, args=(f"t{n}",)))
            threads[-1].start()
            deadline = time.monotonic() + 10
            while len(turns._waiting) < n + 2 and time.monotonic() < deadline:
                time.sleep(0.005)
    for thread in threads:
        thread.join(10)
    assert order == [f"t{n}" for n in range(5)]
