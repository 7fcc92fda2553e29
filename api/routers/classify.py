"""POST /v1/classify: label descriptions with likely dual-use categories."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from api.auth import require_key
from api.batching import NoModelError
from api.schemas import ClassifyRequest, ClassifyResponse, ClassifyResult, LabelInfo, LabelList
from api.second_opinion import add_second_opinions
from api.storage import AuditRecord, hash_text
from classifier.model import NOTICE
from classifier.taxonomy import default_taxonomy
from classifier.text import well_formed

router = APIRouter(prefix="/v1", tags=["classify"])


def check_batch(ids: list[str], texts: list, settings) -> None:
    """Raise 400 when a batch breaks the item or text-length limits or repeats an id."""
    if not ids:
        raise HTTPException(400, "the batch is empty: send at least one item")
    if len(ids) > settings.max_items:
        raise HTTPException(400, f"{len(ids)} items in one request; the limit is {settings.max_items} (MAX_ITEMS)")
    repeated = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if repeated:
        raise HTTPException(400, f"repeated id(s): {', '.join(sorted(repeated))}; ids must be unique within a request")
    for item_id, text in zip(ids, texts):
        if isinstance(text, str) and len(text) > settings.max_text_chars:
            raise HTTPException(
                400,
                f"item {item_id!r}: {len(text)} characters; the limit is {settings.max_text_chars} (MAX_TEXT_CHARS)",
            )


@router.post("/classify", response_model=ClassifyResponse)
def classify(body: ClassifyRequest, request: Request, key_id: str = Depends(require_key)) -> ClassifyResponse:
    """Classify a batch of product descriptions.

    Each result carries the predicted labels (empty = not a likely dual-use item), calibrated scores for every
    label, the labels whose score is near its threshold (`uncertain`), the phrases of the text that support each
    label (`evidence`), and an `error` when an item's text is empty or not text (the rest of the batch is still
    classified). Results come back in request order under the caller's ids. With `second_opinion: true`, items
    with uncertain labels also get the configured LLM's opinion beside the model's (it may raise a `concern`,
    never change the labels). Every result is written to the audit trail. Outputs support human review; they are
    not legal determinations.
    """
    state = request.app.state
    ids, texts = [item.id for item in body.items], [item.text for item in body.items]
    check_batch(ids, texts, state.settings)
    try:
        predictions, version = state.engine.classify(texts)
    except NoModelError as exc:
        raise HTTPException(503, str(exc)) from exc
    results = [ClassifyResult(id=i, **p.as_dict()) for i, p in zip(ids, predictions)]
    if body.second_opinion:
        add_second_opinions(
            state.llm,
            results,
            {index: texts[index] for index, result in enumerate(results) if result.uncertain and not result.error},
        )
    stored_texts = [well_formed(str(text)) for text in texts]
    state.store.add_audit(
        [
            AuditRecord(
                kind="classify",
                api_key_id=key_id,
                item_id=r.id,
                input_hash=hash_text(t),
                input_text=t,
                output=r.model_dump(),
                model_version=version,
            )
            for r, t in zip(results, stored_texts)
        ]
    )
    for result in results:
        state.metrics.items.labels(dual_use=str(result.dual_use).lower()).inc()
    return ClassifyResponse(results=results, model_version=version, notice=NOTICE)


@router.get("/labels", response_model=LabelList, dependencies=[Depends(require_key)])
def labels() -> LabelList:
    """The labels results use, by id, with the name and control-list category an analyst reads
    ("Navigation and avionics (Cat. 7)"); results keep the ids."""
    return LabelList(
        labels=[
            LabelInfo(id=label.id, name=label.name, category=label.category, scope=label.scope, display=label.display)
            for label in default_taxonomy().labels
        ]
    )
