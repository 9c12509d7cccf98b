"""The one domain error type (DESIGN "Where logic lives").

Services raise ApplicationError with a message constant and a stable code; the API turns it into
a 4xx JSON body carrying the code, the portal into a form error. Tests assert on the constants.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, message: str, code: str, extra: dict[str, Any] | None = None, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
        self.status = status

    def __str__(self) -> str:
        return str(self.message)
