"""The API's micro-batcher with the real (quick) model: queued requests share one model call, in order."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from api.batching import MicroBatcher

TEXTS = ["Ring laser gyro 0.001 deg/h", "Cotton T-shirt", "液体火箭发动机涡轮泵", "サマリウムコバルト磁石",
         "Maraging steel tube", "Thermal camera 640x512", "", "Centrifuge rotor 10 L"]


class RecordingModel:
    """The real model, recording the size of each call; the first call holds until the other requests queue."""

    def __init__(self, model, batcher_ref: list):
        self.model, self.batcher_ref, self.calls = model, batcher_ref, []

    def classify(self, texts):
        if not self.calls:
            deadline = time.monotonic() + 30
            while self.batcher_ref[0].queue.qsize() < len(TEXTS) - len(texts) and time.monotonic() < deadline:
                time.sleep(0.01)
        self.calls.append(len(texts))
        return self.model.classify(texts)


def test_requests_queued_while_the_model_runs_share_the_next_call(quick_model):
    holder: list = []
    recording = RecordingModel(quick_model, holder)
    holder.append(MicroBatcher(lambda: recording))
    with ThreadPoolExecutor(len(TEXTS)) as pool:
        futures = [pool.submit(holder[0].classify, [text]) for text in TEXTS]
        results = [future.result(timeout=60)[0] for future in futures]
    assert sum(recording.calls) == len(TEXTS) and len(recording.calls) <= 2
    expected = quick_model.classify(TEXTS)
    assert [(r.labels, r.error) for r in results] == [(e.labels, e.error) for e in expected]


def test_no_model_is_an_error_for_the_caller():
    batcher = MicroBatcher(lambda: None)
    with pytest.raises(RuntimeError, match="no model loaded"):
        batcher.classify(["Ring laser gyro"])
