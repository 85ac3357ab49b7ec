"""check step: polite, fast, evidence-based outcomes for every URL.

async with Checker(CheckSettings(...)) as checker:
    async for result in checker.run(targets):
        ...  # result.observation (facts), result.classification (outcome + evidence)
"""

from audit.check.checker import Checker
from audit.check.classify import classify, classify_page, rules_stamp
from audit.check.report import encode_item, result_to_json, write_results
from audit.check.settings import (
    CheckResult,
    CheckSettings,
    CheckTarget,
    ResolveRule,
    parse_dns_server,
    parse_resolve,
)
from audit.check.shards import Shards, open_checker

__all__ = [
    "CheckResult",
    "CheckSettings",
    "CheckTarget",
    "Checker",
    "ResolveRule",
    "Shards",
    "classify",
    "classify_page",
    "encode_item",
    "open_checker",
    "parse_dns_server",
    "parse_resolve",
    "result_to_json",
    "rules_stamp",
    "write_results",
]
