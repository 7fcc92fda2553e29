"""Screening rules: may this dual-use item go to this end-user, under China's controls on a given date.

Policies (one file per legal instrument) and entity lists are data under data/policies and data/entities;
this package loads and validates them, matches end-user names, and combines item labels, end-user, end-use,
route and date into prohibited / review / license_required / not_controlled, with reasons.
"""

from classifier.rules.decide import DISCLAIMER, Decision, screen_order
from classifier.rules.errors import ListImportError, OrderInputError, PolicyFileError
from classifier.rules.importer import check_against_data, dump_entity_list, import_entity_list
from classifier.rules.orders import ItemAssessment, Order
from classifier.rules.policies import DECISIONS
from classifier.rules.rows import OUTPUT_COLUMNS, screen_rows
from classifier.rules.ruleset import Policy, load_policy

__all__ = [
    "DECISIONS",
    "DISCLAIMER",
    "OUTPUT_COLUMNS",
    "Decision",
    "ItemAssessment",
    "ListImportError",
    "Order",
    "OrderInputError",
    "Policy",
    "PolicyFileError",
    "check_against_data",
    "dump_entity_list",
    "import_entity_list",
    "load_policy",
    "screen_order",
    "screen_rows",
]
