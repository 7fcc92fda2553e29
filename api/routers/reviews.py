"""POST/GET /v1/reviews: analysts confirm or correct labels and decisions; retraining consumes them."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from api.auth import require_key
from api.schemas import ReviewList, ReviewRecord, ReviewRequest
from api.storage import Review
from classifier.taxonomy import TaxonomyError, default_taxonomy

router = APIRouter(prefix="/v1", tags=["reviews"])
REVIEW_FIELDS = tuple(ReviewRequest.model_fields)


def _record(review: Review) -> ReviewRecord:
    return ReviewRecord(id=review.id, created_at=review.created_at, **{f: getattr(review, f) for f in REVIEW_FIELDS})


@router.post("/reviews", response_model=ReviewRecord, status_code=201)
def add_review(body: ReviewRequest, request: Request, key_id: str = Depends(require_key)) -> ReviewRecord:
    """Record an analyst's review of one item: corrected `labels` ([] = not dual-use), a corrected `decision`,
    or `confirmed: true` when the model was right. `reviewer` and `reason` say who and why."""
    if body.labels is None and body.decision is None and not body.confirmed:
        raise HTTPException(422, "a review needs corrected labels, a decision, or confirmed: true")
    try:
        for field in ("labels", "predicted_labels"):
            default_taxonomy().validate_ids(getattr(body, field) or [], field)
    except TaxonomyError as exc:
        raise HTTPException(422, str(exc)) from exc
    review = request.app.state.store.add_review(Review(**body.model_dump(), api_key_id=key_id))
    return _record(review)


@router.get("/reviews", response_model=ReviewList)
def list_reviews(request: Request, since: datetime | None = None, limit: int = Query(1000, ge=1, le=10000),
                 key_id: str = Depends(require_key)) -> ReviewList:
    """List reviews, oldest first, optionally since a time."""
    return ReviewList(reviews=[_record(r) for r in request.app.state.store.list_reviews(since, limit)])
