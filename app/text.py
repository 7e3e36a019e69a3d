"""Marking user-facing text in the core.

The core never translates: it marks its messages with ``N_`` so that ``pybabel extract``
finds them, and carries the English source text (the gettext msgid) plus named
parameters. The front ends translate with ``i18n`` and then fill in the parameters.
"""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for extraction without translating it."""
    return message
