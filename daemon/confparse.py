"""The reader shared by the audit ``key = value`` configuration files
(auditd.conf, audisp-remote.conf, plugins.d/*.conf).

The reference parses the three with one style of code and per-file keyword
tables (audit-userspace 3.0.9: ``src/auditd-config.c``,
``audisp/plugins/remote/remote-config.c``, ``audisp/audispd-pconfig.c``).
This module holds what they share: reading and checking the file
(:func:`read_config_file`), cutting it into ``(lineno, name, value, option)``
entries with the reference's tokenising rules and messages
(:func:`iter_entries`), and the value converters (:func:`choice`,
:func:`yes_no`, :func:`number`, :func:`strtoul`, :func:`check_exe`).

Where the three files differ, the caller says how: errors are built by an
``error`` callable (``str -> Exception``: the module's exception class, or a
function that also logs), non-fatal complaints go to ``warn``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Callable, Iterator

ErrorFn = Callable[[str], Exception]
WarnFn = Callable[[str], None]

ULONG_MAX = 2**64 - 1
ERANGE_TEXT = "Numerical result out of range"


@dataclass(frozen=True)
class Entry:
    """One ``name = value [option]`` line."""

    lineno: int
    name: str           # as written (messages quote it so)
    value: str
    option: str | None

    @property
    def key(self) -> str:
        return self.name.lower()


# --------------------------------------------------------------------------
# messages every file shares

def missing_file_text(path: str) -> str:
    return f"Config file {path} doesn't exist, skipping"


def unknown_keyword_text(name: str, lineno: int, file: str) -> str:
    return f'Unknown keyword "{name}" in line {lineno} of {file}'


def invalid_option_text(name: str, option: str, lineno: int, file: str) -> str:
    return f'Keyword "{name}" has invalid option "{option}" in line {lineno} of {file}'


def option_not_found_text(value: str, lineno: int) -> str:
    return f"Option {value} not found - line {lineno}"


# --------------------------------------------------------------------------
# the file

def read_config_file(path: str, error: ErrorFn, *,
                     open_error: str = "Error opening {path} ({strerror})",
                     follow_links: bool = True, check_owner: bool = True,
                     opened: Callable[[], None] | None = None) -> str | None:
    """The file's text (latin-1), or None when it does not exist.

    Refused (``error``): a file that cannot be opened (``open_error`` is
    formatted with ``path`` and ``strerror``), with ``check_owner`` one not
    owned by root or world writable, and one that is not a regular file.
    ``opened`` is called once the file is open, before the checks.
    """
    flags = os.O_RDONLY | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(open_error.format(path=path, strerror=os.strerror(exc.errno))) from None
    try:
        st = os.fstat(fd)
        if opened is not None:
            opened()
        if check_owner and st.st_uid != 0:
            raise error(f"Error - {path} isn't owned by root")
        if check_owner and st.st_mode & stat.S_IWOTH:
            raise error(f"Error - {path} is world writable")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"Error - {path} is not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("latin-1")


# --------------------------------------------------------------------------
# lines and tokens

def split_tokens(text: str) -> list[str]:
    """audit_strsplit: tokens separated by spaces (tabs are part of tokens)."""
    return [t for t in text.split(" ") if t]


def iter_entries(text: str, file: str, error: ErrorFn, warn: WarnFn, *,
                 max_length: int | None = None, strip_cr: bool = False,
                 unterminated_last_too_long: bool = False) -> Iterator[Entry]:
    """The ``name = value [option]`` entries of ``text``, in order.

    Blank lines and ``#`` comments are skipped.  A line without ``=`` as its
    second token, or without a value, raises ``error``; more than four
    tokens only ``warn`` (the first four are used).  ``max_length``: longer
    lines are skipped with a warning (the reference's fixed line buffer);
    ``unterminated_last_too_long``: a last line without its newline is taken
    for a too-long line and ends the file (auditd.conf's fgets loop);
    ``strip_cr``: a carriage return ending a line is dropped.
    """
    lines = text.split("\n")
    last_unterminated = lines[-1] != ""
    if not last_unterminated:
        lines.pop()
    for lineno, raw in enumerate(lines, start=1):
        if unterminated_last_too_long and last_unterminated and lineno == len(lines):
            warn(f"Skipping line {lineno} in {file}: too long")
            return
        if max_length is not None and len(raw) > max_length:
            warn(f"Skipping line {lineno} in {file}: too long")
            continue
        if strip_cr:
            raw = raw.rstrip("\r")
        tokens = split_tokens(raw)
        if not tokens or tokens[0].startswith("#"):
            continue
        if len(tokens) < 2:
            raise error(f"Wrong number of arguments for line {lineno} in {file}")
        if tokens[1] != "=":
            raise error(f"Missing equal sign for line {lineno} in {file}")
        if len(tokens) < 3:
            raise error(f"Wrong number of arguments for line {lineno} in {file}")
        if len(tokens) > 4:
            warn(f"Wrong number of arguments for line {lineno} in {file}")
        yield Entry(lineno, tokens[0], tokens[2], tokens[3] if len(tokens) > 3 else None)


# --------------------------------------------------------------------------
# values

def choice(enum_type, value: str, lineno: int, error: ErrorFn, allowed=None):
    """The member of ``enum_type`` (among ``allowed``) whose value is ``value``
    (case-insensitive)."""
    for member in enum_type:
        if (allowed is None or member in allowed) and member.value == value.lower():
            return member
    raise error(option_not_found_text(value, lineno))


def yes_no(value: str, lineno: int, error: ErrorFn) -> bool:
    v = value.lower()
    if v == "yes":
        return True
    if v == "no":
        return False
    raise error(option_not_found_text(value, lineno))


def strtoul(text: str) -> int:
    """C strtoul on a string of digits (leading blanks, trailing junk ignored);
    OverflowError beyond ULONG_MAX."""
    digits = ""
    for ch in text.lstrip():
        if not ch.isdigit():
            break
        digits += ch
    if not digits:
        return 0
    value = int(digits)
    if value > ULONG_MAX:
        raise OverflowError
    return value


def number(value: str, lineno: int, error: ErrorFn, low: int = 0,
           high: int | None = None) -> int:
    """An unsigned decimal number, ASCII digits only, ``low <= n <= high``
    (``low`` 0 and ``high`` None: no bound)."""
    for ch in value:
        if not ("0" <= ch <= "9"):
            raise error(f"Value {value} should only be numbers - line {lineno}")
    try:
        n = strtoul(value)
    except OverflowError:
        raise error(f"Error converting string to a number ({ERANGE_TEXT}) - line {lineno}") \
            from None
    if high is not None and n > high:
        raise error(f"Error - converted number ({value}) is too large - line {lineno}")
    if low and n < low:
        raise error(f"Error - converted number ({value}) is too small - line {lineno}")
    return n


def check_program_file(path: str, error: ErrorFn, mode_ok: Callable[[int], bool],
                       modes_text: str, suffix: str = "") -> os.stat_result:
    """A program the daemon runs: a regular file owned by root whose permission
    bits satisfy ``mode_ok`` (else the message names ``modes_text``).
    ``suffix`` ends every message (`` - line N``).  Returns its stat."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise error(f"Unable to stat {path} ({os.strerror(exc.errno)}){suffix}") from None
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path} is not a regular file{suffix}")
    if st.st_uid != 0:
        raise error(f"{path} is not owned by root{suffix}")
    if not mode_ok(stat.S_IMODE(st.st_mode) & 0o777):
        raise error(f"{path} permissions should be {modes_text}{suffix}")
    return st


def check_exe(path: str | None, lineno: int, error: ErrorFn,
              mode_ok: Callable[[int], bool], modes_text: str) -> None:
    """An ``exec`` action's program: given, absolute, and passing
    :func:`check_program_file` (messages name the line)."""
    if path is None:
        raise error(f"Executable path needed for line {lineno}")
    if not path.startswith("/"):
        raise error(f"Absolute path needed for {path} - line {lineno}")
    check_program_file(path, error, mode_ok, modes_text, f" - line {lineno}")
