"""The exceptions entropylaw raises for problems a user can fix."""

from __future__ import annotations


class EntropyLawError(Exception):
    """Base class: the CLI prints these as one line, ``Error: <message>``.

    The message is made safe here, once for every error: one line, credentials redacted,
    terminal controls escaped, each piece of echoed input capped (see ``_text.clean_message``).
    """

    def __init__(self, message="", *args):
        from ._text import clean_message

        super().__init__(clean_message(message), *args)


class InputError(EntropyLawError, ValueError):
    """A source, key, row or argument is not what was expected."""


class ArgumentError(InputError):
    """An option or argument outside its allowed range (the CLI exits 2, as for usage errors)."""


class FitError(EntropyLawError, ValueError):
    """The data cannot be fitted (too few points, constant entropy, ...)."""


class MissingDependencyError(EntropyLawError, ImportError):
    """An optional reader needs a package that is not installed."""

    def __init__(self, package: str, extra: str, purpose: str):
        self.package = package
        self.extra = extra
        super().__init__(
            f"{purpose} needs the '{package}' package: pip install \"entropylaw[{extra}]\""
        )


def require(module: str, *, extra: str, purpose: str):
    """Import an optional module, or raise MissingDependencyError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise MissingDependencyError(module.split(".")[0], extra, purpose) from exc
