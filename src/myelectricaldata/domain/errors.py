"""The package's base exception: every error says what went wrong and what to do."""


class MedError(Exception):
    """Base of every error raised by this package."""


class InvalidInput(MedError, ValueError):
    """A value given by a user or a peer is not acceptable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message
