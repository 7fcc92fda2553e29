"""The screening decision for one order line: which rules in force fire, and the strongest decision among them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from classifier.rules.conditions import CONDITIONS, DUAL_USE, NOT_DUAL_USE, UNCERTAIN, Facts
from classifier.rules.disguise import unmasking_notes
from classifier.rules.end_use import affirmed_text, assess_end_use
from classifier.rules.entities import Entity
from classifier.rules.errors import OrderInputError
from classifier.rules.matching import BLANK, MATCHED, POSSIBLE, UNIDENTIFIED, EndUserMatch
from classifier.rules.orders import CheckedOrder, ItemAssessment, Order, check_item, check_order, item_from_order
from classifier.rules.policies import DECISIONS, Instrument, Rule
from classifier.rules.ruleset import Policy

DISCLAIMER = "Screening outcome for a compliance reviewer, not a legal determination."
NO_RULE = "no-rule-in-force"


@dataclass(frozen=True)
class Decision:
    """A screening decision with the reasons that produced it and the end-user entity it matched."""

    decision: str
    reasons: list[dict]
    matched_entity: dict | None
    policy_version: str
    order_id: str | None = None
    date: dt.date | None = None
    item: ItemAssessment | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """Return the decision as plain JSON-ready data."""
        return {
            "id": self.order_id,
            "decision": self.decision,
            "date": self.date.isoformat() if self.date else None,
            "reasons": self.reasons,
            "matched_entity": self.matched_entity,
            "policy_version": self.policy_version,
            "disclaimer": DISCLAIMER,
        }


def _lists_of(entity: Entity, date: dt.date) -> dict[str, str]:
    return {m.list_id: entity.name for m in entity.memberships if m.active_on(date)}


def _entity_lists(policy: Policy, entity: Entity, date: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    """Return (lists the entity is on itself or through the units above it, lists of its parent companies)."""
    own = _lists_of(entity, date)
    group: dict[str, str] = {}
    for ancestor, across_subsidiary in policy.ancestors(entity.id):
        target = group if across_subsidiary else own
        for list_id, name in _lists_of(ancestor, date).items():
            target.setdefault(list_id, name)
    return own, group


def _end_user_note(match: EndUserMatch, policy: Policy) -> str:
    if match.status == BLANK:
        return f"end-user {match.query!r} is blank or a placeholder" if match.query else "end-user is blank"
    if match.status == UNIDENTIFIED:
        name = policy.entities[match.entity_id].name
        return (f"end-user {match.query!r} names {name} only as a brand or supplier ({match.detail}); "
                "the end-user is not identified")
    return ""


def _route(checked: CheckedOrder, entity: Entity | None) -> dict[str, tuple[str, ...]]:
    places: dict[str, list[str]] = {}
    places.setdefault(checked.destination_country, []).append("destination_country")
    for country in checked.intermediate_countries:
        places.setdefault(country, []).append("intermediate_countries")
    if checked.end_user_country:
        places.setdefault(checked.end_user_country, []).append("end_user_country")
    if entity is not None:
        places.setdefault(entity.country, []).append("matched end-user")
    return {country: tuple(dict.fromkeys(where)) for country, where in places.items()}


def _item_states(item: ItemAssessment) -> frozenset[str]:
    states = {DUAL_USE if item.labels else NOT_DUAL_USE}
    if item.uncertain:
        states.add(UNCERTAIN)
    return frozenset(states)


def _context_countries(checked: CheckedOrder) -> frozenset[str]:
    """Return the countries that give a generic alias ('MOD', 'Ministry of Defense') its meaning."""
    if checked.end_user_country:
        return frozenset({checked.end_user_country})
    return frozenset({checked.destination_country})


def _facts(checked: CheckedOrder, item: ItemAssessment, match: EndUserMatch, context: frozenset[str],
           policy: Policy) -> Facts:
    entity = policy.entities[match.entity_id] if match.status in (MATCHED, POSSIBLE) else None
    own: dict[str, str] = {}
    group: dict[str, str] = {}
    parent_of: dict[str, str] = {}
    possible: dict[str, str] = {}
    if entity is not None and match.status == MATCHED:
        own, group = _entity_lists(policy, entity, checked.date)
        for descendant in policy.descendants(entity.id):
            for list_id, name in _lists_of(descendant, checked.date).items():
                parent_of.setdefault(list_id, name)
    elif entity is not None:
        possible, _ = _entity_lists(policy, entity, checked.date)
    end_use_lists: dict[str, str] = {}
    for named in policy.matcher.names_in_text(affirmed_text(checked.order.end_use), context):
        for list_id, name in _entity_lists(policy, policy.entities[named.entity_id], checked.date)[0].items():
            end_use_lists.setdefault(list_id, name)
    countries = {checked.end_user_country} if checked.end_user_country else set()
    if entity is not None:
        countries.add(entity.country)
    return Facts(
        item_states=_item_states(item),
        end_user_state=match.status,
        end_user_note=_end_user_note(match, policy),
        own_lists=own,
        possible_lists=possible,
        group_lists=group,
        parent_of_lists=parent_of,
        end_use_lists=end_use_lists,
        end_use=assess_end_use(checked.order.end_use),
        end_user_countries=frozenset(countries or {checked.destination_country}),
        route=_route(checked, entity),
    )


def _fires(rule: Rule, facts: Facts) -> list[str] | None:
    """Return the evidence of each condition if all hold, else None."""
    evidence = []
    for kind, values in rule.conditions:
        found = CONDITIONS[kind].test(facts, values)
        if found is None:
            return None
        evidence.append(found)
    return evidence


def _reason(instrument: Instrument, rule: Rule, evidence: list[str], item: ItemAssessment, match: EndUserMatch) -> dict:
    reason = {
        "rule": f"{instrument.id}/{rule.id}",
        "decision": rule.decision,
        "citation": rule.citation or instrument.citation,
        "instrument": instrument.title["en"],
        "effective_from": instrument.effective_from.isoformat(),
        "source": instrument.sources[0]["url"],
        "detail": rule.detail,
        "evidence": evidence,
        "labels": item.labels,
        "scores": item.scores,
        "item_source": item.source,
    }
    if item.uncertain:
        reason["uncertain"] = item.uncertain
    if match.alias is not None:
        reason["matched_alias"] = match.alias
        reason["match_score"] = round(match.score, 1)
    return reason


def _matched_entity(match: EndUserMatch, policy: Policy, facts: Facts) -> dict | None:
    if match.status not in (MATCHED, POSSIBLE):
        return None
    entity = policy.entities[match.entity_id]
    parent = policy.entities[entity.parent] if entity.parent else None
    return {
        "id": entity.id,
        "name": entity.name,
        "country": entity.country,
        "strength": "confirmed" if match.status == MATCHED else "possible",
        **match.as_dict(),
        "lists": sorted(facts.own_lists if match.status == MATCHED else facts.possible_lists),
        "group_lists": sorted(facts.group_lists),
        "parent": {"id": parent.id, "name": parent.name, "relation": entity.relation} if parent else None,
    }


def screen_order(order: Order, item: ItemAssessment | None, policy: Policy) -> Decision:
    """Return the decision for one order line under the rules in force on its date; raise OrderInputError."""
    checked = check_order(order)
    item = item or item_from_order(order)
    if item is None:
        raise OrderInputError("the item is not classified: give labels or a control_code, or a classifier")
    item = check_item(item)
    context = _context_countries(checked)
    match = policy.matcher.match(order.end_user, context)
    facts = _facts(checked, item, match, context, policy)
    fired = []
    for instrument in policy.in_force_on(checked.date):
        for rule in instrument.rules:
            evidence = _fires(rule, facts)
            if evidence is not None:
                fired.append(_reason(instrument, rule, evidence, item, match))
    if fired:
        decision = min((reason["decision"] for reason in fired), key=DECISIONS.index)
        reasons = [reason for reason in fired if reason["decision"] == decision]
    else:
        decision = "review"
        reasons = [{
            "rule": NO_RULE,
            "decision": decision,
            "detail": f"no rule in the policy data applies on {checked.date.isoformat()}; a person must decide",
            "labels": item.labels,
            "scores": item.scores,
        }]
    unmasked = unmasking_notes({"end_user": order.end_user, "end_use": order.end_use})
    if unmasked:
        reasons = [{**reason, "text_normalised": unmasked} for reason in reasons]
    return Decision(
        decision=decision,
        reasons=reasons,
        matched_entity=_matched_entity(match, policy, facts),
        policy_version=policy.version,
        order_id=order.id,
        date=checked.date,
        item=item,
    )
