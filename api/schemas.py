"""Request and response models of the HTTP API, with worked examples for the OpenAPI page."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Decision = Literal["prohibited", "review", "license_required", "not_controlled"]


class ClassifyItem(BaseModel):
    """One description to classify, under a caller-chosen id."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(..., min_length=1, max_length=200, description="caller's id, echoed in the result")
    text: Any = Field(None, description="the product description", json_schema_extra={"type": "string"})


class SecondOpinion(BaseModel):
    """An LLM's advice beside the model's answer: it can raise a `concern` (a label the model did not give), never
    change the labels or the decision. `error` says why there is no usable opinion."""

    labels: list[str]
    rationale: str
    concern: bool
    error: str | None = None
    model: str


SECOND_OPINION_FIELD = Field(
    False,
    description="ask the configured LLM for a second opinion on uncertain "
    "classifications and `review` decisions (slower; off by default)",
)


class ClassifyRequest(BaseModel):
    """A batch of descriptions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": "sku-1",
                            "text": "Fibre-optic gyro, bias stability 0.005 deg/h, for inertial navigation",
                        },
                        {"id": "sku-2", "text": "家庭用 電気ケトル 1.2L"},
                    ]
                }
            ]
        },
    )
    items: list[ClassifyItem]
    second_opinion: bool = SECOND_OPINION_FIELD


class StatedParameter(BaseModel):
    """One threshold of a suggested entry set against the item's text."""

    parameter: str
    paragraph: str = Field(description="the dotted paragraph the threshold belongs to, e.g. 7A003.a.1")
    threshold: str = Field(description="comparator, value and unit, e.g. '<= 0.8 nautical_mile / hour'")
    line: str = Field(description="the list's line that states the threshold, verbatim")
    status: Literal["meets", "below", "not_stated"]
    value: float | None = Field(None, description="the stated value in the threshold's unit")
    unit: str | None = None
    phrase: str | None = Field(None, description="the words of the text the value was read from")


class EntrySuggestion(BaseModel):
    """A candidate control-list entry for a flagged item; a lead for the analyst, not a classification ruling."""

    model_config = ConfigDict(populate_by_name=True)

    list_name: str = Field(alias="list", description="the control list (EU Annex I, with its consolidation date)")
    code: str = Field(description="the most specific paragraph the text supports, e.g. 7A003.a.1")
    entry: str = Field(description="the 5-character entry code, e.g. 7A003")
    us_eccn: str | None = Field(None, description="the US ECCN with the same number, where the CCL has one")
    china: str = Field(description="how China's list relates to the code (its text is not included)")
    title: str
    text: list[str] = Field(description="the provision lines from the heading down to `code`, verbatim")
    attribution: str
    parameters: list[StatedParameter]
    decontrol_notes: list[str]
    score: float = Field(description="calibrated confidence that this is an entry an analyst would cite")
    insufficient_data: bool = Field(description="the entry has thresholds and the text states none of them")


class ClassifyResult(BaseModel):
    """The classification of one item; `error` is set (and labels empty) when the text could not be used."""

    id: str
    labels: list[str]
    scores: dict[str, float]
    dual_use: bool
    uncertain: list[str]
    evidence: dict[str, list[str]]
    entries: list[EntrySuggestion] = Field(
        default_factory=list, description="candidate control-list entries, best first, for flagged or uncertain items"
    )
    error: str | None = None
    members: list[str] = Field(
        default_factory=list,
        description="the member models that scored the item: the encoder runs only where it can change the labels, "
        "dual_use or uncertain, and a result without it has the scores of the members that ran",
    )
    second_opinion: SecondOpinion | None = None


class ClassifyResponse(BaseModel):
    """Results in request order, keyed by the caller's ids."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "results": [
                        {
                            "id": "sku-1",
                            "labels": ["navigation_avionics"],
                            "scores": {"navigation_avionics": 0.97, "aerospace": 0.04},
                            "dual_use": True,
                            "uncertain": [],
                            "evidence": {"navigation_avionics": ["Fibre-optic gyro", "bias stability 0.005 deg/h"]},
                            "error": None,
                            "members": ["ngram"],
                        }
                    ],
                    "model_version": "20261128-160000-1a2b3c4d",
                    "notice": "Flags likely dual-use items for human review; not a legal determination.",
                }
            ]
        }
    )
    results: list[ClassifyResult]
    model_version: str
    notice: str


class Order(BaseModel):
    """One order line to screen; give a description to classify, or labels / a control code."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(..., min_length=1, max_length=200)
    description: Any = Field(None, json_schema_extra={"type": "string"})
    labels: list[str] | None = Field(None, description="label ids, instead of a description")
    control_code: str | None = Field(None, description="a list code such as 9A012, instead of a description")
    destination_country: str = Field("", description="ISO 3166 alpha-2")
    end_user: str = ""
    end_user_country: str = Field("", description="ISO 3166 alpha-2")
    end_use: str = ""
    intermediate_countries: list[str] = Field(default_factory=list)
    ultimate_consignee: str = Field("", description="the party that finally receives the goods, if not the end-user")
    date: dt.date | None = Field(None, description="the date the decision applies to (default: today)")


class ScreenRequest(BaseModel):
    """A batch of order lines."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "orders": [
                        {
                            "id": "PO-7",
                            "description": "Ring laser gyro navigation unit, 0.001 deg/h",
                            "destination_country": "SG",
                            "end_user": "JMSDF Sasebo District",
                            "end_user_country": "JP",
                            "end_use": "patrol aircraft maintenance",
                            "intermediate_countries": ["SG"],
                            "date": "2026-03-01",
                        }
                    ]
                }
            ]
        },
    )
    orders: list[Order]
    second_opinion: bool = SECOND_OPINION_FIELD


class ScreenResult(BaseModel):
    """The decision for one order line, with the rules, entity match, labels and scores behind it."""

    id: str
    decision: Decision | None
    reasons: list[dict[str, Any]]
    matched_entity: dict[str, Any] | None
    warnings: list[str] = Field(
        default_factory=list,
        description="what the decision cannot know: a missing date, gaps of the published lists it consulted",
    )
    labels: list[str]
    scores: dict[str, float]
    below: dict[str, str] = Field(
        default_factory=dict,
        description="labels left uncertain because every candidate entry's stated parameters fall below its thresholds",
    )
    error: str | None = None
    second_opinion: SecondOpinion | None = None


class ScreenResponse(BaseModel):
    """Decisions in request order."""

    results: list[ScreenResult]
    model_version: str | None
    policy_version: str
    notice: str


class JobStatus(BaseModel):
    """A catalog job's state and progress."""

    id: str
    status: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    filename: str
    rows_done: int
    rows_total: int | None
    error: str | None
    model_version: str | None
    policy_version: str | None
    input_hash: str | None = Field(description="SHA-256 of the uploaded file")
    created_at: dt.datetime
    updated_at: dt.datetime
    finished_at: dt.datetime | None
    purged_at: dt.datetime | None = Field(
        description="when the uploaded file and the result were removed (after the retention period, or on cancel)"
    )


class JobList(BaseModel):
    """Jobs, newest first."""

    jobs: list[JobStatus]


class JobRows(BaseModel):
    """A page of a finished job's per-row results, numbered from 0 in input order."""

    job_id: str
    offset: int
    rows: list[dict[str, Any]]


class ReviewRequest(BaseModel):
    """An analyst's confirmation or correction of an item's labels, or of an order's decision."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "item_id": "sku-1",
                    "text": "Fibre-optic gyro, bias stability 0.005 deg/h",
                    "labels": ["navigation_avionics"],
                    "confirmed": False,
                    "reason": "navigation-grade gyro; model missed it",
                    "model_version": "20261128-160000-1a2b3c4d",
                    "predicted_labels": [],
                }
            ]
        },
    )
    item_id: str | None = Field(None, max_length=200)
    text: str = Field(..., min_length=1)
    labels: list[str] | None = Field(None, description="the correct label ids ([] = not dual-use)")
    decision: Decision | None = None
    confirmed: bool = Field(False, description="true when the model's answer was right")
    reason: str = Field("", max_length=2000)
    model_version: str | None = None
    predicted_labels: list[str] | None = None


class ReviewRecord(ReviewRequest):
    """A stored review; `reviewer` is the name of the API key that stored it."""

    id: int
    created_at: dt.datetime
    reviewer: str


class ReviewList(BaseModel):
    """Stored reviews, oldest first."""

    reviews: list[ReviewRecord]


class LabelInfo(BaseModel):
    """One label of the taxonomy: its id (what every result and request uses) and what people read."""

    id: str
    name: str
    category: str = Field(description="where the label sits in the control lists, e.g. 'Cat. 7'")
    scope: str = Field(description="the control-list scope the label covers, e.g. 'Category 5 part 1 and part 2'")
    display: str = Field(description="name and category as the web page and the CLI show them")


class LabelList(BaseModel):
    """The labels in taxonomy order (the order of the score columns)."""

    labels: list[LabelInfo]
