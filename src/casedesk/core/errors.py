"""Errors a user can cause. Each message is written for that user; tracebacks are for our bugs."""

from __future__ import annotations


class CasedeskError(Exception):
    """Base of every error that is shown to the user as one line."""

    exit_code = 1


class CaseNotFound(CasedeskError):
    def __init__(self, case_id: int) -> None:
        super().__init__(f"no case #{case_id}")
        self.case_id = case_id


class CustomerNotFound(CasedeskError):
    def __init__(self, key: str) -> None:
        super().__init__(f"no customer {key}")


class Refused(CasedeskError):
    """The action is not allowed in the case's current state."""


class Conflict(Refused):
    """The case changed since the agent looked at it."""


class InvalidInput(CasedeskError):
    """A value the user typed cannot be understood (a date, an address...)."""


class PolicyError(CasedeskError):
    """policy.toml is wrong."""


class StoreError(CasedeskError):
    """The store file cannot be opened, read or written."""


class SearchSyntaxError(InvalidInput):
    pass


class Interrupted(CasedeskError):
    """A read was stopped (a search replaced by another, or abandoned) before it finished."""
