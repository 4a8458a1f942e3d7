"""The ``auditd.conf`` model: defaults, parsing and validation.

The keys, values, messages and checks follow the reference daemon
(audit-userspace 3.0.9, ``src/auditd-config.c``).  Parsing is pure text
work (:func:`parse_config`); :func:`load_config` adds the file checks
(owned by root, not world writable, regular file, no symlink).

Every message the reference emits is reported through a ``log`` callable
``log(level, text)`` (levels are :mod:`syslog` priorities) so the daemon
can route it to stderr (``-f``) or syslog; errors raise :class:`ConfigError`
carrying the same text.
"""

from __future__ import annotations

import dataclasses
import enum
import grp
import os
import stat
import syslog
from dataclasses import dataclass
from typing import Callable

from . import confparse

CONFIG_FILE = "/etc/audit/auditd.conf"
CONFIG_DIR = "/etc/audit"
EMAIL_COMMAND = "/usr/lib/sendmail"
MEGABYTE = 1048576
TCP_PORT_MAX = 65535
INT_MAX = 2**31 - 1
ULONG_MAX = confparse.ULONG_MAX
LINE_BUFFER = 160  # the reference reads lines with a 160-byte buffer

LogFn = Callable[[int, str], None]


def _no_log(level: int, text: str) -> None:
    return None


class ConfigError(ValueError):
    """A configuration the reference refuses; ``str()`` is its message."""


class LogFormat(enum.Enum):
    RAW = "raw"
    NOLOG = "nolog"
    ENRICHED = "enriched"


class FlushMode(enum.Enum):
    NONE = "none"
    INCREMENTAL = "incremental"
    INCREMENTAL_ASYNC = "incremental_async"
    DATA = "data"
    SYNC = "sync"


class FailureAction(enum.Enum):
    IGNORE = "ignore"
    SYSLOG = "syslog"
    ROTATE = "rotate"
    EMAIL = "email"
    EXEC = "exec"
    SUSPEND = "suspend"
    SINGLE = "single"
    HALT = "halt"


class SizeAction(enum.Enum):
    IGNORE = "ignore"
    SYSLOG = "syslog"
    SUSPEND = "suspend"
    ROTATE = "rotate"
    KEEP_LOGS = "keep_logs"


class NameFormat(enum.Enum):
    NONE = "none"
    HOSTNAME = "hostname"
    FQD = "fqd"
    NUMERIC = "numeric"
    USER = "user"


class OverflowAction(enum.Enum):
    IGNORE = "ignore"
    SYSLOG = "syslog"
    SUSPEND = "suspend"
    SINGLE = "single"
    HALT = "halt"


class Transport(enum.Enum):
    TCP = "tcp"
    TLS = "tls"  # audix: remote logging over TLS (tls_ca_file, tls_cert_file, tls_key_file)


@dataclass
class DaemonConfig:
    """Every auditd.conf setting; the field defaults are the reference's
    built-in defaults (used for keys a file does not set)."""

    local_events: bool = True
    write_logs: bool = True
    log_file: str = "/var/log/audit/audit.log"
    log_format: LogFormat = LogFormat.ENRICHED
    log_group: int = 0
    priority_boost: int = 4
    flush: FlushMode = FlushMode.NONE
    freq: int = 0
    num_logs: int = 0
    name_format: NameFormat = NameFormat.NONE
    name: str | None = None
    max_log_file: int = 0  # MB
    max_log_file_action: SizeAction = SizeAction.IGNORE
    space_left: int = 0  # MB
    space_left_percent: int = 0
    space_left_action: FailureAction = FailureAction.IGNORE
    space_left_exe: str | None = None
    action_mail_acct: str = "root"
    verify_email: bool = True
    admin_space_left: int = 0
    admin_space_left_percent: int = 0
    admin_space_left_action: FailureAction = FailureAction.IGNORE
    admin_space_left_exe: str | None = None
    disk_full_action: FailureAction = FailureAction.IGNORE
    disk_full_exe: str | None = None
    disk_error_action: FailureAction = FailureAction.SYSLOG
    disk_error_exe: str | None = None
    tcp_listen_port: int = 0
    tcp_listen_queue: int = 5
    tcp_max_per_addr: int = 1
    use_libwrap: bool = True
    tcp_client_min_port: int = 0
    tcp_client_max_port: int = TCP_PORT_MAX
    tcp_client_max_idle: int = 0
    transport: Transport = Transport.TCP
    enable_krb5: bool = False
    krb5_principal: str | None = None
    krb5_key_file: str | None = None
    tls_ca_file: str | None = None    # audix extension (transport = tls)
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    distribute_network: bool = False
    q_depth: int = 2000
    overflow_action: OverflowAction = OverflowAction.SYSLOG
    max_restarts: int = 10
    plugin_dir: str = "/etc/audit/plugins.d"
    end_of_event_timeout: int = 2
    # not from the file: where it came from
    config_file: str | None = None
    config_dir: str | None = None

    def copy(self, **changes) -> "DaemonConfig":
        return dataclasses.replace(self, **changes)

    @property
    def max_log_file_bytes(self) -> int:
        return self.max_log_file * MEGABYTE


DEFAULTS = DaemonConfig()
"""The built-in defaults (what an empty or missing auditd.conf gives)."""


# --------------------------------------------------------------------------
# value parsers: each gets (config, value, option, line, log) and sets fields
# or raises ConfigError with the reference's message.

def _choice(enum_type, value: str, line: int):
    return confparse.choice(enum_type, value, line, ConfigError)


def _yes_no(value: str, line: int) -> bool:
    return confparse.yes_no(value, line, ConfigError)


def _number(value: str, line: int, limit: int | None = None, low: int | None = None) -> int:
    return confparse.number(value, line, ConfigError, low=low or 0, high=limit)


def _space(value: str, line: int) -> tuple[int, int]:
    """(MB, percent) for space_left / admin_space_left."""
    for ch in value:
        if not ("0" <= ch <= "9") and ch != "%":
            raise ConfigError(
                f"Value {ch} {value} should only be numbers or percent - line {line}")
    percent = "%" in value
    text = value.replace("%", " ", 1) if percent else value
    try:
        n = confparse.strtoul(text)
    except OverflowError:
        raise ConfigError(f"Error converting string to a number ({confparse.ERANGE_TEXT})"
                          f" - line {line}") from None
    if percent:
        if n > 99:
            raise ConfigError(f"Percentages should be less than 100 - line {line}")
        return 0, n
    return n, 0


_EXE_MODES = (0o750, 0o755, 0o555, 0o550)


def check_exe_name(path: str | None, line: int) -> None:
    """The reference's checks on an ``exec`` action's program."""
    confparse.check_exe(path, line, ConfigError, lambda mode: mode in _EXE_MODES,
                        "0750, 0755, 0555 or 0550")


def _failure_action(value: str, option: str | None, line: int, log: LogFn,
                    disallowed: tuple[FailureAction, ...], key: str) -> tuple[FailureAction, str | None]:
    action = _choice(FailureAction, value, line)
    if action in disallowed:
        raise ConfigError(f"Illegal option {value} for {key} - line {line}")
    exe = None
    if action is FailureAction.EMAIL:
        if not os.access(EMAIL_COMMAND, os.X_OK):
            log(syslog.LOG_ERR,
                f"Email option is specified but {EMAIL_COMMAND} doesn't seem executable.")
    elif action is FailureAction.EXEC:
        check_exe_name(option, line)
        exe = option
    return action, exe


def _log_file(cfg: DaemonConfig, value: str, line: int, log: LogFn, for_daemon: bool) -> None:
    directory = os.path.dirname(value) or "."
    if value.endswith("/"):
        directory = os.path.dirname(value.rstrip("/")) or "/"
    if len(directory) < 4:
        raise ConfigError(f"The directory name: {directory} is too short - line {line}")
    if not os.path.isdir(directory):
        try:
            os.listdir(directory)
        except OSError as exc:
            raise ConfigError(f"Could not open dir {directory} ({os.strerror(exc.errno)})") from None
    try:
        st = os.stat(value)
    except FileNotFoundError:
        cfg.log_file = value
        return
    except OSError as exc:
        raise ConfigError(f"Unable to open {value} ({os.strerror(exc.errno)})") from None
    if not stat.S_ISREG(st.st_mode):
        raise ConfigError(f"{value} is not a regular file")
    if st.st_uid != 0:
        raise ConfigError(f"{value} is not owned by root")
    if st.st_mode & (stat.S_IXUSR | stat.S_IWGRP | stat.S_IXGRP | stat.S_IRWXO):
        log(syslog.LOG_WARNING, f"{value} permissions should be 0600 or 0640")
    if not st.st_mode & stat.S_IWUSR:
        log(syslog.LOG_WARNING, "audit log is not writable by owner")
    cfg.log_file = value


def _log_group(value: str, line: int) -> int:
    if value[:1].isdigit():
        try:
            return confparse.strtoul(value)
        except OverflowError:
            raise ConfigError(f"Numeric group ID conversion error ({confparse.ERANGE_TEXT})"
                              f" for {value} - line {line}") from None
    try:
        return grp.getgrnam(value).gr_gid
    except KeyError:
        raise ConfigError(f"Group ID is non-numeric and unknown ({value}) - line {line}") from None


def _tcp_client_ports(cfg: DaemonConfig, value: str, line: int) -> None:
    msg = (f"Value {value} should only be numbers, or two numbers separated by a dash"
           f" - line {line}")
    dash = -1
    for i, ch in enumerate(value):
        if i > 0 and ch == "-" and i + 1 < len(value):
            dash = i
            continue
        if not ch.isdigit():
            raise ConfigError(msg)
    low = high = confparse.strtoul(value)
    if dash >= 0:
        high = confparse.strtoul(value[dash + 1:])
    for n in (low, high):
        if n > TCP_PORT_MAX:
            raise ConfigError(f"Error - converted number ({n}) is too large - line {line}")
    if low > high:
        raise ConfigError(f"Error - converted range ({low}-{high}) is reversed - line {line}")
    cfg.tcp_client_min_port, cfg.tcp_client_max_port = low, high


def _set_key(cfg: DaemonConfig, key: str, value: str, option: str | None, line: int,
             log: LogFn, for_daemon: bool) -> None:
    if key in ("local_events", "write_logs", "verify_email", "use_libwrap", "distribute_network"):
        setattr(cfg, key, _yes_no(value, line))
    elif key == "log_file":
        _log_file(cfg, value, line, log, for_daemon)
    elif key == "log_format":
        cfg.log_format = _choice(LogFormat, value, line)
        if cfg.log_format is LogFormat.NOLOG:
            log(syslog.LOG_WARNING, "The NOLOG option to log_format is deprecated. "
                                    "Please use the write_logs option.")
            if cfg.write_logs:
                log(syslog.LOG_WARNING,
                    "The NOLOG option is overriding the write_logs current setting.")
            cfg.write_logs = False
    elif key == "log_group":
        cfg.log_group = _log_group(value, line)
    elif key == "flush":
        cfg.flush = _choice(FlushMode, value, line)
    elif key in ("freq", "priority_boost", "max_restarts"):
        setattr(cfg, key, _number(value, line, limit=INT_MAX))
    elif key == "num_logs":
        n = _number(value, line)
        if n > 999:
            raise ConfigError("num_logs must be 999 or less")
        cfg.num_logs = n
    elif key == "dispatcher":
        log(syslog.LOG_WARNING, f"The dispatcher option is deprecated - line {line}")
    elif key == "disp_qos":
        log(syslog.LOG_WARNING, f"The disp_qos option is deprecated - line {line}")
    elif key == "name_format":
        cfg.name_format = _choice(NameFormat, value, line)
    elif key == "name":
        cfg.name = value
    elif key == "max_log_file":
        cfg.max_log_file = _number(value, line)
    elif key == "max_log_file_action":
        cfg.max_log_file_action = _choice(SizeAction, value, line)
    elif key == "space_left":
        cfg.space_left, cfg.space_left_percent = _space(value, line)
    elif key == "admin_space_left":
        cfg.admin_space_left, cfg.admin_space_left_percent = _space(value, line)
    elif key == "space_left_action":
        cfg.space_left_action, exe = _failure_action(value, option, line, log, (), key)
        if exe:
            cfg.space_left_exe = exe
    elif key == "admin_space_left_action":
        cfg.admin_space_left_action, exe = _failure_action(value, option, line, log, (), key)
        if exe:
            cfg.admin_space_left_exe = exe
    elif key == "disk_full_action":
        cfg.disk_full_action, exe = _failure_action(
            value, option, line, log, (FailureAction.EMAIL,), key)
        if exe:
            cfg.disk_full_exe = exe
    elif key == "disk_error_action":
        cfg.disk_error_action, exe = _failure_action(
            value, option, line, log, (FailureAction.EMAIL, FailureAction.ROTATE), key)
        if exe:
            cfg.disk_error_exe = exe
    elif key == "action_mail_acct":
        if cfg.verify_email:
            _validate_email(value, log)
        cfg.action_mail_acct = value
    elif key == "tcp_listen_port":
        cfg.tcp_listen_port = _number(value, line, limit=TCP_PORT_MAX, low=1)
    elif key == "tcp_listen_queue":
        cfg.tcp_listen_queue = _number(value, line, limit=TCP_PORT_MAX, low=1)
    elif key == "tcp_max_per_addr":
        cfg.tcp_max_per_addr = _number(value, line, limit=1024, low=1)
    elif key == "tcp_client_ports":
        _tcp_client_ports(cfg, value, line)
    elif key == "tcp_client_max_idle":
        cfg.tcp_client_max_idle = _number(value, line, limit=INT_MAX)
    elif key == "transport":
        cfg.transport = _choice(Transport, value, line)
    elif key == "enable_krb5":
        pass  # the reference is built without GSSAPI: value ignored
    elif key in ("krb5_principal", "krb5_key_file"):
        pass
    elif key in ("tls_ca_file", "tls_cert_file", "tls_key_file"):
        setattr(cfg, key, value)
    elif key == "q_depth":
        n = _number(value, line)
        if n > 99999:
            raise ConfigError("q_depth must be 99999 or less")
        if n < 512:
            log(syslog.LOG_WARNING, "q_depth should be larger than 512 for safety margin")
        cfg.q_depth = n
    elif key == "overflow_action":
        cfg.overflow_action = _choice(OverflowAction, value, line)
    elif key == "plugin_dir":
        cfg.plugin_dir = value if value.endswith("/") else value + "/"
    elif key == "end_of_event_timeout":
        cfg.end_of_event_timeout = _number(value, line)
    else:  # pragma: no cover - KEYWORDS and this dispatcher agree
        raise ConfigError(f"Unknown keyword \"{key}\" in line {line}")


def _validate_email(acct: str, log: LogFn) -> None:
    if len(acct) < 2:
        raise ConfigError(f"email: {acct} is too short, expecting at least 2 characters")
    for ch in acct:
        if not (ch.isascii() and (ch.isalnum() or ch in "@.-_")):
            raise ConfigError(f"email: {acct} has illegal character")
    at = acct.find("@")
    if at >= 0:
        dot = acct.rfind(".")
        if dot < 0 or at > dot:
            raise ConfigError(f"email: {acct} should have . after @")
        # the reference also resolves the domain; a failure there is only a
        # temporary error (logged, not fatal), so we skip the lookup.


# keyword -> (may carry an option word, name of the reference's debug parser)
KEYWORDS: dict[str, tuple[bool, str | None]] = {
    "local_events": (False, "local_events_parser"),
    "write_logs": (False, "write_logs_parser"),
    "log_file": (False, "log_file_parser"),
    "log_format": (False, "log_format_parser"),
    "log_group": (False, "log_group_parser"),
    "flush": (False, "flush_parser"),
    "freq": (False, "freq_parser"),
    "num_logs": (False, "num_logs_parser"),
    "dispatcher": (False, "dispatch_parser"),
    "name_format": (False, "name_format_parser"),
    "name": (False, "name_parser"),
    "disp_qos": (False, None),
    "max_log_file": (False, "max_log_size_parser"),
    "max_log_file_action": (False, "max_log_size_action_parser"),
    "space_left": (False, "space_left_parser"),
    "space_left_action": (True, "space_action_parser"),
    "action_mail_acct": (False, "action_mail_acct_parser"),
    "verify_email": (False, "verify_email_parser"),
    "admin_space_left": (False, "admin_space_left_parser"),
    "admin_space_left_action": (True, "admin_space_left_action_parser"),
    "disk_full_action": (True, "disk_full_action_parser"),
    "disk_error_action": (True, "disk_error_action_parser"),
    "priority_boost": (False, "priority_boost_parser"),
    "tcp_listen_port": (False, "tcp_listen_port_parser"),
    "tcp_listen_queue": (False, "tcp_listen_queue_parser"),
    "tcp_max_per_addr": (False, "tcp_max_per_addr_parser"),
    "use_libwrap": (False, "use_libwrap_parser"),
    "tcp_client_ports": (False, "tcp_listen_queue_parser"),  # sic, as the reference
    "tcp_client_max_idle": (False, "tcp_client_max_idle_parser"),
    "transport": (False, "transport_parser"),
    "enable_krb5": (False, "enable_krb5_parser"),
    "krb5_principal": (False, "krb5_principal_parser"),
    "krb5_key_file": (False, "krb5_key_file_parser"),
    # audix extensions: TLS for remote logging (the reference has no such keys)
    "tls_ca_file": (False, None),
    "tls_cert_file": (False, None),
    "tls_key_file": (False, None),
    "distribute_network": (False, "distribute_network_parser"),
    "q_depth": (False, "q_depth_parser"),
    "overflow_action": (False, "overflow_action_parser"),
    "max_restarts": (False, "max_restarts_parser"),
    "plugin_dir": (False, "plugin_dir_parser"),
    "end_of_event_timeout": (False, "eoe_timeout_parser"),
}


def parse_config(text: str, path: str = CONFIG_FILE, log: LogFn = _no_log,
                 for_daemon: bool = True) -> DaemonConfig:
    """Parse auditd.conf text (latin-1 str) into a DaemonConfig.

    Raises ConfigError with the reference's message (the line number is
    part of it).  Non-fatal problems go to ``log``.
    """
    cfg = DaemonConfig(config_file=path, config_dir=os.path.dirname(path) or ".")

    def syntax_error(msg: str) -> ConfigError:
        log(syslog.LOG_ERR, msg)
        log(syslog.LOG_ERR, f"Not processing any more lines in {path}")
        return ConfigError(msg)

    def fatal(msg: str) -> ConfigError:
        log(syslog.LOG_ERR, msg)
        return ConfigError(msg)

    # the reference reads lines with fgets into a 160-byte buffer: longer
    # lines, and a last line without its newline, count as too long
    for entry in confparse.iter_entries(
            text, path, syntax_error, lambda msg: log(syslog.LOG_ERR, msg),
            max_length=LINE_BUFFER - 2, unterminated_last_too_long=True):
        key, value, option, lineno = entry.key, entry.value, entry.option, entry.lineno
        if key not in KEYWORDS:
            raise fatal(confparse.unknown_keyword_text(entry.name, lineno, path))
        takes_option, debug_name = KEYWORDS[key]
        if option is not None and not takes_option:
            raise fatal(confparse.invalid_option_text(entry.name, option, lineno, path))
        if debug_name:
            log(syslog.LOG_DEBUG, f"{debug_name} called with: {value}")
        try:
            _set_key(cfg, key, value, option, lineno, log, for_daemon)
        except ConfigError as exc:
            log(syslog.LOG_ERR, str(exc))
            raise
    if "\n" in text:  # at least one whole line was read
        sanity_check(cfg, log)
    return cfg


def sanity_check(cfg: DaemonConfig, log: LogFn = _no_log) -> None:
    """The reference's cross-key checks (raise ConfigError) and warnings."""
    if (cfg.space_left_percent == 0 and cfg.admin_space_left_percent == 0
            and cfg.space_left <= cfg.admin_space_left):
        msg = (f"Error - space_left({cfg.space_left}) must be larger than "
               f"admin_space_left({cfg.admin_space_left})")
        log(syslog.LOG_ERR, msg)
        raise ConfigError(msg)
    if cfg.flush in (FlushMode.INCREMENTAL, FlushMode.INCREMENTAL_ASYNC) and cfg.freq == 0:
        msg = "Error - incremental flushing chosen, but 0 selected for freq"
        log(syslog.LOG_ERR, msg)
        raise ConfigError(msg)
    if cfg.log_group != 0 and os.path.dirname(cfg.log_file) == "/var/log":
        msg = ("Error - log_file is directly in /var/log and chgrp will alter a system "
               "directory's permissions. Use another directory.")
        log(syslog.LOG_ERR, msg)
        raise ConfigError(msg)
    if cfg.flush in (FlushMode.DATA, FlushMode.SYNC) and cfg.freq != 0:
        log(syslog.LOG_WARNING,
            "Warning - freq is non-zero and incremental flushing not selected.")


def load_config(config_dir: str | None = None, log: LogFn = _no_log,
                allow_links: bool = False, for_daemon: bool = True) -> DaemonConfig:
    """Read ``<config_dir>/auditd.conf`` (default /etc/audit) with the
    reference's file checks.  A missing file gives the defaults."""
    path = os.path.join(config_dir, "auditd.conf") if config_dir else CONFIG_FILE

    def fatal(msg: str) -> ConfigError:
        log(syslog.LOG_ERR, msg)
        return ConfigError(msg)

    text = confparse.read_config_file(
        path, fatal, open_error="Error opening config file ({strerror})",
        follow_links=allow_links,
        opened=lambda: log(syslog.LOG_DEBUG, f"Config file {path} opened for parsing"))
    if text is None:
        log(syslog.LOG_WARNING, confparse.missing_file_text(path))
        return DaemonConfig(config_file=path, config_dir=config_dir)
    cfg = parse_config(text, path, log, for_daemon)
    cfg.config_dir = config_dir
    return cfg


def percent_to_mb(percent: int, f_blocks: int, f_bsize: int) -> int:
    """The reference's calc_percent: MB that ``percent`` of the file system is."""
    free_blocks = int(f_blocks * (percent / 100.0))
    return (f_bsize * free_blocks) // MEGABYTE


def resolve_percentages(cfg: DaemonConfig, log_dir: str, log: LogFn = _no_log) -> None:
    """Turn percent space thresholds into MB for the log's file system."""
    if not (cfg.space_left_percent or cfg.admin_space_left_percent):
        return
    try:
        st = os.statvfs(log_dir)
    except OSError:
        return
    if cfg.space_left_percent:
        cfg.space_left = percent_to_mb(cfg.space_left_percent, st.f_blocks, st.f_bsize)
    if cfg.admin_space_left_percent:
        cfg.admin_space_left = percent_to_mb(cfg.admin_space_left_percent, st.f_blocks,
                                             st.f_bsize)
    if cfg.space_left <= cfg.admin_space_left:
        log(syslog.LOG_ERR, f"Error - space_left({cfg.space_left}) must be larger than "
                            f"admin_space_left({cfg.admin_space_left})")
