"""Errors the core raises, each tied to an exit code of cli.md.

The CLI maps them to exit codes; library users catch them as ordinary exceptions.
Messages are already worded for a person (in the language chosen by the caller).
"""

from __future__ import annotations


class CchcError(Exception):
    """Base class. ``exit_code`` follows the table in cli.md."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ConfigError(CchcError):
    """Usage or configuration error: bad option, invalid targets/mapping/calendar file (exit 2)."""

    exit_code = 2


class DataError(CchcError):
    """Input data error: file missing or unreadable, no header, required field missing,
    no usable rows (exit 3)."""

    exit_code = 3


class OutputError(ConfigError):
    """The result cannot be written where it was asked to go: ``--output`` is an input, a
    folder, in a missing folder, or the disk is full (exit 2, like any bad option). Nothing
    is left half-written."""
