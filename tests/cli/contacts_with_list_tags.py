"""Contacts and what they feed."""

from hamilton.function_modifiers import tag


@tag(pii=["email", "phone"], owner="crm")
def contacts(export_path: str) -> dict:
    return {}


@tag(pii="email", owner=["growth", "marketing"])
def email_hashes(contacts: dict) -> list:
    return []


def reachable(contacts: dict) -> int:
    return 0


@tag(artifact="campaign", owner=["marketing", "sales"])
def campaign(email_hashes: list, reachable: int) -> dict:
    return {}


@tag(artifact=["report", "dashboard"], owner="finance")
def report(campaign: dict) -> str:
    return ""


@tag(owner="finance")
def budget_left(budget: float) -> float:
    return budget
