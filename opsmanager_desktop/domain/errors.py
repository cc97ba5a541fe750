"""Typed errors with messages a person can act on.

Every layer raises these; the GUI shows `str(error)`, the CLI maps them to exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass


class OpsError(Exception):
    """Base of the errors a user may see."""

    exit_code = 1


class PermissionDenied(OpsError):
    exit_code = 3


class NotSignedIn(OpsError):
    """No valid session: unknown, expired, tampered or ended token, or bad credentials."""

    exit_code = 3


class NotFound(OpsError):
    exit_code = 4


class Conflict(OpsError):
    """The change clashes with the data: a duplicate, a stale version, a locked run."""

    exit_code = 5


class LedgerOutOfStep(Conflict):
    """An account's stored money disagrees with the rows that justify it (its credit with
    its payments' allocation rows, say): the data is wrong, not the request. Named by
    account so a cycle's issue can leave that account's credit alone and go on, and the
    message sends the reader to `db check`, which lists every such disagreement."""

    def __init__(self, account_no: str, detail: str) -> None:
        self.account_no = account_no
        super().__init__(f"the ledger of account {account_no} is out of step: {detail}; "
                         "run `opsmanager db check` to list what is wrong")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong with input: where (row, field) and why."""

    field: str
    reason: str
    row: int | None = None

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.reason}"


class ValidationError(OpsError):
    exit_code = 2

    def __init__(self, problems: list[FieldProblem] | str, field: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(field or "input", problems)]
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:20]) + (
            f"; and {len(problems) - 20} more problems" if len(problems) > 20 else ""))


def invalid(field: str, reason: str, row: int | None = None) -> ValidationError:
    return ValidationError([FieldProblem(field, reason, row)])


class Unavailable(OpsError):
    """The database cannot be reached; nothing was changed, the action may be retried."""

    exit_code = 1
