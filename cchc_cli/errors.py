"""Errors the core raises, each tied to an exit code of cli.md.

An error carries a code and parameters, never wording: ``DataError("file_not_found",
path=p)``. The text lives in the message catalogue (``i18n``: ``error.<code>`` and, when
there is something to do about it, ``error.<code>.hint``) and is worded at the edge, in
the language the user chose. ``str(e)`` and ``e.message`` word it in the default language
(``CCHC_LANG``, else Vietnamese) for library users.
"""

from __future__ import annotations

from typing import Any


class CchcError(Exception):
    """Base class. ``exit_code`` follows the table in cli.md."""

    exit_code = 1

    def __init__(self, code: str, /, *, hint: str | None = None, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params
        self.hint_code = hint  # another catalogue code for the hint (default: error.<code>.hint)

    def text(self, lang: str | None = None) -> str:
        from .i18n import has, t

        key = f"error.{self.code}"
        return t(key, lang, **self.params) if has(key) else self.code  # (a code not yet catalogued)

    def hint_text(self, lang: str | None = None) -> str | None:
        from .i18n import has, t

        key = f"error.{self.hint_code or self.code}.hint"
        if has(key):
            return t(key, lang, **self.params)
        return self.hint_code if self.hint_code and not has(f"error.{self.hint_code}.hint") and " " in self.hint_code else None

    @property
    def message(self) -> str:
        return self.text()

    @property
    def hint(self) -> str | None:
        return self.hint_text()

    def __str__(self) -> str:
        h = self.hint_text()
        return self.text() if not h else f"{self.text()}\n{h}"


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


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind like Ctrl-C (no partial output is left) and end
    with 128 + the signal's number (143, 129)."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def on_termination_signals() -> None:
    """Turn SIGTERM and SIGHUP into ``Terminated`` in the main thread."""
    import signal

    def handler(signum, frame):  # noqa: ARG001
        raise Terminated(signum)

    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            try:
                signal.signal(sig, handler)
            except (ValueError, OSError):  # not the main thread, or not allowed here
                pass
