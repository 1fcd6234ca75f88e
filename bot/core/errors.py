"""Domain errors. Their messages are written for the person using the bot: safe to show."""


class DomainError(Exception):
    """A failure the user can understand and act on."""


class NotFound(DomainError):
    pass


class RegistryFileInvalid(DomainError):
    """A registry file failed validation; `problems` lists every one, with its line or key."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("The registry file has problems:\n" + "\n".join(f"- {p}" for p in problems))


class PermissionDenied(DomainError):
    pass


class AlreadyDone(DomainError):
    """The thing asked for exists already (a pending request, a membership, a decision).
    `reference` names the existing record where there is one; `decided_by` who decided it."""

    def __init__(self, message: str, reference: str | None = None, decided_by: str | None = None):
        self.reference, self.decided_by = reference, decided_by
        super().__init__(message)


class InvalidInput(DomainError):
    pass
