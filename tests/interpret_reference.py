"""The reference's own field interpreter (libauparse's exported
``auparse_do_interpretation``) through ctypes, for differential tests."""
from __future__ import annotations

import ctypes
import ctypes.util

from audix.analysis.interpret import EscapeMode, FieldType
from audix.analysis.tables.interp_types import INTERP_TYPES

LIBAUPARSE = "libauparse.so.0"
ESCAPE_NUMBERS = {EscapeMode.RAW: 0, EscapeMode.TTY: 1, EscapeMode.SHELL: 2,
                  EscapeMode.SHELL_QUOTE: 3}
TYPE_NUMBERS = {FieldType(name): number for number, name in INTERP_TYPES.items()}


class IData(ctypes.Structure):
    _fields_ = [("machine", ctypes.c_uint), ("syscall", ctypes.c_int),
                ("a0", ctypes.c_ulonglong), ("a1", ctypes.c_ulonglong),
                ("cwd", ctypes.c_char_p), ("name", ctypes.c_char_p), ("val", ctypes.c_char_p)]


class ReferenceInterpreter:
    """Raises OSError when the library is not installed."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(LIBAUPARSE)
        self.lib.auparse_do_interpretation.restype = ctypes.c_void_p
        self.lib.auparse_do_interpretation.argtypes = [ctypes.c_int, ctypes.POINTER(IData),
                                                       ctypes.c_int]
        self.libc = ctypes.CDLL(ctypes.util.find_library("c"))
        self.libc.free.argtypes = [ctypes.c_void_p]

    def interpret(self, kind: FieldType, value: str, *, machine: int = 0xFFFFFFFF,
                  syscall: int = -1, a0: int = 0, a1: int = 0, name: str = "x",
                  escape: EscapeMode = EscapeMode.RAW, cwd: str | None = None) -> str | None:
        data = IData(machine=machine, syscall=syscall, a0=a0, a1=a1,
                     cwd=None if cwd is None else cwd.encode("latin-1"),
                     name=name.encode("latin-1"), val=value.encode("latin-1"))
        ptr = self.lib.auparse_do_interpretation(TYPE_NUMBERS[kind], ctypes.byref(data),
                                                 ESCAPE_NUMBERS[escape])
        if not ptr:
            return None
        try:
            return ctypes.string_at(ptr).decode("latin-1")
        finally:
            self.libc.free(ptr)
