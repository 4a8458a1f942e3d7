"""Choosing and streaming the audit logs a search reads.

Input selection follows the reference ausearch/aureport:

* ``-if FILE``: that file; ``-if DIR``: ``DIR/audit.log`` and its rotations;
* ``--input-logs``: the configured logs even when stdin is a pipe;
* stdin when it is a FIFO (a pipe);
* otherwise ``log_file`` of ``/etc/audit/auditd.conf`` plus its rotations
  ``log_file.1``, ``log_file.2`` ... read oldest first.

Reading emulates the reference's ``fgets`` into an 8970-byte buffer: a
line is cut into pieces of at most 8969 bytes (a 100 KB line becomes
several pieces, only the first of which looks like a record), and
everything after a NUL byte of a piece is ignored (C strings).  Files are
read in large binary chunks and decoded latin-1 (one char per byte), so
memory is bounded by the chunk size, not by the log size.
"""
from __future__ import annotations

import enum
import os
import select
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

AUDITD_CONF = "/etc/audit/auditd.conf"
DEFAULT_LOG_FILE = "/var/log/audit/audit.log"
DEFAULT_EOE_TIMEOUT = 2
MAX_AUDIT_MESSAGE_LENGTH = 8970
PIECE = MAX_AUDIT_MESSAGE_LENGTH - 1     # what one fgets() returns at most
CHUNK = 1 << 20
PIPE_IDLE_SECONDS = 3                    # the reference's alarm() on pipes


class InputError(Exception):
    """A one-line error about the input; ``str()`` is the exact message."""


@dataclass
class LogConfig:
    """The two auditd.conf settings a search needs."""

    log_file: str = DEFAULT_LOG_FILE
    end_of_event_timeout: int = DEFAULT_EOE_TIMEOUT
    loaded: bool = True


def load_log_config(path: str = AUDITD_CONF) -> LogConfig:
    """Read ``log_file`` and ``end_of_event_timeout``; defaults if unreadable."""
    cfg = LogConfig()
    try:
        with open(path, "rb") as f:
            text = f.read().decode("latin-1")
    except OSError:
        cfg.loaded = False
        return cfg
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if key == "log_file" and value:
            cfg.log_file = value
        elif key == "end_of_event_timeout" and value.isdigit():
            cfg.end_of_event_timeout = int(value)
    return cfg


class SourceKind(enum.Enum):
    FILE = "file"          # one file given with -if
    LOGS = "logs"          # a log file and its rotations
    STDIN = "stdin"        # a pipe on stdin


@dataclass
class InputPlan:
    """What to read, in order.  ``files`` is empty for stdin."""

    kind: SourceKind
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # NOTE lines for stderr


def stdin_is_pipe(fd: int = 0) -> bool:
    import stat
    try:
        return stat.S_ISFIFO(os.fstat(fd).st_mode)
    except OSError:
        return False


def rotated_logs(log_file: str) -> list[str]:
    """``log_file`` and its readable rotations, oldest first.

    Like the reference: count ``log_file``, ``.1``, ``.2`` ... while each is
    readable; if even ``log_file`` is not, the list is just ``[log_file]``
    (opening it then reports the error).
    """
    names = []
    candidate = log_file
    while os.access(candidate, os.R_OK):
        names.append(candidate)
        candidate = f"{log_file}.{len(names)}"
    if not names:
        return [log_file]
    return list(reversed(names))


def plan_input(user_file: str | None, force_logs: bool, config: LogConfig,
               stdin_fd: int = 0) -> InputPlan:
    """Decide the input as the reference does; InputError on a bad -if."""
    if user_file is not None:
        try:
            st = os.stat(user_file)
        except OSError as exc:
            raise InputError(f"stat: {os_message(exc)}") from None
        import stat
        if stat.S_ISDIR(st.st_mode):
            base = user_file if user_file.endswith("/") else user_file + "/"
            log_file = base + "audit.log"
            return InputPlan(SourceKind.LOGS, rotated_logs(log_file),
                             [f"NOTE - using logs in {log_file}"])
        return InputPlan(SourceKind.FILE, [user_file])
    if not force_logs and stdin_is_pipe(stdin_fd):
        return InputPlan(SourceKind.STDIN)
    return InputPlan(SourceKind.LOGS, rotated_logs(config.log_file))


def os_message(exc: OSError) -> str:
    """strerror text of an OSError, as latin-1 text for our output."""
    msg = exc.strerror or str(exc)
    return msg.encode("utf-8", "surrogateescape").decode("latin-1")


def open_log(path: str) -> BinaryIO:
    """Open a log for reading; InputError with the reference's message."""
    try:
        f = open(path, "rb", buffering=0)
        if os.path.isdir(path):
            f.close()
            raise IsADirectoryError(21, "Is a directory")
        return f
    except OSError as exc:
        raise InputError(f"Error opening {path} ({os_message(exc)})") from None


def _fix_piece(line: str) -> Iterator[str]:
    """Cut one line (without newline) as fgets(8970) + strdup would."""
    n = len(line)
    if n < PIECE:
        pieces = [line]
    else:
        # fgets returns PIECE chars at a time; the newline counts
        text = line + "\n"
        pieces = [text[i:i + PIECE] for i in range(0, len(text), PIECE)]
        last = pieces[-1]
        pieces[-1] = last[:-1]
        if last == "\n":
            pieces[-1] = "\n"     # a lone newline: fgets returns "\n"
    for p in pieces:
        nul = p.find("\0")
        yield p if nul < 0 else p[:nul]


CONTROL_BYTES = bytes(c for c in range(32) if c not in (0x0a, 0x1d))


@dataclass
class InputStats:
    """What the reader noticed about the input so far.

    ``controls``: some byte below 0x20 other than newline and the ENRICHED
    separator was read (until then no record text needs escaping).
    """

    controls: bool = False


def read_pieces(f: BinaryIO, idle_timeout: float | None = None,
                stats: InputStats | None = None) -> Iterator[list[str]]:
    """Yield the input as blocks of line pieces (latin-1, newlines removed).

    A piece equal to ``"\\n"`` stands for a lone newline left by cutting a
    long line; it never parses as a record.  With ``idle_timeout`` (pipes),
    an empty list is yielded whenever no data came for that long, which lets
    the caller finish the events in flight, like the reference.
    """
    rest = ""
    fd = None
    if idle_timeout is not None:
        try:
            fd = f.fileno()
        except (OSError, ValueError, AttributeError):
            fd = None
    while True:
        if fd is not None:
            try:
                ready, _, _ = select.select([fd], [], [], idle_timeout)
            except (OSError, ValueError):
                ready = [fd]
            if not ready:
                yield []
                continue
            data = os.read(fd, CHUNK)
        else:
            data = f.read(CHUNK)
        if not data:
            break
        if stats is not None and not stats.controls:
            if len(data.translate(None, CONTROL_BYTES)) != len(data):
                stats.controls = True
        text = rest + data.decode("latin-1")
        cut = text.rfind("\n")
        if cut < 0:
            rest = text
            if len(rest) > 4 * CHUNK:          # one giant line: cut it now
                keep = len(rest) - len(rest) % PIECE
                yield [p.split("\0", 1)[0] for p in
                       (rest[i:i + PIECE] for i in range(0, keep, PIECE))]
                rest = rest[keep:]
            continue
        lines = text[:cut].split("\n")
        rest = text[cut + 1:]
        if "\0" in text or max(map(len, lines)) >= PIECE:
            yield _normalise(lines)
        else:
            yield lines
    if rest:
        # last line without a newline
        if len(rest) >= PIECE or "\0" in rest:
            pieces = [rest[i:i + PIECE] for i in range(0, len(rest), PIECE)]
            yield [p.split("\0", 1)[0] for p in pieces]
        else:
            yield [rest]


def _normalise(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if len(line) < PIECE and "\0" not in line:
            out.append(line)
        else:
            out.extend(_fix_piece(line))
    return out
