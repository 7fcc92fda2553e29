"""POST/GET /v1/reviews: analysts confirm or correct labels and decisions; retraining consumes them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from api.auth import Caller, require_caller, require_role
from api.schemas import ReviewList, ReviewRecord, ReviewRequest
from api.storage import Review
from classifier.taxonomy import TaxonomyError, default_taxonomy

router = APIRouter(prefix="/v1", tags=["reviews"])
REVIEW_FIELDS = tuple(ReviewRequest.model_fields)


def _record(review: Review) -> ReviewRecord:
    return ReviewRecord(
        id=review.id,
        created_at=review.created_at,
        reviewer=review.reviewer,
        **{f: getattr(review, f) for f in REVIEW_FIELDS},
    )


def _check(body: ReviewRequest, max_chars: int) -> None:
    if not body.text.strip():
        raise HTTPException(422, "text is empty: a review needs the text that was classified")
    if len(body.text) > max_chars:
        raise HTTPException(422, f"text is {len(body.text)} characters; the limit is {max_chars}")
    if body.labels is None and body.decision is None and not body.confirmed:
        raise HTTPException(422, "a review needs corrected labels, a decision, or confirmed: true")
    try:
        for field in ("labels", "predicted_labels"):
            default_taxonomy().validate_ids(getattr(body, field) or [], field)
    except TaxonomyError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/reviews", response_model=ReviewRecord, status_code=201)
def add_review(body: ReviewRequest, request: Request, caller: Caller = Depends(require_caller)) -> ReviewRecord:
    """Record a review of one item: corrected `labels` ([] = not dual-use), a corrected `decision`, or
    `confirmed: true` when the model was right, with a `reason`. The reviewer is the API key's name; training
    (`dualuse train --with-reviews`) uses only reviews stored with analyst or admin keys."""
    _check(body, request.app.state.settings.max_text_chars)
    review = Review(**body.model_dump(), reviewer=caller.name, api_key_id=caller.key_id)
    return _record(request.app.state.store.add_review(review))


@router.get("/reviews", response_model=ReviewList)
def list_reviews(
    request: Request,
    since: datetime | None = None,
    limit: int = Query(1000, ge=1, le=10000),
    caller: Caller = Depends(require_role("analyst")),
) -> ReviewList:
    """List reviews, oldest first, optionally since a time (analyst keys and above)."""
    return ReviewList(reviews=[_record(r) for r in request.app.state.store.list_reviews(since, limit)])
