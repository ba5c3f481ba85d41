"""Business rules. Each function takes plain arguments and an explicit actor."""


class DomainError(Exception):
    """A rule refused the request; the message is safe to show to the user."""


class NotAllowed(DomainError):
    pass


class InvalidTransition(DomainError):
    pass
