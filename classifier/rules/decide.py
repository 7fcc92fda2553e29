"""The screening decision for one order line: which rules in force fire, and the strongest decision among them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from classifier.rules.conditions import CONDITIONS, DUAL_USE, NOT_DUAL_USE, UNCERTAIN, Facts
from classifier.rules.disguise import unmasking_notes
from classifier.rules.end_use import affirmed_text, assess_end_use
from classifier.rules.entities import Entity, EntityList
from classifier.rules.errors import OrderInputError
from classifier.rules.matching import BLANK, MATCHED, POSSIBLE, UNIDENTIFIED, EndUserMatch
from classifier.rules.orders import CheckedOrder, ItemAssessment, Order, check_item, check_order, item_from_order
from classifier.rules.parties import END_USER, ULTIMATE_CONSIGNEE, Party, match_party, text_context
from classifier.rules.policies import DECISIONS, Instrument, Rule
from classifier.rules.ruleset import Policy

DISCLAIMER = "Screening outcome for a compliance reviewer, not a legal determination."
NO_RULE = "no-rule-in-force"
# Lists published by MOFCOM; their known gaps are named in the warnings of every decision that involves Japan.
PUBLISHED_LIST_KINDS = ("control_list", "watch_list")


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
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the decision as plain JSON-ready data."""
        return {
            "id": self.order_id,
            "decision": self.decision,
            "date": self.date.isoformat() if self.date else None,
            "reasons": self.reasons,
            "matched_entity": self.matched_entity,
            "warnings": self.warnings,
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
        return (
            f"end-user {match.query!r} names {name} only as a brand or supplier ({match.detail}); "
            "the end-user is not identified"
        )
    return ""


def _route(checked: CheckedOrder, matched: list[tuple[Party, Entity]]) -> dict[str, tuple[str, ...]]:
    places: dict[str, list[str]] = {}
    places.setdefault(checked.destination_country, []).append("destination_country")
    for country in checked.intermediate_countries:
        places.setdefault(country, []).append("intermediate_countries")
    if checked.end_user_country:
        places.setdefault(checked.end_user_country, []).append("end_user_country")
    for party, entity in matched:
        places.setdefault(entity.country, []).append(f"matched {party.role}")
    return {country: tuple(dict.fromkeys(where)) for country, where in places.items()}


def _item_states(item: ItemAssessment) -> frozenset[str]:
    states = {DUAL_USE if item.labels else NOT_DUAL_USE}
    if item.uncertain:
        states.add(UNCERTAIN)
    return frozenset(states)


def _context_countries(checked: CheckedOrder) -> frozenset[str]:
    """Return the order's country that gives a generic alias ('MOD', 'Ministry of Defense') its meaning."""
    if checked.end_user_country:
        return frozenset({checked.end_user_country})
    return frozenset({checked.destination_country})


def _merge(target: dict[str, str], lists: dict[str, str], party: Party) -> None:
    for list_id, name in lists.items():
        target.setdefault(list_id, name if party.role == END_USER else f"{name}, the {party.role}")


def _party_lists(parties: list[Party], policy: Policy, date: dt.date) -> dict[str, dict[str, str]]:
    """Return the lists the parties are on: own, possible, group (parents, or a name extended) and parent_of."""
    found: dict[str, dict[str, str]] = {"own": {}, "possible": {}, "group": {}, "parent_of": {}}
    for party in parties:
        if party.entity_id is None:
            continue
        entity = policy.entities[party.entity_id]
        own, group = _entity_lists(policy, entity, date)
        if party.match.status == POSSIBLE:
            _merge(found["possible"], own, party)
        elif party.extends:
            _merge(found["group"], {**group, **own}, party)
        else:
            _merge(found["own"], own, party)
            _merge(found["group"], group, party)
            for descendant in policy.descendants(entity.id):
                _merge(found["parent_of"], _lists_of(descendant, date), party)
    return found


def _end_use_lists(checked: CheckedOrder, context: frozenset[str], policy: Policy) -> dict[str, str]:
    """Return the lists of the entities the stated end-use names (outside what its denials take back)."""
    text = affirmed_text(checked.order.end_use, policy.vocabulary)
    lists: dict[str, str] = {}
    for named in policy.matcher.names_in_text(text, text_context(checked.order.end_use, context, policy.vocabulary)):
        for list_id, name in _entity_lists(policy, policy.entities[named.entity_id], checked.date)[0].items():
            lists.setdefault(list_id, f"{name}, written {named.alias!r}")
    return lists


def _facts(
    checked: CheckedOrder, item: ItemAssessment, parties: list[Party], context: frozenset[str], policy: Policy
) -> Facts:
    end_user = parties[0]
    lists = _party_lists(parties, policy, checked.date)
    matched = [(party, policy.entities[party.entity_id]) for party in parties if party.entity_id]
    countries = {checked.end_user_country} if checked.end_user_country else set()
    countries.update(entity.country for _, entity in matched)
    return Facts(
        item_states=_item_states(item),
        end_user_state=end_user.match.status,
        end_user_note=_end_user_note(end_user.match, policy),
        own_lists=lists["own"],
        possible_lists=lists["possible"],
        group_lists=lists["group"],
        parent_of_lists=lists["parent_of"],
        end_use_lists=_end_use_lists(checked, context, policy),
        end_use=assess_end_use(checked.order.end_use, policy.vocabulary),
        end_user_countries=frozenset(countries or {checked.destination_country}),
        route=_route(checked, matched),
    )


def _consulted_lists(policy: Policy, date: dt.date) -> list[EntityList]:
    """Return the entity lists that the rules in force on `date` consult."""
    ids = {
        list_id
        for instrument in policy.in_force_on(date)
        for rule in instrument.rules
        for kind, values in rule.conditions
        if CONDITIONS[kind].values == "lists"
        for list_id in values
    }
    return [policy.lists[list_id] for list_id in sorted(ids)]


def _warnings(checked: CheckedOrder, facts: Facts, policy: Policy) -> list[str]:
    """Return what the decision cannot know: a missing date, and the gaps of the published lists it consulted."""
    warnings = []
    if checked.order.date is None:
        warnings.append(f"the order has no date; it was screened as of today, {checked.date.isoformat()}")
    involves_japan = (
        "JP" in facts.route
        or "JP" in facts.end_user_countries
        or "JP" in facts.end_use.countries
        or bool(facts.end_use_lists)
    )
    if involves_japan:
        for entity_list in _consulted_lists(policy, checked.date):
            if entity_list.kind in PUBLISHED_LIST_KINDS:
                warnings += [f"{entity_list.title['en']}: {gap}" for gap in entity_list.gaps]
    return warnings


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


def _strength(party: Party) -> str:
    if party.match.status == POSSIBLE:
        return "possible"
    return "name extends it" if party.extends else "confirmed"


def _matched_entity(parties: list[Party], policy: Policy, facts: Facts, date: dt.date) -> dict | None:
    party = next((party for party in parties if party.entity_id), None)
    if party is None:
        return None
    match = party.match
    entity = policy.entities[party.entity_id]
    parent = policy.entities[entity.parent] if entity.parent else None
    own, group = _entity_lists(policy, entity, date)
    alias_source = next((alias.source for alias in entity.aliases if alias.text == match.alias and alias.source), None)
    return {
        "id": entity.id,
        "name": entity.name,
        "country": entity.country,
        "party": party.role,
        "strength": _strength(party),
        **match.as_dict(),
        "alias_source": alias_source,
        "lists": sorted(own) if match.status == MATCHED and not party.extends else [],
        "possible_lists": sorted(own) if match.status == POSSIBLE else [],
        "group_lists": sorted({**group, **own} if party.extends else group),
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
    parties = [match_party(END_USER, order.end_user, context, policy)]
    if (order.ultimate_consignee or "").strip():
        parties.append(match_party(ULTIMATE_CONSIGNEE, order.ultimate_consignee, context, policy))
    facts = _facts(checked, item, parties, context, policy)
    fired = []
    for instrument in policy.in_force_on(checked.date):
        for rule in instrument.rules:
            evidence = _fires(rule, facts)
            if evidence is not None:
                fired.append(_reason(instrument, rule, evidence, item, parties[0].match))
    if fired:
        decision = min((reason["decision"] for reason in fired), key=DECISIONS.index)
        reasons = [reason for reason in fired if reason["decision"] == decision]
    else:
        decision = "review"
        reasons = [
            {
                "rule": NO_RULE,
                "decision": decision,
                "detail": f"no rule in the policy data applies on {checked.date.isoformat()}; a person must decide",
                "labels": item.labels,
                "scores": item.scores,
            }
        ]
    unmasked = unmasking_notes({"end_user": order.end_user, "end_use": order.end_use})
    if unmasked:
        reasons = [{**reason, "text_normalised": unmasked} for reason in reasons]
    return Decision(
        decision=decision,
        reasons=reasons,
        matched_entity=_matched_entity(parties, policy, facts, checked.date),
        policy_version=policy.version,
        order_id=order.id,
        date=checked.date,
        item=item,
        warnings=_warnings(checked, facts, policy),
    )
