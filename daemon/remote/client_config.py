"""``/etc/audit/audisp-remote.conf``: every key of the reference's file, its
built-in defaults and its validation (``audisp/plugins/remote/remote-config.c``),
plus the TLS keys audix adds (``transport = tls``).

Syntax as the reference: ``name = value [option]`` separated by single
spaces, ``#`` comments, names case-insensitive.  :func:`load_config` returns a
:class:`RemoteConfig` or raises :class:`RemoteConfigError` (the reference
then exits 6); non-fatal complaints are collected in ``RemoteConfig.warnings``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

from .. import confparse
from ..confparse import Entry

CONFIG_FILE = "/etc/audit/audisp-remote.conf"
SPOOL_FILE = "/var/spool/audit/remote.log"
INT_MAX = 2**31 - 1


class Mode(enum.Enum):
    IMMEDIATE = "immediate"
    FORWARD = "forward"


class Transport(enum.Enum):
    TCP = "tcp"
    TLS = "tls"     # audix: mutual certificate authentication
    KRB5 = "krb5"   # accepted by the reference's parser, not implemented here


class Format(enum.Enum):
    ASCII = "ascii"
    MANAGED = "managed"


class FailureAction(enum.Enum):
    IGNORE = "ignore"
    SYSLOG = "syslog"
    WARN_ONCE_CONTINUE = "warn_once_continue"
    WARN_ONCE = "warn_once"
    EXEC = "exec"
    RECONNECT = "reconnect"   # remote_ending_action only
    SUSPEND = "suspend"
    SINGLE = "single"
    HALT = "halt"
    STOP = "stop"


class OverflowAction(enum.Enum):
    IGNORE = "ignore"
    SYSLOG = "syslog"
    SUSPEND = "suspend"
    SINGLE = "single"
    HALT = "halt"


@dataclass(frozen=True)
class ActionSetting:
    action: FailureAction
    exe: str | None = None   # for EXEC


ACTION_KEYS = ("network_failure", "disk_low", "disk_full", "disk_error", "remote_ending",
               "generic_error", "generic_warning", "queue_error", "startup_failure")


@dataclass
class RemoteConfig:
    remote_server: str | None = None
    port: int = 60
    local_port: int = 0          # 0 = any
    transport: Transport = Transport.TCP
    mode: Mode = Mode.IMMEDIATE
    queue_file: str | None = None
    queue_depth: int = 2048
    format: Format = Format.MANAGED
    network_retry_time: int = 1
    max_tries_per_record: int = 3
    max_time_per_record: int = 5
    heartbeat_timeout: int = 0
    krb5_principal: str | None = None
    krb5_client_name: str | None = None
    krb5_key_file: str | None = None
    network_failure_action: ActionSetting = ActionSetting(FailureAction.STOP)
    disk_low_action: ActionSetting = ActionSetting(FailureAction.IGNORE)
    disk_full_action: ActionSetting = ActionSetting(FailureAction.WARN_ONCE)
    disk_error_action: ActionSetting = ActionSetting(FailureAction.WARN_ONCE)
    remote_ending_action: ActionSetting = ActionSetting(FailureAction.RECONNECT)
    generic_error_action: ActionSetting = ActionSetting(FailureAction.SYSLOG)
    generic_warning_action: ActionSetting = ActionSetting(FailureAction.SYSLOG)
    queue_error_action: ActionSetting = ActionSetting(FailureAction.STOP)
    overflow_action: OverflowAction = OverflowAction.SYSLOG
    startup_failure_action: ActionSetting = ActionSetting(FailureAction.WARN_ONCE_CONTINUE)
    # audix: transport = tls
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    tls_server_name: str | None = None   # default: remote_server
    warnings: list[str] = field(default_factory=list, compare=False)

    @property
    def spool_path(self) -> str:
        return self.queue_file or SPOOL_FILE

    def action(self, name: str) -> ActionSetting:
        return getattr(self, name + "_action")

    def copy(self, **changes) -> "RemoteConfig":
        return replace(self, **changes)


class RemoteConfigError(Exception):
    """The file cannot be used; the message is one line, as the reference logs it."""


def _uint(ln: Entry, low: int, high: int) -> int:
    return confparse.number(ln.value, ln.lineno, RemoteConfigError, low=low, high=high)


def _word(enum_cls, ln: Entry, allowed=None):
    return confparse.choice(enum_cls, ln.value, ln.lineno, RemoteConfigError, allowed)


def check_exe(path: str | None, lineno: int) -> None:
    """An ``exec`` action's program: absolute, regular, root-owned, mode 0750."""
    confparse.check_exe(path, lineno, RemoteConfigError,
                        lambda mode: mode & ~0o005 == 0o750, "0750")


_FAIL_WORDS = tuple(a for a in FailureAction if a is not FailureAction.RECONNECT)


def _action(ln: Entry, allow_reconnect: bool = False) -> ActionSetting:
    allowed = tuple(FailureAction) if allow_reconnect else _FAIL_WORDS
    act = _word(FailureAction, ln, allowed)
    if act is FailureAction.EXEC:
        check_exe(ln.option, ln.lineno)
        return ActionSetting(act, ln.option)
    return ActionSetting(act)


_TAKES_OPTION = {k + "_action" for k in ACTION_KEYS} | {"overflow_action"}
_KRB5_KEYS = ("krb5_principal", "krb5_client_name", "krb5_key_file")
_PATH_KEYS = ("tls_ca_file", "tls_cert_file", "tls_key_file")


def _apply(cfg: RemoteConfig, ln: Entry, file: str) -> None:
    key = ln.name.lower()
    if key == "remote_server":
        cfg.remote_server = ln.value
    elif key == "port":
        cfg.port = _uint(ln, 0, 65535)
    elif key == "local_port":
        cfg.local_port = 0 if ln.value.lower() == "any" else _uint(ln, 0, 65535)
    elif key == "transport":
        cfg.transport = _word(Transport, ln)
    elif key == "mode":
        cfg.mode = _word(Mode, ln)
    elif key == "queue_file":
        if not ln.value.startswith("/"):
            raise RemoteConfigError(f"Absolute path needed for {ln.value} - line {ln.lineno}")
        cfg.queue_file = ln.value
    elif key == "queue_depth":
        cfg.queue_depth = _uint(ln, 1, INT_MAX)
    elif key == "format":
        cfg.format = _word(Format, ln)
    elif key in ("network_retry_time", "max_tries_per_record", "max_time_per_record"):
        setattr(cfg, key, _uint(ln, 1, INT_MAX))
    elif key == "heartbeat_timeout":
        cfg.heartbeat_timeout = _uint(ln, 0, INT_MAX)
    elif key == "enable_krb5":
        if confparse.yes_no(ln.value, ln.lineno, RemoteConfigError):
            cfg.transport = Transport.KRB5
    elif key in _KRB5_KEYS:
        setattr(cfg, key, ln.value)
    elif key == "overflow_action":
        cfg.overflow_action = _word(OverflowAction, ln)
    elif key.endswith("_action") and key[:-7] in ACTION_KEYS:
        setattr(cfg, key, _action(ln, allow_reconnect=(key == "remote_ending_action")))
    elif key in _PATH_KEYS:
        if not ln.value.startswith("/"):
            raise RemoteConfigError(f"Absolute path needed for {ln.value} - line {ln.lineno}")
        setattr(cfg, key, ln.value)
    elif key == "tls_server_name":
        cfg.tls_server_name = ln.value
    else:
        raise RemoteConfigError(confparse.unknown_keyword_text(ln.name, ln.lineno, file))


def _sanity(cfg: RemoteConfig) -> None:
    if cfg.mode is Mode.FORWARD and cfg.format is not Format.MANAGED:
        raise RemoteConfigError('"mode=forward" is valid only with "format=managed"')
    if cfg.startup_failure_action.action in (FailureAction.RECONNECT, FailureAction.SUSPEND,
                                             FailureAction.SINGLE, FailureAction.HALT,
                                             FailureAction.STOP):
        raise RemoteConfigError("startup_failure_action has invalid option")
    if cfg.transport is Transport.KRB5:
        raise RemoteConfigError("transport krb5 is not supported by audix (use transport = tls)")
    if cfg.transport is Transport.TLS:
        missing = [k for k in _PATH_KEYS if getattr(cfg, k) is None]
        if missing:
            raise RemoteConfigError(f'"transport=tls" needs {", ".join(missing)}')


def parse_config(text: str, file: str = CONFIG_FILE) -> RemoteConfig:
    """Parse the file's text (latin-1); RemoteConfigError on the first error."""
    cfg = RemoteConfig()
    for ln in confparse.iter_entries(text, file, RemoteConfigError, cfg.warnings.append,
                                     strip_cr=True):
        if ln.option is not None and ln.key not in _TAKES_OPTION:
            raise RemoteConfigError(
                confparse.invalid_option_text(ln.name, ln.option, ln.lineno, file))
        _apply(cfg, ln, file)
    _sanity(cfg)
    return cfg


def load_config(path: str = CONFIG_FILE, check_owner: bool = True) -> RemoteConfig:
    """Read and validate the file.  A missing file gives the defaults (with a
    warning), as the reference.  ``check_owner``: refuse a file not owned by
    root or world writable, as the reference."""
    text = confparse.read_config_file(path, RemoteConfigError, check_owner=check_owner)
    if text is None:
        cfg = RemoteConfig()
        cfg.warnings.append(confparse.missing_file_text(path))
        return cfg
    return parse_config(text, path)
