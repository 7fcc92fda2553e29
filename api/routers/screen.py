"""POST /v1/screen: may this item go to this end-user? Decisions under the loaded screening policy."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request

from api.auth import require_key
from api.routers.classify import check_batch
from api.schemas import ScreenRequest, ScreenResponse, ScreenResult
from api.second_opinion import add_second_opinions
from api.storage import AuditRecord, hash_text
from classifier.model import NOTICE
from classifier import rules
from classifier.rules.orders import item_from_order

router = APIRouter(prefix="/v1", tags=["screen"])


def _rules_order(order) -> rules.Order:
    return rules.Order(
        id=order.id, description=order.description if isinstance(order.description, str) else "",
        destination_country=order.destination_country, end_user=order.end_user,
        end_user_country=order.end_user_country, end_use=order.end_use,
        intermediate_countries=list(order.intermediate_countries), date=order.date, labels=order.labels,
        control_code=order.control_code,
    )


def _items(orders, engine) -> list:
    """Return an ItemAssessment (or an error string) per order, classifying descriptions in one batch."""
    items: list = [None] * len(orders)
    to_classify = []
    for index, order in enumerate(orders):
        try:
            items[index] = item_from_order(_rules_order(order))
        except rules.OrderInputError as exc:
            items[index] = str(exc)
        if items[index] is None:
            to_classify.append(index)
    if to_classify:
        if engine.model is None:
            for index in to_classify:
                items[index] = f"no model loaded to classify the description; give labels or a control_code ({engine.model_error})"
            return items
        predictions = engine.classify([orders[i].description for i in to_classify])
        for index, prediction in zip(to_classify, predictions):
            items[index] = (f"description: {prediction.error}" if prediction.error else rules.ItemAssessment(
                labels=prediction.labels, scores=prediction.scores, uncertain=prediction.uncertain, source="model"))
    return items


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
    results = []
    for order, item in zip(orders, _items(orders, engine)):
        if isinstance(item, str):
            results.append(ScreenResult(id=order.id, decision=None, reasons=[], matched_entity=None, labels=[],
                                        scores={}, error=item))
            continue
        try:
            decision = rules.screen_order(_rules_order(order), item, engine.policy).as_dict()
        except rules.OrderInputError as exc:
            results.append(ScreenResult(id=order.id, decision=None, reasons=[], matched_entity=None,
                                        labels=item.labels, scores=item.scores, error=str(exc)))
            continue
        results.append(ScreenResult(id=order.id, decision=decision["decision"], reasons=decision["reasons"],
                                    matched_entity=decision["matched_entity"], labels=item.labels,
                                    scores=item.scores))
        state.metrics.decisions.labels(decision=decision["decision"]).inc()
    if body.second_opinion:
        add_second_opinions(state.llm, results, {
            index: order.description for index, (order, result) in enumerate(zip(orders, results))
            if result.decision == "review" and isinstance(order.description, str) and order.description.strip()})
    policy_version = engine.policy.version
    state.store.add_audit([
        AuditRecord(kind="screen", api_key_id=key_id, item_id=order.id,
                    input_hash=hash_text(order.model_dump_json()), input_text=order.model_dump_json(),
                    output=result.model_dump(mode="json"), model_version=engine.model_version,
                    policy_version=policy_version)
        for order, result in zip(orders, results)
    ])
    return ScreenResponse(results=results, model_version=engine.model_version, policy_version=policy_version,
                          notice=NOTICE)
