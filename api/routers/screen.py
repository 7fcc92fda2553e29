"""POST /v1/screen: may this item go to this end-user? Decisions under the loaded screening policy."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request

from api.auth import require_key
from api.batching import NoModelError
from api.routers.classify import check_batch
from api.schemas import ScreenRequest, ScreenResponse, ScreenResult
from api.second_opinion import add_second_opinions
from api.settings import Settings
from api.storage import AuditRecord, hash_text
from classifier.model import NOTICE
from classifier.rules.limits import FieldLimits, FieldTooLong
from classifier.rules.rows import ScreenedOrder, assessment_from_prediction, screen_orders
from classifier.text import well_formed

router = APIRouter(prefix="/v1", tags=["screen"])

# The setting that sets each field's limit, named in the 422 a longer field gets.
_LIMIT_SETTINGS = {
    "description": "DUALUSE_MAX_TEXT_CHARS",
    "end_user": "DUALUSE_MAX_END_USER_CHARS",
    "end_use": "DUALUSE_MAX_END_USE_CHARS",
}


def field_limits(settings: Settings) -> FieldLimits:
    """Return the order field limits the service's settings give."""
    return FieldLimits(
        description=settings.max_text_chars, end_user=settings.max_end_user_chars, end_use=settings.max_end_use_chars
    )


def _check_lengths(orders: list[dict], limits: FieldLimits) -> None:
    """Raise 422 naming the order, the field and its limit when a free-text field is too long."""
    for order in orders:
        try:
            limits.check(order)
        except FieldTooLong as exc:
            raise HTTPException(422, f"order {order['id']!r}: {exc} ({_LIMIT_SETTINGS[exc.field]})") from None


class _ModelAssessor:
    """Assesses descriptions with the service's model and keeps the version of the model that answered."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.version = engine.model_version

    def __call__(self, texts: list[str]) -> list:
        try:
            scored = self.engine.classify(texts)
        except NoModelError as exc:
            return [f"{exc}; give labels or a control_code to screen without it"] * len(texts)
        self.version = scored.model_version
        return [assessment_from_prediction(prediction, scored.model_version) for prediction in scored.predictions]


def _result(order_id: str, outcome: ScreenedOrder) -> ScreenResult:
    decision = outcome.decision.as_dict() if outcome.decision else None
    item = outcome.item
    return ScreenResult(
        id=order_id,
        decision=decision["decision"] if decision else None,
        reasons=decision["reasons"] if decision else [],
        matched_entity=decision["matched_entity"] if decision else None,
        warnings=decision["warnings"] if decision else [],
        labels=item.labels if item else [],
        scores=item.scores if item else {},
        error=outcome.error or None,
    )


@router.post("/screen", response_model=ScreenResponse)
def screen(body: ScreenRequest, request: Request, key_id: str = Depends(require_key)) -> ScreenResponse:
    """Screen order lines against the dual-use prohibition for Japanese military end-users.

    For each order: the item's likely dual-use labels (from `labels`, a `control_code`, or by classifying the
    `description`), the end-user matched against the entity lists (English, kanji, kana, romaji, abbreviations,
    typos), the stated end-use, the route and the `date` give one decision: `prohibited`, `review`,
    `license_required` or `not_controlled`. `reasons` lists each rule that fired with its legal citation and
    effective date, the matched alias and score, and the labels and scores. An order whose fields cannot be used
    (e.g. a country that is not an ISO 3166 alpha-2 code) gets `error` and no decision; the others are still
    screened. With `second_opinion: true`, `review` decisions on a description also get the configured LLM's
    opinion beside them (it may raise a `concern`, never change the decision). Decisions support human review;
    they are not legal determinations.
    """
    state = request.app.state
    engine = state.engine
    if engine.policy is None:
        raise HTTPException(503, f"screening policy not loaded ({engine.policy_error})")
    orders = body.orders
    check_batch([o.id for o in orders], [o.description for o in orders], state.settings)
    order_dicts = [order.model_dump() for order in orders]
    limits = field_limits(state.settings)
    _check_lengths(order_dicts, limits)
    assessor = _ModelAssessor(engine)
    results = [
        _result(order.id, outcome)
        for order, outcome in zip(orders, screen_orders(order_dicts, engine.policy, assessor, limits))
    ]
    for result in results:
        if result.decision:
            state.metrics.decisions.labels(decision=result.decision).inc()
    model_version = assessor.version
    if body.second_opinion:
        add_second_opinions(
            state.llm,
            results,
            {
                index: order.description
                for index, (order, result) in enumerate(zip(orders, results))
                if result.decision == "review" and isinstance(order.description, str) and order.description.strip()
            },
        )
    policy_version = engine.policy.version
    inputs = [
        well_formed(json.dumps(order.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")))
        for order in orders
    ]
    state.store.add_audit(
        [
            AuditRecord(
                kind="screen",
                api_key_id=key_id,
                item_id=order.id,
                input_hash=hash_text(text),
                input_text=text,
                output=result.model_dump(mode="json"),
                model_version=model_version,
                policy_version=policy_version,
            )
            for order, result, text in zip(orders, results, inputs)
        ]
    )
    return ScreenResponse(results=results, model_version=model_version, policy_version=policy_version, notice=NOTICE)
