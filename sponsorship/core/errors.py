"""Domain errors: a rule refused the request, with a message safe to show the user."""


class DomainError(Exception):
    """A rule refused the request; the message is safe to show to the user."""


class NotAllowed(DomainError):
    pass


class InvalidTransition(DomainError):
    pass
