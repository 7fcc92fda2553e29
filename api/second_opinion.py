"""Opt-in LLM second opinions: asked only for uncertain classifications and `review` decisions, returned beside
the model's answer, never in place of it (labels and decisions are not changed by an opinion)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from api.schemas import SecondOpinion
from classifier.llm import LLMClient

PARALLEL_CALLS = 4
LLM_OFF = (
    "LLM assistance is off on this service: start it with DUALUSE_LLM_BASE_URL set to an "
    "OpenAI-compatible endpoint (e.g. `dualuse llm serve` and http://127.0.0.1:8081/v1)"
)


def add_second_opinions(client: LLMClient | None, results: list, texts: dict[int, str]) -> None:
    """Set `second_opinion` on results[index] for each {index: text} in texts, against that result's labels; the
    LLM calls run in parallel. Failures of the LLM (no server, timeout, refusal, malformed answer) come back in the
    opinion's `error`."""
    if not texts:
        return
    if client is None:
        for index in texts:
            results[index].second_opinion = SecondOpinion(
                labels=[], rationale="", concern=False, error=LLM_OFF, model=""
            )
        return

    def ask(index: int) -> SecondOpinion:
        opinion = client.second_opinion(texts[index], results[index].labels)
        return SecondOpinion(
            labels=opinion.labels,
            rationale=opinion.rationale,
            concern=opinion.concern,
            error=opinion.error,
            model=client.settings.model,
        )

    with ThreadPoolExecutor(max_workers=min(PARALLEL_CALLS, len(texts))) as pool:
        for index, opinion in zip(texts, pool.map(ask, texts)):
            results[index].second_opinion = opinion
