"""The normalizer's fixed choices: event kind by record type, and which
field is the object for the simple (single-record) event types."""
from __future__ import annotations

from .maps import AUDIT_TYPES as T
from .maps import EVENT_KINDS


def rtype(name: str) -> int:
    """The number of record type ``AUDIT_<name>``."""
    return T["AUDIT_" + name]


def _in(t: int, first: str, last: str) -> bool:
    return rtype(first) <= t <= rtype(last)


def event_kind(t: int) -> str:
    """normalize_determine_evkind."""
    if (_in(t, "USER_AUTH", "USER_ACCT") or _in(t, "CRED_ACQ", "USER_END")
            or _in(t, "USER_CHAUTHTOK", "CRED_REFR") or _in(t, "USER_LOGIN", "USER_LOGOUT")
            or t == rtype("LOGIN")):
        k = "USER_LOGIN"
    elif t in (rtype("GRP_AUTH"), rtype("CHGRP_ID")):
        k = "GROUP_CHANGE"
    elif (t == rtype("USER_MGMT") or _in(t, "ADD_USER", "DEL_GROUP")
          or _in(t, "GRP_MGMT", "GRP_CHAUTHTOK") or _in(t, "ACCT_LOCK", "ACCT_UNLOCK")):
        k = "USER_ACCT"
    elif t == rtype("KERNEL") or _in(t, "SYSTEM_BOOT", "SERVICE_STOP"):
        k = "SYSTEM_SERVICES"
    elif t in (rtype("USYS_CONFIG"), rtype("CONFIG_CHANGE"), rtype("NETFILTER_CFG"),
               rtype("FEATURE_CHANGE"), rtype("TIME_INJOFFSET"), rtype("TIME_ADJNTPVAL"),
               rtype("USER_DEVICE"), rtype("SOFTWARE_UPDATE")):
        k = "CONFIG"
    elif t == rtype("SECCOMP"):
        k = "DAC_DECISION"
    elif _in(t, "TEST", "TRUSTED_APP") or t in (rtype("USER_CMD"), rtype("CHUSER_ID")):
        k = "USERSPACE"
    elif t in (rtype("USER_TTY"), rtype("TTY")):
        k = "TTY"
    elif t == rtype("EVENT_LISTENER") or _in(t, "FIRST_DAEMON", "LAST_DAEMON"):
        k = "AUDIT_DAEMON"
    elif (t in (rtype("USER_SELINUX_ERR"), rtype("USER_AVC"), rtype("APPARMOR_ERROR"))
          or _in(t, "APPARMOR_ALLOWED", "APPARMOR_DENIED") or _in(t, "AVC", "AVC_PATH")):
        k = "MAC_DECISION"
    elif _in(t, "INTEGRITY_FIRST_MSG", "INTEGRITY_LAST_MSG") or t == rtype("ANOM_RBAC_INTEGRITY_FAIL"):
        k = "INTEGRITY"
    elif (_in(t, "FIRST_KERN_ANOM_MSG", "LAST_KERN_ANOM_MSG") or _in(t, "FIRST_ANOM_MSG", "ANOM_RBAC_FAIL")
          or _in(t, "ANOM_CRYPTO_FAIL", "LAST_ANOM_MSG")):
        k = "ANOMALY"
    elif _in(t, "FIRST_ANOM_RESP", "LAST_ANOM_RESP"):
        k = "ANOMALY_RESP"
    elif (_in(t, "MAC_POLICY_LOAD", "LAST_SELINUX") or _in(t, "AA", "APPARMOR_AUDIT")
          or _in(t, "APPARMOR_HINT", "APPARMOR_STATUS")
          or _in(t, "FIRST_USER_LSPP_MSG", "LAST_USER_LSPP_MSG")):
        k = "MAC"
    elif _in(t, "FIRST_KERN_CRYPTO_MSG", "LAST_KERN_CRYPTO_MSG") or _in(t, "FIRST_CRYPTO_MSG", "LAST_CRYPTO_MSG"):
        k = "CRYPTO"
    elif _in(t, "FIRST_VIRT_MSG", "LAST_VIRT_MSG"):
        k = "VIRT"
    elif (_in(t, "SYSCALL", "SOCKETCALL") or _in(t, "SOCKADDR", "MQ_GETSETATTR")
          or _in(t, "FD_PAIR", "OBJ_PID") or _in(t, "BPRM_FCAPS", "NETFILTER_PKT")):
        k = "AUDIT_RULE"
    elif t == rtype("FANOTIFY"):
        k = "AV_DECISION"
    elif t == T.get("AUDIT_BPF"):
        k = "BPF"
    else:
        k = "UNKNOWN"
    return EVENT_KINDS[k]


FILE_SIMPLE = {   # kind -> (action, object kind, PATH offset, obj2 offset)
    "FILE_RENAME": ("renamed", "FILE", 2, 4),
    "FILE_STAT": ("checked-metadata-of", "FILE", 0, None),
    "FILE_SYS_STAT": ("checked-filesystem-metadata-of", "FILESYSTEM", 0, None),
    "FILE_LNK": ("symlinked", "FILE", 2, 0),
    "FILE_UMNT": ("unmounted", "FILESYSTEM", 0, None),
    "FILE_DEL": ("deleted", "FILE", 0, None),
    "FILE_TIME": ("changed-timestamp-of", "FILE", 0, None),
    "EXEC": ("executed", "FILE", 1, None),
}
SOCKET_ACTS = {"SOCKET_ACCEPT": "accepted-connection-from", "SOCKET_BIND": "bound-socket",
                "SOCKET_CONN": "connected-to", "SOCKET_RECV": "received-from",
                "SOCKET_SEND": "sent-to"}

ACCT_OBJECT_TYPES = {T[f"AUDIT_{n}"] for n in (
    "ROLE_ASSIGN", "ROLE_REMOVE", "USER_MGMT", "ACCT_LOCK", "ACCT_UNLOCK", "ADD_USER",
    "DEL_USER", "ADD_GROUP", "DEL_GROUP", "GRP_MGMT")}
SIMPLE_OBJECT_FIELD: dict[int, tuple[str, str | None, bool]] = {}
for _names, _field, _what, _first in (
        (("SERVICE_START", "SERVICE_STOP"), "unit", "SERVICE", False),
        (("SYSTEM_RUNLEVEL",), "new-level", "SYSTEM", False),
        (("USER_ROLE_CHANGE",), "selected-context", "USER_SESSION", False),
        (("USER_START", "USER_END", "USER_ERR", "USER_LOGIN", "USER_LOGOUT"), "terminal",
         "USER_SESSION", False),
        (("USER_AUTH", "USER_ACCT", "CRED_ACQ", "CRED_REFR", "CRED_DISP", "USER_CHAUTHTOK",
          "GRP_CHAUTHTOK", "ANOM_LOGIN_FAILURES", "ANOM_LOGIN_TIME", "ANOM_LOGIN_SESSIONS",
          "ANOM_LOGIN_LOCATION"), "acct", "USER_SESSION", False),
        (("ANOM_EXEC", "USER_CMD"), "cmd", "PROCESS", False),
        (("USER_TTY", "TTY"), "data", "KEYSTROKES", True),
        (("USER_DEVICE",), "device", "KEYSTROKES", True),
        (("SOFTWARE_UPDATE",), "sw", "SOFTWARE", True),
        (("VIRT_MACHINE_ID",), "vm", "VM", False),
        (("VIRT_RESOURCE",), "resrc", "VM", False),
        (("VIRT_CONTROL",), "op", "VM", False),
        (("LABEL_LEVEL_CHANGE",), "printer", "PRINTER", False),
        (("MAC_CONFIG_CHANGE",), "bool", "MAC_CONFIG", False),
        (("MAC_STATUS",), "enforcing", "MAC_CONFIG", False),
        (("USER",), "addr", None, False),
        (("CRYPTO_KEY_USER",), "fp", "USER_SESSION", False),
        (("CRYPTO_SESSION",), "addr", "USER_SESSION", False),
        (("ANOM_RBAC_INTEGRITY_FAIL",), "hostname", "FILESYSTEM", False)):
    for _n in _names:
        if f"AUDIT_{_n}" in T:
            SIMPLE_OBJECT_FIELD[T[f"AUDIT_{_n}"]] = (_field, _what, _first)
SIMPLE_OBJECT_WHAT_ONLY = ({T["AUDIT_MAC_POLICY_LOAD"], T["AUDIT_LABEL_OVERRIDE"]}
                            | set(range(T["AUDIT_DEV_ALLOC"], T["AUDIT_USER_MAC_CONFIG_CHANGE"] + 1)))
OBJ_SECONDARY_FIELD = {T["AUDIT_CRYPTO_SESSION"]: "rport", T["AUDIT_SOFTWARE_UPDATE"]: "sw_type"}
OBJ_TWO_FIELD = {T["AUDIT_VIRT_CONTROL"]: "vm", T["AUDIT_VIRT_RESOURCE"]: "vm",
                  T["AUDIT_SOFTWARE_UPDATE"]: "root_dir"}
