"""Interpretation of audit fields and records, byte for byte as ``ausearch -i``.

- :class:`Interpreter` -- ``format_record(record)`` (the whole ``ausearch -i``
  line) and ``interpret(record, name, value)`` (one field);
- :class:`EscapeMode` -- ``--escape raw|tty|shell|shell_quote``;
- :class:`NameLookup` -- uid/gid names (local databases or given tables);
- :func:`decode_sockaddr` / :class:`SockAddr`, :func:`syscall_name`,
  :func:`errno_text` -- for the autrace timeline.

Modules: ``typetab`` (which interpretation a field gets), ``ids``,
``syscalls`` (arch, syscall, exit), ``args`` (a0-a3), ``sockaddr``,
``modes`` (modes, perms, capabilities), ``values`` (signals, enumerations,
flag sets), ``strings`` (quoted / hex values, proctitle, TTY data, paths),
``enriched`` (ENRICHED fields), ``layout`` (the line), ``cnum`` (C number
parsing), ``escape`` (TTY key names come from ``tables.tty``).
"""
from .escape import EscapeMode
from .ids import NameLookup
from .interpreter import FieldContext, Interpreter
from .sockaddr import SockAddr, decode_sockaddr
from .strings import realpath_text
from .syscalls import errno_text, syscall_name
from .typetab import FieldType, field_type

__all__ = ["EscapeMode", "FieldContext", "FieldType", "Interpreter", "NameLookup", "SockAddr",
           "decode_sockaddr", "errno_text", "field_type", "realpath_text", "syscall_name"]
