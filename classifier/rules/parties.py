"""The parties an order names (end-user, ultimate consignee), each matched against the entity lists in its context."""

from __future__ import annotations

from dataclasses import dataclass

from classifier.rules.entities import Entity
from classifier.rules.matching import MATCHED, POSSIBLE, UNMATCHED, EndUserMatch
from classifier.rules.names import fold_text, has_kana
from classifier.rules.ruleset import Policy
from classifier.rules.vocabulary import Vocabulary

END_USER = "end-user"
ULTIMATE_CONSIGNEE = "ultimate consignee"


@dataclass(frozen=True)
class Party:
    """One named party of an order and its match; `extends` when its name extends the matched entity's name."""

    role: str
    match: EndUserMatch
    extends: bool = False

    @property
    def entity_id(self) -> str | None:
        """Return the id of the matched (confirmed or possible) entity, or None."""
        return self.match.entity_id if self.match.status in (MATCHED, POSSIBLE) else None


def text_context(text: str | None, base: frozenset[str], vocabulary: Vocabulary) -> frozenset[str]:
    """Return the countries that give a generic name ('Ministry of Defense') its meaning in `text`.

    The order's country counts; Japan counts too when the text is written with kana or names Japan or an SDF base
    town; Japan never counts when the text names another country ("Ministry of Defence, Republic of Korea").
    """
    folded = fold_text(text or "")
    if vocabulary.names_foreign_country(folded):
        return base - {"JP"}
    if has_kana(text or "") or vocabulary.japan_words(folded):
        return base | {"JP"}
    return base


def _is_company(entity: Entity, policy: Policy) -> bool:
    """Return True unless the entity is a military body (which has units, not companies, under its name)."""
    return not any(policy.lists[membership.list_id].kind == "military" for membership in entity.memberships)


def match_party(role: str, text: str | None, base: frozenset[str], policy: Policy) -> Party:
    """Return the party written as `text`, matched in its context, marked when its name extends a company's.

    A near match to a Japanese entity is dropped when the text names another country: "Ministry of Defence,
    Republic of Korea" is not a typo of "Japanese Ministry of Defense".
    """
    context = text_context(text, base, policy.vocabulary)
    match = policy.matcher.match(text, context)
    if (
        match.status == POSSIBLE
        and "JP" not in context
        and policy.entities[match.entity_id].country == "JP"
        and (policy.vocabulary.names_foreign_country(fold_text(text or "")))
    ):
        match = EndUserMatch(UNMATCHED, match.query)
    extends = (
        match.status == MATCHED
        and bool(match.detail)
        and _is_company(policy.entities[match.entity_id], policy)
        and policy.vocabulary.names_separate_company(match.detail)
    )
    return Party(role, match, extends)
