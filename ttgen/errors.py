"""User-facing errors: every failure a user can cause is one of these, printed as one line.

The CLI catches `TtgenError` and prints `str(error)`; anything else escaping is a bug in ttgen.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, a 1-based line (if known) and a JSON path into a spec (if any)."""

    file: str
    line: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}" if self.path else where


class TtgenError(Exception):
    """An error with a location, shown to the user as `file:line: json.path: message`."""

    kind = "error"

    def __init__(self, message: str, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class SpecError(TtgenError):
    """A spec that is malformed or asks for something impossible."""


class RenderError(TtgenError):
    """A template or output-folder problem while rendering."""
