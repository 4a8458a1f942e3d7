"""What a record becomes on its way to the plugins, in both formats.

As the reference's auditd (``distribute_event`` in ``src/auditd.c`` and
the dispatcher's ``event_loop``):

* RAW log format without ``name_format``: protocol 0.  The string form is
  ``type=NAME msg=`` + the kernel's text + ``\\n`` (no trimming: an EOE keeps
  the space after ``):``); the binary form carries the kernel's text.
* ENRICHED, or any ``name_format``, or a record from the network: protocol
  2 (``ver`` 1).  Both forms carry the formatted log line (node=, ENRICHED).

Newlines inside a record become spaces; the text stops at a NUL (``%.*s``).
"""

from __future__ import annotations

from dataclasses import dataclass

from audix.analysis.record import type_name

from .binary_format import MAX_AUDIT_MESSAGE_LENGTH, PROTOCOL_VER, PROTOCOL_VER2, encode_frame


@dataclass(frozen=True)
class PluginEvent:
    ver: int
    type: int
    data: bytes          # kernel text (ver 0) or formatted line (ver 1)
    size: int            # the binary header's size field

    def string(self) -> bytes:
        """One line, as a ``format = string`` plugin reads it."""
        text = self.data[:self.size]
        nul = text.find(b"\0")
        if nul >= 0:
            text = text[:nul]
        if self.ver == PROTOCOL_VER:
            text = b"type=" + type_name(self.type).encode("latin-1") + b" msg=" + text
        return text.replace(b"\n", b" ") + b"\n"

    def binary(self) -> bytes:
        """Header + data area, as a ``format = binary`` plugin reads it."""
        return encode_frame(self.ver, self.type, self.data, self.size)


def uses_formatted_lines(log_format_enriched: bool, has_node_name: bool) -> bool:
    """Protocol 2 (the log line) rather than protocol 0 (the kernel's text)."""
    return log_format_enriched or has_node_name


def make_event(rtype: int, text: str | None, line: str | None, formatted: bool) -> PluginEvent:
    """``text`` is the kernel's ``audit(...): body`` (None for a network
    record), ``line`` the log line; ``formatted`` chooses protocol 2."""
    if text is None or (formatted and line is not None):
        data = (line or "").encode("latin-1", "replace")
        if len(data) >= MAX_AUDIT_MESSAGE_LENGTH - 1:
            return PluginEvent(PROTOCOL_VER2, rtype, data[:MAX_AUDIT_MESSAGE_LENGTH - 1],
                               MAX_AUDIT_MESSAGE_LENGTH)
        return PluginEvent(PROTOCOL_VER2, rtype, data, len(data))
    data = text.encode("latin-1", "replace")[:MAX_AUDIT_MESSAGE_LENGTH]
    return PluginEvent(PROTOCOL_VER, rtype, data, len(data))
