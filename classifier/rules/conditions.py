"""The fixed vocabulary of rule conditions that policy files use, and how each is tested on an order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from classifier.rules.end_use import CIVILIAN, MILITARY, VAGUE, EndUseAssessment

DUAL_USE = "dual_use"
UNCERTAIN = "uncertain"
NOT_DUAL_USE = "not_dual_use"
ITEM_STATES = (DUAL_USE, UNCERTAIN, NOT_DUAL_USE)


@dataclass(frozen=True)
class Facts:
    """What screening established about one order line; rule conditions are tested against it."""

    item_states: frozenset[str]
    end_user_state: str
    end_user_note: str
    own_lists: dict[str, str]
    possible_lists: dict[str, str]
    group_lists: dict[str, str]
    parent_of_lists: dict[str, str]
    end_use_lists: dict[str, str]
    end_use: EndUseAssessment
    end_user_countries: frozenset[str]
    route: dict[str, tuple[str, ...]]


def _item(facts: Facts, values: tuple[str, ...]) -> str | None:
    states = [state for state in values if state in facts.item_states]
    return f"item is {' and '.join(state.replace('_', '-') for state in states)}" if states else None


def _end_user(facts: Facts, values: tuple[str, ...]) -> str | None:
    return facts.end_user_note if facts.end_user_state in values else None


def _listed(lists_of: Callable[[Facts], dict[str, str]], wording: str):
    def test(facts: Facts, values: tuple[str, ...]) -> str | None:
        hits = [f"{lists_of(facts)[list_id]} ({list_id})" for list_id in values if list_id in lists_of(facts)]
        return f"{wording}: {'; '.join(hits)}" if hits else None

    return test


def _end_use(facts: Facts, values: tuple[str, ...]) -> str | None:
    return facts.end_use.explain() if facts.end_use.kind in values else None


def _end_use_in(facts: Facts, values: tuple[str, ...]) -> str | None:
    hits = sorted(facts.end_use.countries & set(values))
    return f"the stated military use is in {', '.join(hits)}" if hits else None


def _end_user_country(facts: Facts, values: tuple[str, ...]) -> str | None:
    hits = sorted(facts.end_user_countries & set(values))
    return f"end-user country is {', '.join(hits)}" if hits else None


def _route(facts: Facts, values: tuple[str, ...]) -> str | None:
    hits = [f"{country} ({', '.join(facts.route[country])})" for country in values if country in facts.route]
    return f"route includes {'; '.join(hits)}" if hits else None


@dataclass(frozen=True)
class ConditionKind:
    """One condition a rule may state: what its values are and how it is tested."""

    values: str
    test: Callable[[Facts, tuple[str, ...]], str | None]
    choices: tuple[str, ...] = ()


# Keys of `applies_when` in a policy file. A rule fires when every condition it states holds; the values of
# one condition are alternatives (any of them will do).
CONDITIONS: dict[str, ConditionKind] = {
    # The item is likely dual-use (has labels), near a threshold (uncertain), or not likely dual-use (no labels).
    "item": ConditionKind("choices", _item, ITEM_STATES),
    # The end-user is blank or a placeholder, or names a firm only as a brand or supplier.
    "end_user": ConditionKind("choices", _end_user, ("blank", "unidentified")),
    # The end-user or the ultimate consignee, or the organisation it is a unit of, is on one of these lists.
    "end_user_on": ConditionKind("lists", _listed(lambda facts: facts.own_lists, "end-user is on the list")),
    # The end-user name is close to, but not confirmed as, an entity on one of these lists.
    "end_user_possibly_on": ConditionKind(
        "lists", _listed(lambda facts: facts.possible_lists, "end-user may be on the list (near match)")
    ),
    # A parent company of the end-user is on one of these lists, or the end-user's name extends a listed name
    # ("<listed name> Logistics": a separate company of the listed entity's group).
    "end_user_group_on": ConditionKind(
        "lists", _listed(lambda facts: facts.group_lists, "a parent company of the end-user is on the list")
    ),
    # A subsidiary or unit of the end-user is on one of these lists.
    "end_user_parent_of": ConditionKind(
        "lists", _listed(lambda facts: facts.parent_of_lists, "the end-user's group includes a listed entity")
    ),
    # The stated end-use names an entity on one of these lists ("for JMSDF P-3C", "用于日本海上自卫队").
    "end_use_names": ConditionKind("lists", _listed(lambda facts: facts.end_use_lists, "the stated end-use names")),
    # The stated end-use has military wording, is vague (blank or general words), or is civilian.
    "end_use": ConditionKind("choices", _end_use, (MILITARY, VAGUE, CIVILIAN)),
    # The stated end-use places its military use in one of these countries ("Japanese air force", 日本海军).
    "end_use_in": ConditionKind("countries", _end_use_in),
    # The end-user's country (as stated, as matched, or else the destination) is one of these.
    "end_user_country": ConditionKind("countries", _end_user_country),
    # One of these countries is the destination, an intermediate, or the end-user's country.
    "route_includes": ConditionKind("countries", _route),
}
