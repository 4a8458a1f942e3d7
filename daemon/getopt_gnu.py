"""GNU ``getopt_long`` as the reference's tools see it (argument permutation, opterr=0).

Only what auditctl needs: short options with required arguments (``x:``),
clustering (``-lk``), attached arguments (``-kKEY``), long options with
``--name=value`` or ``--name value`` and unambiguous abbreviations, ``--``,
and non-options permuted to the end.  Errors come back as ``'?'``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LongOption:
    name: str
    has_arg: bool
    val: int


class GnuGetopt:
    """Iterate options of ``argv`` (``argv[0]`` is the program name).

    After each :meth:`next`, :attr:`optind` and :attr:`argv` (permuted in
    place) match glibc's; :meth:`next` returns ``None`` at the end.
    """

    def __init__(self, argv: list[str], shortopts: str, longopts: list[LongOption]) -> None:
        self.argv = argv
        self.optind = 1
        self.optarg: str | None = None
        self._short = shortopts
        self._long = longopts
        self._nextchar = ""
        self._first_nonopt = 1
        self._last_nonopt = 1

    # glibc's exchange(): move the non-options [first_nonopt, last_nonopt)
    # after the options [last_nonopt, optind)
    def _exchange(self) -> None:
        a = self.argv
        bottom, middle, top = self._first_nonopt, self._last_nonopt, self.optind
        a[bottom:top] = a[middle:top] + a[bottom:middle]
        self._first_nonopt += top - middle
        self._last_nonopt = top

    def _is_nonoption(self, i: int) -> bool:
        arg = self.argv[i]
        return not arg.startswith("-") or arg == "-"

    def next(self):
        self.optarg = None
        argc = len(self.argv)
        if not self._nextchar:
            if self._last_nonopt > self.optind:
                self._last_nonopt = self.optind
            if self._first_nonopt > self.optind:
                self._first_nonopt = self.optind
            if self._first_nonopt != self._last_nonopt and self._last_nonopt != self.optind:
                self._exchange()
            elif self._last_nonopt != self.optind:
                self._first_nonopt = self.optind
            while self.optind < argc and self._is_nonoption(self.optind):
                self.optind += 1
            self._last_nonopt = self.optind
            if self.optind != argc and self.argv[self.optind] == "--":
                self.optind += 1
                if self._first_nonopt != self._last_nonopt and self._last_nonopt != self.optind:
                    self._exchange()
                elif self._first_nonopt == self._last_nonopt:
                    self._first_nonopt = self.optind
                self._last_nonopt = argc
                self.optind = argc
            if self.optind == argc:
                if self._first_nonopt != self._last_nonopt:
                    self.optind = self._first_nonopt
                return None
            arg = self.argv[self.optind]
            if arg.startswith("--"):
                return self._long_option(arg[2:])
            self._nextchar = arg[1:]
        c = self._nextchar[0]
        self._nextchar = self._nextchar[1:]
        if not self._nextchar:
            self.optind += 1
        pos = self._short.find(c)
        if pos < 0 or c == ":":
            return "?"
        if self._short[pos + 1: pos + 2] == ":":
            if self._nextchar:
                self.optarg = self._nextchar
                self.optind += 1
            elif self.optind == argc:
                self._nextchar = ""
                return "?"
            else:
                self.optarg = self.argv[self.optind]
                self.optind += 1
            self._nextchar = ""
        return c

    def _long_option(self, body: str):
        name, eq, value = body.partition("=")
        self.optind += 1
        exact = [o for o in self._long if o.name == name]
        matches = exact or [o for o in self._long if o.name.startswith(name)]
        if not matches:
            return "?"
        if len(matches) > 1:
            first = matches[0]
            if any((o.has_arg, o.val) != (first.has_arg, first.val) for o in matches[1:]):
                return "?"
        opt = matches[0]
        if opt.has_arg:
            if eq:
                self.optarg = value
            elif self.optind < len(self.argv):
                self.optarg = self.argv[self.optind]
                self.optind += 1
            else:
                return "?"
        elif eq:
            return "?"
        return opt.val
