"""auditctl command-line syntax -> a rule (and the control requests on the same line).

:func:`parse_rule_args` processes one auditctl argument vector the way the
reference does (GNU getopt permutation, the same checks in the same order,
the same messages).  Requests that the reference sends to the kernel while
it parses (``-e``, ``-f``, ``-r``, ``-b``, ``-s``, ``-l``, ``-D``, ``-m``...)
go to an :class:`Executor`; the default :class:`RecordingExecutor` only
records them, so rules parse without a kernel.

Return codes (``ParsedCommand.retval``) are the reference's: ``1`` a rule
to send, ``0`` a status reply to print, ``-2`` done, ``-1`` error, ``-3``
deprecated (ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field as dc_field
from typing import Callable

from audix.analysis.accounts import gid_by_name, uid_by_name

from . import rules_lookup as lk
from .getopt_gnu import GnuGetopt, LongOption
from .rules import (
    BITMASK_WORDS,
    FILTER_MASK,
    FILTER_PREPEND,
    KEY_SEPARATOR,
    MAX_FIELDS,
    MAX_KEY_LEN,
    PERM_ALL,
    PERM_ATTR,
    PERM_EXEC,
    PERM_READ,
    PERM_WRITE,
    Action,
    F,
    Filter,
    Operator,
    Rule,
    RuleField,
)

FILTER_UNSET = 0x80
PATH_MAX = 4096
NAME_MAX = 255
AF_MAX = 46  # glibc 2.36 / Linux 6.x

FEATURE_EXECUTABLE_PATH = 0x04
FEATURE_EXCLUDE_EXTEND = 0x08
FEATURE_SESSIONID_FILTER = 0x10
FEATURE_LOST_RESET = 0x20
FEATURE_FILTER_FS = 0x40

SHORT_OPTS = "hicslDvtC:e:f:r:b:a:A:d:S:F:m:R:w:W:k:p:q:"
LONG_OPTS = [
    LongOption("loginuid-immutable", False, 1),
    LongOption("backlog_wait_time", True, 2),
    LongOption("reset-lost", False, 3),
    LongOption("reset_backlog_wait_time_actual", False, 4),
    LongOption("signal", True, 5),
]

# libaudit's EAU_* error numbers and how audit_number_to_errmsg prints them:
# (position of the option text: 0 none, 1 before, 2 after, 3 print nothing)
EAU_OPMISSING, EAU_FIELDUNKNOWN, EAU_ARCHMISPLACED, EAU_ARCHUNKNOWN = 1, 2, 3, 4
EAU_ELFUNKNOWN, EAU_ARCHNOBIT, EAU_EXITONLY, EAU_MSGTYPEUNKNOWN = 5, 6, 7, 8
EAU_MSGTYPEEXCLUDEUSER, EAU_UPGRADEFAIL, EAU_STRTOOLONG, EAU_MSGTYPECREDEXCLUDE = 9, 10, 11, 12
EAU_OPEQNOTEQ, EAU_PERMRWXA, EAU_ERRUNKNOWN, EAU_FILETYPEUNKNOWN = 13, 14, 15, 16
EAU_EXITENTRYONLY, EAU_KEYDEP, EAU_FIELDVALMISSING, EAU_FIELDVALNUM = 17, 19, 20, 21
EAU_FIELDNAME, EAU_COMPFIELDNAME, EAU_COMPVAL, EAU_COMPFIELDUNKNOWN = 22, 24, 25, 26
EAU_COMPVALUNKNOWN, EAU_FIELDTOOMANY, EAU_OPEQ, EAU_FIELDNOSUPPORT = 27, 28, 29, 30
EAU_FIELDNOFILTER, EAU_FILTERMISSING, EAU_COMPINCOMPAT, EAU_FIELDUNAVAIL = 31, 32, 33, 34
EAU_FILTERNOSUPPORT, EAU_FSTYPEUNKNOWN, EAU_FIELDVALTOOBIG, EAU_PRINT_NOTHING = 35, 36, 37, 38

ERROR_TEXTS: dict[int, tuple[int, str]] = {
    EAU_OPMISSING: (2, "-F missing operation for"),
    EAU_FIELDUNKNOWN: (2, "-F unknown field:"),
    EAU_ARCHMISPLACED: (1, "must be before -S"),
    EAU_ARCHUNKNOWN: (1, "machine type not found"),
    EAU_ELFUNKNOWN: (1, "elf mapping not found"),
    EAU_ARCHNOBIT: (1, "requested bit level not supported by machine"),
    EAU_EXITONLY: (1, "can only be used with exit filter list"),
    EAU_MSGTYPEUNKNOWN: (2, "-F unknown message type -"),
    EAU_MSGTYPEEXCLUDEUSER: (0, "msgtype field can only be used with exclude or user filter list"),
    EAU_UPGRADEFAIL: (0, "Failed upgrading rule"),
    EAU_STRTOOLONG: (0, "String value too long"),
    EAU_MSGTYPECREDEXCLUDE: (0, "Only msgtype, *uid, *gid, pid, and subj* fields can be used with exclude filter"),
    EAU_OPEQNOTEQ: (1, "only takes = or != operators"),
    EAU_PERMRWXA: (0, "Permission can only contain  'rwxa'"),
    EAU_ERRUNKNOWN: (2, "-F unknown errno -"),
    EAU_FILETYPEUNKNOWN: (2, "-F unknown file type - "),
    EAU_EXITENTRYONLY: (1, "can only be used with exit and entry filter list"),
    18: (1, ""),
    EAU_KEYDEP: (0, "Key field needs a watch, syscall or exe path given prior to it"),
    EAU_FIELDVALMISSING: (2, "-F missing value after operation for"),
    EAU_FIELDVALNUM: (2, "-F value should be number for"),
    EAU_FIELDNAME: (2, "-F missing field name before operator for"),
    23: (2, ""),
    EAU_COMPFIELDNAME: (2, "-C missing field name before operator for"),
    EAU_COMPVAL: (2, "-C missing value after operation for "),
    EAU_COMPFIELDUNKNOWN: (2, "-C unknown field:"),
    EAU_COMPVALUNKNOWN: (2, "-C unknown right hand value for comparison with:"),
    EAU_FIELDTOOMANY: (2, "Too many fields in rule:"),
    EAU_OPEQ: (1, "only takes = operator"),
    EAU_FIELDNOSUPPORT: (2, "Field option not supported by kernel:"),
    EAU_FIELDNOFILTER: (1, "must be used with exclude, user, or exit filter"),
    EAU_FILTERMISSING: (0, "filter is missing from rule"),
    EAU_COMPINCOMPAT: (2, "-C incompatible comparison"),
    EAU_FIELDUNAVAIL: (1, "field is not valid for the filter"),
    EAU_FILTERNOSUPPORT: (1, "filter is not supported by the kernel"),
    EAU_FSTYPEUNKNOWN: (2, "file system type is unknown for field:"),
    EAU_FIELDVALTOOBIG: (2, "value is too large for field:"),
    EAU_PRINT_NOTHING: (3, ""),
}


def error_text(code: int, opt: str) -> str | None:
    """audit_number_to_errmsg: the line printed for ``-code`` (None: nothing)."""
    entry = ERROR_TEXTS.get(code)
    if entry is None:
        return None
    position, text = entry
    if position == 0:
        return text
    if position == 1:
        return f"{opt} {text}"
    if position == 2:
        return f"{text} {opt}"
    return None


# Field comparisons (-C): unordered pair of canonical names -> AUDIT_COMPARE_* code
_UID_FIELDS = {F.UID: "uid", F.EUID: "euid", F.SUID: "suid", F.FSUID: "fsuid", F.LOGINUID: "auid",
               F.OBJ_UID: "obj_uid"}
_GID_FIELDS = {F.GID: "gid", F.EGID: "egid", F.SGID: "sgid", F.FSGID: "fsgid", F.OBJ_GID: "obj_gid"}


def _comparison_code(field1: int, field2: int) -> int | None:
    from .rules_text import COMPARISONS

    for group in (_UID_FIELDS, _GID_FIELDS):
        if field1 in group and field2 in group and field1 != field2:
            pair = {group[field1], group[field2]}
            for code, names in COMPARISONS.items():
                if set(names) == pair:
                    return code
    return None


_MULTIPLE_RULE_OPS = "Multiple rule insert/delete operations are not allowed"


# -- environment and executor --------------------------------------------------------

def _is_dir(path: str) -> bool:
    try:
        return os.path.isdir(path.encode("latin-1"))
    except (OSError, ValueError):
        return False


@dataclass
class ParseEnv:
    """What parsing consults besides the arguments (replaceable in tests)."""

    features: Callable[[], int] = lambda: 0x7F  # kernel status feature_bitmap
    machine: Callable[[], str | None] = lk.host_machine
    lookup_user: Callable[[str], int | None] = uid_by_name
    lookup_group: Callable[[str], int | None] = gid_by_name
    is_dir: Callable[[str], bool] = _is_dir


class Executor:
    """Kernel requests auditctl makes while it parses.  Methods return what
    the reference's libaudit calls return (> 0 success) and print their own
    errors through ``err``; this base class succeeds without a kernel."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def _record(self, *call) -> int:
        self.calls.append(call)
        return 1

    def message(self, text: str, *, always_stderr: bool = False) -> None:
        """A diagnostic line the parser prints.  The reference sends most of
        them through audit_msg (stderr, or syslog while it reads a rules
        file); ``always_stderr`` marks the -F/-C error table it always
        prints on stderr."""

    # status setters (each followed by a status request for the final reply)
    def set_enabled(self, value: int) -> int:
        return self._record("set_enabled", value)

    def set_failure(self, value: int) -> int:
        return self._record("set_failure", value)

    def set_rate_limit(self, value: int) -> int:
        return self._record("set_rate_limit", value)

    def set_backlog_limit(self, value: int) -> int:
        return self._record("set_backlog_limit", value)

    def set_backlog_wait_time(self, value: int) -> int:
        return self._record("set_backlog_wait_time", value)

    def request_status(self) -> int:
        return self._record("request_status")

    # actions that end option processing; return the setopt retval
    def report_status(self, interpret: bool) -> int:
        self._record("report_status", interpret)
        return -2

    def list_rules(self, key: str, interpret: bool) -> bool:
        self._record("list_rules", key, interpret)
        return True

    def delete_all_rules(self, key: str) -> int:
        self._record("delete_all_rules", key)
        return 0

    def user_message(self, text: str) -> int:
        return self._record("user_message", text)

    def send_signal(self, name: str) -> int:
        self._record("send_signal", name)
        return -2

    def trim(self) -> int:
        return self._record("trim")

    def make_equivalent(self, mount_point: str, subtree: str) -> int:
        return self._record("make_equivalent", mount_point, subtree)

    def loginuid_immutable(self) -> int:
        return self._record("loginuid_immutable")

    def reset_lost(self) -> int:
        self._record("reset_lost")
        return 0

    def reset_backlog_wait_time_actual(self) -> int:
        self._record("reset_backlog_wait_time_actual")
        return 0

    def usage(self) -> None:
        self._record("usage")

    def version(self) -> None:
        self._record("version")


RecordingExecutor = Executor


@dataclass
class ParsedCommand:
    """The outcome of one auditctl argument vector."""

    retval: int = 0
    add: int = FILTER_UNSET  # filter list | FILTER_PREPEND, or FILTER_UNSET
    delete: int = FILTER_UNSET
    action: int = -1
    rule: Rule = dc_field(default_factory=Rule)
    syscall_added: bool = False
    list_requested: bool = False
    messages: list[str] = dc_field(default_factory=list)
    ignore: bool = False
    continue_error: bool = False
    interpret: bool = False

    @property
    def is_rule(self) -> bool:
        return self.retval > 0 and (self.add != FILTER_UNSET or self.delete != FILTER_UNSET)

    @property
    def is_delete(self) -> bool:
        return self.add == FILTER_UNSET and self.delete != FILTER_UNSET

    def final_rule(self) -> Rule:
        """The rule as auditctl sends it (``-S all`` added where no syscall was given)."""
        flags = self.add if self.add != FILTER_UNSET else self.delete
        rule = self.rule
        mask = list(rule.mask_words())
        if (flags & FILTER_MASK) != Filter.TASK and not self.syscall_added:
            mask = [0xFFFFFFFF] * BITMASK_WORDS
        from .rules import syscalls_from_mask

        return Rule(filter=Filter(flags & FILTER_MASK), action=Action(self.action if self.action >= 0 else 0),
                    prepend=bool(flags & FILTER_PREPEND), syscalls=syscalls_from_mask(mask),
                    fields=list(rule.fields), mask=tuple(mask))


class _Builder:
    """The reference's ``rule_new``: mask words and fields under construction."""

    def __init__(self) -> None:
        self.mask = [0] * BITMASK_WORDS
        self.fields: list[RuleField] = []

    def to_rule(self) -> Rule:
        from .rules import syscalls_from_mask

        return Rule(syscalls=syscalls_from_mask(self.mask), fields=list(self.fields), mask=tuple(self.mask))


class LineState:
    """Per-line state (the reference's reset_vars) plus what survives between lines."""

    def __init__(self) -> None:
        self.ignore = False
        self.continue_error = False
        self.interpret = False


class _Setopt:
    def __init__(self, argv: list[str], lineno: int, env: ParseEnv, executor: Executor,
                 persist: LineState) -> None:
        self.vars = ["auditctl"] + list(argv)
        self.count = len(self.vars)
        self.lineno = lineno
        self.env = env
        self.ex = executor
        self.persist = persist
        self.messages: list[str] = []
        # reset_vars
        self.list_requested = False
        self.syscall_added = False
        self.perm_added = False
        self.arch_added = False
        self.exe_added = False
        self.filterfs_added = False
        self.elf = 0
        self.add = FILTER_UNSET
        self.delete = FILTER_UNSET
        self.action = -1
        self.exclude = False
        self.multiple = 0
        self.rule = _Builder()
        self.key = ""
        self.keylen = MAX_KEY_LEN
        self._features: int | None = None

    # -- helpers ---------------------------------------------------------------------
    def msg(self, text: str) -> None:
        self.messages.append(text)
        self.ex.message(text)

    def errmsg(self, rc: int, opt: str) -> None:
        text = error_text(-rc, opt)
        if text is not None:
            self.messages.append(text)
            self.ex.message(text, always_stderr=True)

    def features(self) -> int:
        if self._features is None:
            self._features = self.env.features()
        return self._features

    def machine_for_syscalls(self) -> str | None:
        if not self.elf:
            return self.env.machine()
        return lk.machine_of_elf(self.elf)

    def syscall_by_name(self, mask: list[int], name: str) -> int:
        """audit_rule_syscallbyname_data: 0 ok, -1 unknown name, -2 no machine."""
        if name == "all":
            for i in range(BITMASK_WORDS):
                mask[i] = 0xFFFFFFFF
            return 0
        machine = self.machine_for_syscalls()
        if machine is None:
            return -2
        nr = lk.syscall_number_for_machine(name, machine)
        if nr is None and lk.c_isdigit(name):
            nr = lk.strtol(name)
            if nr & 0x80000000:
                nr = None
        if nr is None or nr < 0:
            return -1
        word = nr // 32
        if word > BITMASK_WORDS - 1:
            return -1
        mask[word] |= 1 << (nr % 32)
        return 0

    # -- the option loop ---------------------------------------------------------------
    def run(self) -> int:
        go = GnuGetopt(self.vars, SHORT_OPTS, LONG_OPTS)
        self.go = go
        retval = 0
        while retval >= 0:
            c = go.next()
            if c is None:
                break
            optarg = go.optarg
            handler = self._HANDLERS.get(c)
            if handler is None:
                bad = go.argv[go.optind - 1] if go.optind >= 2 else " "
                if self.lineno:
                    self.msg(f"Option {bad} on line {self.lineno} is invalid")
                else:
                    self.msg(f"Option {bad} is invalid")
                retval = -1
                continue
            result = handler(self, optarg, retval)
            if isinstance(result, tuple):  # ("return", value): leave setopt at once
                return result[1]
            retval = result
        # catch extra args or errors where the user types "- s"
        if go.optind == 1:
            retval = -1
        elif go.optind < self.count and retval != -1:
            self.msg("parameter passed without an option given")
            retval = -1
        if self.key and not self.list_requested:
            flags = 0
            if self.add != FILTER_UNSET:
                flags = self.add & FILTER_MASK
            elif self.delete != FILTER_UNSET:
                flags = self.delete & FILTER_MASK
            cmd = "key=" + self.key
            rc = self.fieldpair(cmd, flags)
            if rc != 0:
                self.errmsg(rc, self._printed_opt)
                retval = -1
        return retval

    # -- individual options --------------------------------------------------------------
    def opt_h(self, optarg, retval):
        self.ex.usage()
        return -1

    def opt_i(self, optarg, retval):
        self.persist.ignore = True
        return -2

    def opt_c(self, optarg, retval):
        self.persist.ignore = True
        self.persist.continue_error = True
        return -2

    def opt_s(self, optarg, retval):
        go = self.go
        if self.count > 3:
            self.msg("Too many options for status command")
            return -1
        if go.optind == 2 and self.count == 3:
            if go.argv[go.optind] == "-i":
                self.persist.interpret = True
                self.count -= 1
            else:
                self.msg("Only -i option is allowed")
                return -1
        return self.ex.report_status(self.persist.interpret)

    def _set_choice(self, optarg, setter, label):
        if optarg in ("0", "1", "2"):
            if setter(int(optarg)) > 0:
                self.ex.request_status()
                return None
            return -1
        self.msg(f"{label} must be 0, 1, or 2 was {optarg}")
        return -1

    def opt_e(self, optarg, retval):
        rc = self._set_choice(optarg, self.ex.set_enabled, "Enable")
        return retval if rc is None else rc

    def opt_f(self, optarg, retval):
        if optarg in ("0", "1", "2"):
            if self.ex.set_failure(int(optarg)) > 0:
                self.ex.request_status()
                return retval
            return ("return", -1)
        self.msg(f"Failure must be 0, 1, or 2 was {optarg}")
        return -1

    def _set_number(self, optarg, setter, what, label, retval):
        if optarg and lk.c_isdigit(optarg):
            if lk.strtoul_errno(optarg):
                self.msg(f"Error converting {what}")
                return ("return", -1)
            if setter(lk.strtoul(optarg)) > 0:
                self.ex.request_status()
                return retval
            return ("return", -1)
        self.msg(f"{label} must be a numeric value was {optarg}")
        return -1

    def opt_r(self, optarg, retval):
        return self._set_number(optarg, self.ex.set_rate_limit, "rate", "Rate", retval)

    def opt_b(self, optarg, retval):
        return self._set_number(optarg, self.ex.set_backlog_limit, "backlog", "Backlog", retval)

    def opt_backlog_wait_time(self, optarg, retval):
        return self._set_number(optarg, self.ex.set_backlog_wait_time, "backlog_wait_time",
                                "Backlog_wait_time", retval)

    def opt_l(self, optarg, retval):
        go = self.go
        if self.count > 4:
            self.msg("Wrong number of options for list request")
            return -1
        if self.count == 3:
            if go.optind < len(go.argv) and go.argv[go.optind] == "-i":
                self.persist.interpret = True
                self.count -= 1
            else:
                self.msg("Only -k or -i options are allowed")
                return -1
        elif self.count == 4 and not self._take_key_option("Only -k or -i options are allowed"):
            return -1
        if self.ex.list_rules(self.key, self.persist.interpret):
            self.list_requested = True
            return -2
        return -1

    def _strncat_key(self, text: str) -> None:
        self.key = (self.key + text[: self.keylen])

    def _take_key_option(self, refusal: str) -> bool:
        """``-l -k KEY`` / ``-D -k KEY``: the key (the reference takes it from
        the fourth word); otherwise ``refusal`` is said and False returned."""
        go = self.go
        if go.optind < len(go.argv) and go.argv[go.optind] == "-k":
            self._strncat_key(go.argv[3])
            self.count -= 2
            return True
        self.msg(refusal)
        return False

    def _rule_setup(self, opt: str, which: str) -> int:
        """audit_rule_setup: 0 ok, 1 'possible', 2 bad keyword, 3 multiple."""
        self.multiple += 1
        if self.multiple != 1:
            return 3
        if "," not in opt or "," in opt.split(",", 1)[1]:
            return 2
        first, second = opt.split(",", 1)
        filt = self.add if which == "add" else self.delete

        def lookup_filter(s: str) -> int | None:
            table = {"exit": Filter.EXIT, "task": Filter.TASK, "user": Filter.USER,
                     "exclude": Filter.EXCLUDE, "filesystem": Filter.FS}
            if s == "exclude":
                self.exclude = True
            v = table.get(s)
            return int(v) if v is not None else None

        def lookup_action(s: str) -> int:
            if s == "always":
                self.action = Action.ALWAYS
                return 0
            if s == "never":
                self.action = Action.NEVER
                return 0
            if s == "possible":
                return 1
            return 2

        def set_filter(v: int) -> None:
            nonlocal filt
            filt = v
            if which == "add":
                self.add = v
            else:
                self.delete = v

        if lookup_action(first) == 2:
            v = lookup_filter(first)
            if v is None:
                return 2
            set_filter(v)
        if filt == FILTER_UNSET:
            v = lookup_filter(second)
            if v is not None:
                set_filter(v)
        else:
            rc = lookup_action(second)
            if rc != 0:
                return rc
        if filt == FILTER_UNSET or self.action == -1:
            return 2
        return 0

    def _rule_list_option(self, optarg: str, which: str, multiple: str, bad: str, possible: str):
        """-a/-A/-d: take the list and action of ``optarg`` (``which``: "add" or
        "delete"); each option words its errors its own way, as the reference does."""
        rc = self._rule_setup(optarg, which)
        if rc == 3:
            self.msg(multiple)
            return -1
        if rc == 2:
            self.msg(f"{bad} rule - bad keyword {optarg}")
            return -1
        if rc == 1:
            self.msg(f"{possible} rule - possible is deprecated")
            return ("return", -3)
        return 1

    def opt_a(self, optarg, retval):
        if "task" in optarg and self.syscall_added:
            self.msg("Syscall auditing requested for task list")
            return -1
        return self._rule_list_option(optarg, "add", _MULTIPLE_RULE_OPS + "\n", "Append", "Append")

    def opt_A(self, optarg, retval):
        if "task" in optarg and self.syscall_added:
            self.msg("Error: syscall auditing requested for task list")
            return -1
        rc = self._rule_list_option(optarg, "add", _MULTIPLE_RULE_OPS, "Add", "Append")
        if rc == 1:
            self.add |= FILTER_PREPEND
        return rc

    def opt_d(self, optarg, retval):
        return self._rule_list_option(optarg, "delete", _MULTIPLE_RULE_OPS, "Delete", "Delete")

    def opt_S(self, optarg, retval):
        unknown_arch = not self.elf
        add_l = self.add & (FILTER_MASK | FILTER_UNSET)
        del_l = self.delete & (FILTER_MASK | FILTER_UNSET)
        if add_l == Filter.TASK or del_l == Filter.TASK:
            self.msg("Error: syscall auditing being added to task list")
            return ("return", -1)
        if add_l == Filter.USER or del_l == Filter.USER:
            self.msg("Error: syscall auditing being added to user list")
            return ("return", -1)
        if add_l == Filter.FS or del_l == Filter.FS:
            self.msg("Error: syscall auditing being added to filesystem list")
            return ("return", -1)
        if self.exclude:
            self.msg("Error: syscall auditing cannot be put on exclude list")
            return ("return", -1)
        if unknown_arch:
            machine = self.env.machine()
            if machine is None:
                self.msg("Error detecting machine type")
                return ("return", -1)
            elf = lk.elf_of_machine(machine)
            if not elf:
                self.msg(f"Error looking up elf type {machine}")
                return ("return", -1)
            self.elf = elf
        rc = self._parse_syscall(optarg)
        if rc == 0:
            self.syscall_added = True
            if unknown_arch and self.add != FILTER_UNSET:
                self._check_rule_mismatch(optarg)
            return retval
        if rc == -1:
            self.msg(f"Syscall name unknown: {optarg}")
        elif rc == -2:
            self.msg(f"Elf type unknown: 0x{self.elf:x}")
        return -1

    def _parse_syscall(self, optarg: str) -> int:
        if "," in optarg:
            for part in (p for p in optarg.split(",") if p):
                rc = self.syscall_by_name(self.rule.mask, part)
                if rc != 0:
                    if rc == -1:
                        self.msg(f"Syscall name unknown: {part}")
                        rc = -3
                    return rc
            return 0
        return self.syscall_by_name(self.rule.mask, optarg)

    def _check_rule_mismatch(self, option: str) -> None:
        old = self.elf
        swap = {0xC000003E: 0x40000003, 0x80000015: 0x14, 0x80000016: 0x16}
        self.elf = swap.get(self.elf, self.elf)
        tmp = [0] * BITMASK_WORDS
        for part in (p for p in option.split(",") if p):
            self.syscall_by_name(tmp, part)
        self.elf = old
        if tmp != self.rule.mask:
            if self.lineno:
                self.msg(f"WARNING - 32/64 bit syscall mismatch in line {self.lineno}, you should specify an arch")
            else:
                self.msg("WARNING - 32/64 bit syscall mismatch, you should specify an arch")

    def opt_F(self, optarg, retval):
        go = self.go
        flags = FILTER_UNSET
        if self.add != FILTER_UNSET:
            flags = self.add & FILTER_MASK
        elif self.delete != FILTER_UNSET:
            flags = self.delete & FILTER_MASK
        elif (go.optind >= self.count or "arch=" not in optarg
              or go.argv[go.optind] != "-t"):
            self.msg("List must be given before field")
            return -1
        if optarg.startswith("key="):
            return self._process_keys(optarg[4:], retval)
        rc = self.fieldpair(optarg, flags)
        if rc != 0:
            self.errmsg(rc, self._printed_opt)
            return -1
        last = self.rule.fields[-1].field
        if last == F.PERM:
            self.perm_added = True
        if last == F.EXE:
            self.exe_added = True
        return retval

    def opt_C(self, optarg, retval):
        flags = FILTER_UNSET
        if self.add != FILTER_UNSET:
            flags = self.add & FILTER_MASK
        elif self.delete != FILTER_UNSET:
            flags = self.delete & FILTER_MASK
        rc = self.interfield(optarg, flags)
        if rc != 0:
            self.errmsg(rc, self._printed_opt)
            return -1
        return retval

    def opt_m(self, optarg, retval):
        if self.count > 3:
            self.msg("The -m option must be only the only option and takes 1 parameter")
            return -1
        for ch in optarg:
            if ord(ch) < 32 or ord(ch) > 127:  # C: a signed char below 32
                self.msg("Illegal character in audit event")
                return ("return", -1)
        if self.ex.user_message(f"text={optarg}") <= 0:
            return -1
        return ("return", -2)

    def opt_R(self, optarg, retval):
        self.msg("Error - nested rule files not supported")
        return -1

    def opt_D(self, optarg, retval):
        if self.count > 4 or self.count == 3:
            self.msg("Wrong number of options for Delete all request")
            return -1
        if self.count == 4 and not self._take_key_option("Only the -k option is allowed"):
            return -1
        rc = self.ex.delete_all_rules(self.key)
        if rc == 0:
            self.ex.list_rules(self.key, self.persist.interpret)
            self.list_requested = True
            self.key = ""
            return -2
        return rc

    def opt_w(self, optarg, retval):
        if self.add != FILTER_UNSET or self.delete != FILTER_UNSET:
            self.msg("watch option can't be given with a syscall")
            return -1
        self.add = Filter.EXIT
        self.action = Action.ALWAYS
        self.syscall_added = True
        return self._setup_watch(optarg)

    def opt_W(self, optarg, retval):
        self.delete = Filter.EXIT
        self.action = Action.ALWAYS
        self.syscall_added = True
        return self._setup_watch(optarg)

    def _setup_watch(self, path: str) -> int:
        if len(path.encode("latin-1")) >= PATH_MAX:
            self.msg("The path passed for the watch is too big")
            return -1
        if not path.startswith("/"):
            self.msg("The path must start with '/'")
            return -1
        stripped = path.rstrip("/")
        base = stripped.rsplit("/", 1)[-1] if stripped else "/"
        if len(base.encode("latin-1")) > NAME_MAX:
            self.msg("The base name of the path is too big")
            return -1
        if ".." in path:
            self.msg("Warning - relative path notation is not supported")
        if "*" in path or "?" in path:
            self.msg("Warning - wildcard notation is not supported")
        if len(path) > 2 and path.endswith("/"):
            while path.endswith("/") and len(path) > 1:
                path = path[:-1]
        ftype = F.DIR if self.env.is_dir(path) else F.WATCH
        if self.rule.fields:
            self.msg("Rule is not empty\n")
            return -1
        self.rule.mask = [0xFFFFFFFF] * BITMASK_WORDS
        self.rule.fields = [RuleField(ftype, Operator.EQUAL, path),
                            RuleField(F.PERM, Operator.EQUAL, PERM_ALL)]
        self.perm_added = True
        return 1

    def opt_k(self, optarg, retval):
        if (not (self.syscall_added or self.perm_added or self.exe_added or self.filterfs_added)
                or (self.add == FILTER_UNSET and self.delete == FILTER_UNSET)):
            self.msg("key option needs a watch or syscall given prior to it")
            return -1
        return self._process_keys(optarg, retval)

    def _process_keys(self, optarg: str, retval: int) -> int:
        if len(optarg) + len(self.key) + (1 if self.key else 0) > MAX_KEY_LEN:
            self.msg("key option exceeds size limit")
            return -1
        if KEY_SEPARATOR in optarg:
            self.msg(f"key {optarg} has illegal character")
        if self.key:
            self.key += KEY_SEPARATOR
            self.keylen -= 1
        self.key += optarg[: max(self.keylen, 0)]
        self.keylen = MAX_KEY_LEN - len(self.key)
        return retval

    def opt_p(self, optarg, retval):
        if self.add == FILTER_UNSET and self.delete == FILTER_UNSET:
            self.msg("permission option needs a watch given prior to it")
            return -1
        if len(optarg) > 4:
            self.msg(f"permission {optarg} is too long")
            return -1
        val = 0
        for ch in optarg:
            bit = {"r": PERM_READ, "w": PERM_WRITE, "x": PERM_EXEC, "a": PERM_ATTR}.get(ch.lower())
            if bit is None:
                self.msg(f"Permission {ch} isn't supported")
                return -1
            val |= bit
        fields = self.rule.fields
        if not fields:
            self.msg("Permissions should be preceeded by other fields")
            return -1
        done = False
        for f in fields:
            if f.field == F.PERM:
                f.value = val
                done = True
        if not done:
            if len(fields) >= MAX_FIELDS - 1:
                self.msg("Too many fields when adding permissions")
                return -1
            fields.append(RuleField(F.PERM, Operator.EQUAL, val))
        self.perm_added = True
        return 1

    def opt_q(self, optarg, retval):
        if self.syscall_added:
            self.msg("Syscall auditing requested for make equivalent")
            return -1
        mp, comma, sub = optarg.partition(",")
        if not comma or not sub or "," in sub:
            self.msg("Error parsing equivalent parts")
            return -1
        if self.ex.make_equivalent(mp, sub) <= 0:
            return -1
        return ("return", -2)

    def opt_t(self, optarg, retval):
        if self.ex.trim() <= 0:
            return -1
        return ("return", -2)

    def opt_v(self, optarg, retval):
        self.ex.version()
        return -2

    def opt_loginuid_immutable(self, optarg, retval):
        if self.ex.loginuid_immutable() <= 0:
            return -1
        return ("return", -2)

    def _reset_reply(self, rc: int, counter: str, request: str):
        """--reset-lost / --reset_backlog_wait_time_actual: the counter's old value, or the error."""
        if rc >= 0:
            self.msg(f"{counter}: {rc}")
            return ("return", -2)
        self.errmsg(rc, request)
        return -1

    def opt_reset_lost(self, optarg, retval):
        if not self.features() & FEATURE_LOST_RESET:
            rc = -EAU_FIELDNOSUPPORT
        else:
            rc = self.ex.reset_lost()
        return self._reset_reply(rc, "lost", "reset-lost")

    def opt_reset_bwta(self, optarg, retval):
        return self._reset_reply(self.ex.reset_backlog_wait_time_actual(),
                                 "backlog_wait_time_actual", "reset_backlog_wait_time_actual")

    def opt_signal(self, optarg, retval):
        return self.ex.send_signal(optarg)

    _HANDLERS = {
        "h": opt_h, "i": opt_i, "c": opt_c, "s": opt_s, "e": opt_e, "f": opt_f, "r": opt_r,
        "b": opt_b, "l": opt_l, "a": opt_a, "A": opt_A, "d": opt_d, "S": opt_S, "F": opt_F,
        "C": opt_C, "m": opt_m, "R": opt_R, "D": opt_D, "w": opt_w, "W": opt_W, "k": opt_k,
        "p": opt_p, "q": opt_q, "t": opt_t, "v": opt_v,
        1: opt_loginuid_immutable, 2: opt_backlog_wait_time, 3: opt_reset_lost,
        4: opt_reset_bwta, 5: opt_signal,
    }

    # -- audit_rule_fieldpair_data ------------------------------------------------------
    _printed_opt = ""

    def fieldpair(self, pair: str, flags: int) -> int:
        self._printed_opt = pair
        fields = self.rule.fields
        if len(fields) >= MAX_FIELDS - 1:
            return -EAU_FIELDTOOMANY
        op = None
        for sym, o in (("!=", Operator.NOT_EQUAL), (">=", Operator.GREATER_THAN_OR_EQUAL),
                       ("<=", Operator.LESS_THAN_OR_EQUAL), ("&=", Operator.BIT_TEST),
                       ("=", Operator.EQUAL), (">", Operator.GREATER_THAN),
                       ("<", Operator.LESS_THAN), ("&", Operator.BIT_MASK)):
            pos = pair.find(sym)
            if pos >= 0:
                op = o
                f, v = pair[:pos], pair[pos + len(sym):]
                break
        if op is None:
            return -EAU_OPMISSING
        self._printed_opt = f
        if not f:
            return -EAU_FIELDNAME
        if not v:
            return -EAU_FIELDVALMISSING
        field = lk.field_number(f)
        if field is None or field < 0:
            return -EAU_FIELDUNKNOWN

        if flags == Filter.EXCLUDE:
            if not self.features() & FEATURE_EXCLUDE_EXTEND:
                if field != F.MSGTYPE:
                    return -EAU_FIELDNOSUPPORT
            elif field not in (F.PID, F.UID, F.GID, F.LOGINUID, F.MSGTYPE, F.SUBJ_USER, F.SUBJ_ROLE,
                               F.SUBJ_TYPE, F.SUBJ_SEN, F.SUBJ_CLR, F.EXE):
                return -EAU_MSGTYPECREDEXCLUDE
        if flags == Filter.FS and not self.features() & FEATURE_FILTER_FS:
            return -EAU_FILTERNOSUPPORT

        value: int | str
        if field in (F.UID, F.EUID, F.SUID, F.FSUID, F.LOGINUID, F.OBJ_UID):
            if lk.c_isdigit(v):
                value = lk.strtoul(v)
            elif len(v) >= 2 and v[0] == "-" and lk.c_isdigit(v[1:]):
                value = lk.strtol(v)
            elif v == "unset":
                value = 0xFFFFFFFF
            else:
                uid = self.env.lookup_user(v)
                if uid is None:
                    self.msg(f"Unknown user: {v}")
                    return -EAU_PRINT_NOTHING
                value = uid
        elif field in (F.GID, F.EGID, F.SGID, F.FSGID, F.OBJ_GID):
            if lk.c_isdigit(v):
                value = lk.strtol(v)
            else:
                gid = self.env.lookup_group(v)
                if gid is None:
                    self.msg(f"Unknown group: {v}")
                    return -EAU_PRINT_NOTHING
                value = gid
        elif field == F.EXIT:
            if flags != Filter.EXIT:
                return -EAU_EXITONLY
            if lk.c_isdigit(v) or (len(v) >= 2 and v[0] == "-" and lk.c_isdigit(v[1:])):
                value = lk.strtol(v)
            else:
                value = lk.errno_number(v) & 0xFFFFFFFF
                if value == 0:
                    return -EAU_ERRUNKNOWN
        elif field == F.MSGTYPE:
            if flags not in (Filter.EXCLUDE, Filter.USER):
                return -EAU_MSGTYPEEXCLUDEUSER
            if lk.c_isdigit(v):
                value = lk.strtol(v)
            else:
                n = lk.msgtype_number(v)
                if n > 0:
                    value = n
                else:
                    return -EAU_MSGTYPEUNKNOWN
        elif field in (F.OBJ_USER, F.OBJ_ROLE, F.OBJ_TYPE, F.OBJ_LEV_LOW, F.OBJ_LEV_HIGH, F.WATCH, F.DIR,
                       F.SUBJ_USER, F.SUBJ_ROLE, F.SUBJ_TYPE, F.SUBJ_SEN, F.SUBJ_CLR, F.FILTERKEY, F.EXE):
            if field in (F.OBJ_USER, F.OBJ_ROLE, F.OBJ_TYPE, F.OBJ_LEV_LOW, F.OBJ_LEV_HIGH, F.WATCH, F.DIR):
                if flags != Filter.EXIT:
                    return -EAU_EXITONLY
                if field in (F.WATCH, F.DIR):
                    self.perm_added = True
            if field == F.EXE:
                if not self.features() & FEATURE_EXECUTABLE_PATH:
                    return -EAU_FIELDNOSUPPORT
                if op not in (Operator.NOT_EQUAL, Operator.EQUAL):
                    return -EAU_OPEQNOTEQ
                self.exe_added = True
            if field == F.FILTERKEY and not (self.syscall_added or self.perm_added or self.exe_added
                                             or self.filterfs_added):
                return -EAU_KEYDEP
            vlen = len(v.encode("latin-1"))
            if field == F.FILTERKEY and vlen > MAX_KEY_LEN:
                return -EAU_STRTOOLONG
            if vlen > PATH_MAX:
                return -EAU_STRTOOLONG
            value = v
        elif field == F.ARCH:
            if self.syscall_added:
                return -EAU_ARCHMISPLACED
            if op not in (Operator.NOT_EQUAL, Operator.EQUAL):
                return -EAU_OPEQNOTEQ
            if lk.c_isdigit(v):
                if lk.strtoul_errno(v):
                    return -EAU_ELFUNKNOWN
                self.elf = lk.strtoul(v)
                if lk.machine_of_elf(self.elf) is None:
                    return -EAU_ELFUNKNOWN
            else:
                machine = lk.determine_machine(v)
                elf = lk.elf_of_machine(machine)
                if not elf:
                    return -EAU_ELFUNKNOWN
                self.elf = elf
            value = self.elf
            self.arch_added = True
        elif field == F.PERM:
            if flags != Filter.EXIT:
                return -EAU_EXITONLY
            if op != Operator.EQUAL:
                return -EAU_OPEQ
            if len(v) > 4:
                return -EAU_STRTOOLONG
            val = 0
            for ch in v:
                bit = {"r": PERM_READ, "w": PERM_WRITE, "x": PERM_EXEC, "a": PERM_ATTR}.get(ch.lower())
                if bit is None:
                    return -EAU_PERMRWXA
                val |= bit
            value = val
        elif field == F.FILETYPE:
            if flags != Filter.EXIT:
                return -EAU_EXITONLY
            n = lk.ftype_number(v)
            if n < 0:
                return -EAU_FILETYPEUNKNOWN
            value = n
        elif field == F.FSTYPE:
            if flags != Filter.FS:
                return -EAU_FIELDUNAVAIL
            if op not in (Operator.NOT_EQUAL, Operator.EQUAL):
                return -EAU_OPEQNOTEQ
            n = lk.strtoul(v) if lk.c_isdigit(v) else lk.fstype_number(v) & 0xFFFFFFFF
            if n == 0xFFFFFFFF:
                return -EAU_FSTYPEUNKNOWN
            value = n
            self.filterfs_added = True
        elif F.ARG0 <= field <= F.ARG3:
            if lk.c_isdigit(v):
                value = lk.strtoul(v)
            elif len(v) >= 2 and v[0] == "-" and lk.c_isdigit(v[1:]):
                value = lk.strtol(v)
            else:
                return -EAU_FIELDVALNUM
        elif field == F.SESSIONID:
            if not self.features() & FEATURE_SESSIONID_FILTER:
                return -EAU_FIELDNOSUPPORT
            if flags not in (Filter.EXCLUDE, Filter.USER, Filter.EXIT):
                return -EAU_FIELDNOFILTER
            if lk.c_isdigit(v):
                value = lk.strtoul(v)
            elif len(v) >= 2 and v[0] == "-" and lk.c_isdigit(v[1:]):
                value = lk.strtol(v)
            elif v == "unset":
                value = 0xFFFFFFFF
            else:
                value = 0  # the reference leaves the (zeroed) value as it was
        elif field == F.SADDR_FAM:
            value = lk.strtoul(v)
            if value >= AF_MAX:
                return -EAU_FIELDVALTOOBIG
        else:
            if F.DEVMAJOR <= field <= F.INODE or field == F.SUCCESS:
                if flags != Filter.EXIT:
                    return -EAU_EXITONLY
            if field == F.INODE and op not in (Operator.NOT_EQUAL, Operator.EQUAL):
                return -EAU_OPEQNOTEQ
            if field == F.PPID and flags != Filter.EXIT:
                return -EAU_EXITONLY
            if not lk.c_isdigit(v):
                return -EAU_FIELDVALNUM
            value = lk.strtoul(v) if field == F.INODE else lk.strtol(v)
        fields.append(RuleField(field, op, value))
        return 0

    def interfield(self, pair: str, flags: int) -> int:
        self._printed_opt = pair
        if len(self.rule.fields) >= MAX_FIELDS - 1:
            return -EAU_FIELDTOOMANY
        if "!=" in pair:
            pos = pair.find("!=")
            f, v, op = pair[:pos], pair[pos + 2:], Operator.NOT_EQUAL
        elif "=" in pair:
            pos = pair.find("=")
            f, v, op = pair[:pos], pair[pos + 1:], Operator.EQUAL
        else:
            return -EAU_OPEQNOTEQ
        self._printed_opt = f
        if not f:
            return -EAU_COMPFIELDNAME
        if not v:
            return -EAU_COMPVAL
        field1 = lk.field_number(f)
        if field1 is None:
            return -EAU_COMPFIELDUNKNOWN
        field2 = lk.field_number(v)
        if field2 is None:
            return -EAU_COMPVALUNKNOWN
        if flags != Filter.EXIT:
            return -EAU_EXITONLY
        code = _comparison_code(field1, field2)
        if code is None:
            return -EAU_COMPINCOMPAT
        self.rule.fields.append(RuleField(F.FIELD_COMPARE, op, code))
        return 0


def parse_rule_args(argv: list[str], *, env: ParseEnv | None = None, executor: Executor | None = None,
                    lineno: int = 0, state: LineState | None = None) -> ParsedCommand:
    """Process one auditctl argument vector (without the program name).

    Kernel requests met on the way go to ``executor`` (default: recorded
    only).  ``state`` carries ``-i``/``-c`` between the lines of a rules file.
    """
    env = env or ParseEnv()
    executor = executor or Executor()
    state = state or LineState()
    so = _Setopt(argv, lineno, env, executor, state)
    retval = so.run()
    return ParsedCommand(
        retval=retval,
        add=so.add,
        delete=so.delete,
        action=so.action,
        rule=so.rule.to_rule(),
        syscall_added=so.syscall_added,
        list_requested=so.list_requested,
        messages=so.messages,
        ignore=state.ignore,
        continue_error=state.continue_error,
        interpret=state.interpret,
    )


def rule_from_args(argv: list[str], *, env: ParseEnv | None = None) -> Rule:
    """The rule an ``auditctl -a/-A/-d/-w/-W ...`` line sends; RuleError with the
    reference's message when the line is not a valid rule."""
    from .errors import RuleError

    cmd = parse_rule_args(argv, env=env)
    if cmd.retval < 0 or not cmd.is_rule:
        text = "\n".join(m.rstrip("\n") for m in cmd.messages) or "not a rule"
        raise RuleError(text)
    return cmd.final_rule()
