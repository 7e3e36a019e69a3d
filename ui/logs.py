"""Log files: rotating, per user, and never with case content or names.

A log outlives the store's encryption: it is a plain file in the user's folder, copied
into support tickets. So what reaches it is limited by construction, not by care:

- a message is a constant written in the code (``log.info("schema %d to %d", a, b)``),
  never an f-string or a value;
- arguments are numbers, booleans, ``None``, enums, or strings marked ``safe(...)``
  (type names, codes, versions); any other string argument becomes ``‹redacted›``;
- an exception is logged as its type and its traceback frames (file, line, function,
  source line: code, not values); its message only where the message is known to hold no
  content: the constant template of a ``HimayaError``, the errno of an ``OSError``, and
  SQLite's own messages (they name tables and columns; parameters are always bound).

Files: ``himaya.log`` (+ ``.1`` … ``.5``, 1 MiB each) in ``log_dir()``, mode 0600.
"""

from __future__ import annotations

import enum
import errno
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

import sqlcipher3

from app.errors import HimayaError, ValidationError

LOG_NAME = "himaya.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5
REDACTED = "‹redacted›"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class safe(str):  # noqa: N801 - reads as a marker at the call site: log.info("%s", safe(kind))
    """A string the caller vouches for: no case content, no names (a type name, a code)."""


def kind(exc: BaseException) -> safe:
    return safe(type(exc).__name__)


def log_dir() -> Path:
    """``HIMAYA_LOG_DIR``, else the platform's per-user place for logs."""
    override = os.environ.get("HIMAYA_LOG_DIR")
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "Himaya" / "logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "Himaya"
    base = os.environ.get("XDG_STATE_HOME") or home / ".local" / "state"
    return Path(base) / "himaya" / "logs"


def describe(exc: BaseException) -> str:
    """``Type: message`` where the message is known to be content-free, else ``Type``."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if isinstance(exc, ValidationError):  # the fields' names, never their values
        return f"{name}: {exc.template} [{', '.join(e.field for e in exc.errors)}]"
    if isinstance(exc, HimayaError):
        return f"{name}: {exc.template}"  # the constant msgid, never the rendered parameters
    if isinstance(exc, OSError) and exc.errno is not None:
        return f"{name}: [{errno.errorcode.get(exc.errno, exc.errno)}] {os.strerror(exc.errno)}"
    if isinstance(exc, sqlcipher3.Error):
        return f"{name}: {exc}"
    return name


def format_exception(exc: BaseException) -> str:
    """The chain of ``exc`` (causes first, as Python prints it), each without its message
    unless ``describe`` says it is safe."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    link: BaseException | None = exc
    joint = ""
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        chain.append((link, joint))
        if link.__cause__ is not None:
            link, joint = link.__cause__, "The above exception was the direct cause of the following exception:"
        elif link.__context__ is not None and not link.__suppress_context__:
            link, joint = link.__context__, "During handling of the above exception, another exception occurred:"
        else:
            link = None
    parts: list[str] = []
    for link, joint in reversed(chain):
        frames = traceback.extract_tb(link.__traceback__)
        parts.append("Traceback (most recent call last):\n" + "".join(frames.format()) + describe(link) + "\n")
        if joint:
            parts.append("\n" + joint + "\n\n")
    return "".join(parts).rstrip("\n")


def _clean_arg(value: object) -> object:
    if isinstance(value, (safe, bool, int, float, enum.Enum)) or value is None:
        return value
    return REDACTED


class ContentFreeFormatter(logging.Formatter):
    """Applies the policy above to every record, whoever logged it."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the original
        if not isinstance(record.msg, str):
            record.msg = REDACTED
        if isinstance(record.args, dict):
            record.args = {k: _clean_arg(v) for k, v in record.args.items()}
        elif record.args:
            record.args = tuple(_clean_arg(v) for v in record.args)
        record.exc_text = None
        try:
            return super().format(record)
        except (TypeError, ValueError):  # a message whose placeholders do not fit its arguments
            record.msg, record.args = REDACTED, ()
            return super().format(record)

    def formatException(self, ei) -> str:  # noqa: N802 - logging API
        _type, value, _tb = ei
        return format_exception(value) if value is not None else ""


class _PrivateRotatingHandler(logging.handlers.RotatingFileHandler):
    """Rotating files readable by their owner only."""

    def _open(self):  # noqa: ANN202 - logging API
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(folder: Path | None = None, level: int = logging.INFO) -> Path:
    """Send the ``himaya`` root logger's records to rotating files in ``folder``; idempotent.

    Returns the current log file's path. Records of other libraries go there too at
    WARNING and above, through the same content-free formatter.
    """
    folder = Path(folder) if folder else log_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / LOG_NAME
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _PrivateRotatingHandler):
            if Path(handler.baseFilename) == path:
                return path
            root.removeHandler(handler)
            handler.close()
    handler = _PrivateRotatingHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(ContentFreeFormatter(_FORMAT))
    handler.setLevel(level)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)  # other libraries: warnings and errors only
    for ours in ("ui", "app", "storage", "sync", "i18n"):
        logging.getLogger(ours).setLevel(level)
    return path


def stop_logging() -> None:
    """Close and remove the file handler (tests; the app keeps it to the end)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _PrivateRotatingHandler):
            root.removeHandler(handler)
            handler.close()


def current_log_file() -> Path | None:
    for handler in logging.getLogger().handlers:
        if isinstance(handler, _PrivateRotatingHandler):
            return Path(handler.baseFilename)
    return None


def tail(path: Path | None, lines: int = 40) -> list[str]:
    """The last ``lines`` lines of a log file (rotated files are not read)."""
    if path is None:
        return []
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 64 * 1024))
            data = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    return data.splitlines()[-lines:]


def log_crash(exc_type: type[BaseException], exc: BaseException | None, tb: TracebackType | None,
              where: str = "main thread") -> None:
    """An unhandled exception: its type and frames go to the log (see ``describe``)."""
    if exc is None:
        exc = exc_type()
    if exc.__traceback__ is None and tb is not None:
        exc = exc.with_traceback(tb)
    logging.getLogger("ui.crash").critical("unhandled %s in %s", kind(exc), safe(where),
                                           exc_info=(type(exc), exc, exc.__traceback__))
