"""Titles, headers and ``total  value`` tables of aureport's output."""
from __future__ import annotations

import time

from .options import Detail, Outcome, Report, Unimplemented

NO_EVENTS = "<no events of interest were found>\n\n"


def local_stamp(sec: int) -> str:
    """``%x %T`` of a time in the local zone and locale (``?`` if out of range)."""
    try:
        return time.strftime("%x %T", time.localtime(sec))
    except (OverflowError, OSError, ValueError):
        return "?"


def _block(title: str, rule: str, header: str | None, rule2: str | None = None) -> str:
    out = [title, rule]
    if header is not None:
        out += [header, rule2 or rule]
    return "\n".join(out) + "\n"


_SUMMARY_TITLES = {
    Report.SUMMARY: _block("Summary Report", "=" * 22, None),
    Report.AVC: _block("Avc Object Summary Report", "=" * 33, "total  obj"),
    Report.MAC: _block("MAC Summary Report", "=" * 18, "total  type"),
    Report.INTEG: _block("Integrity Summary Report", "=" * 24, "total  type"),
    Report.VIRT: _block("Virtualization Summary Report", "=" * 29, "total  type"),
    Report.CONFIG: _block("Config Change Summary Report", "=" * 28, "total  type"),
    Report.AUTH: _block("Authentication Summary Report", "=" * 29, "total  acct"),
    Report.LOGIN: _block("Login Summary Report", "=" * 28, "total  auid"),
    Report.ACCT_MOD: _block("Acct Modification Summary Report", "=" * 32, "total  type"),
    Report.EVENT: _block("Event Summary Report", "=" * 22, "total  type"),
    Report.FILE: _block("File Summary Report", "=" * 27, "total  file"),
    Report.HOST: _block("Host Summary Report", "=" * 27, "total  host"),
    Report.PID: _block("Pid Summary Report", "=" * 26, "total  pid"),
    Report.SYSCALL: _block("Syscall Summary Report", "=" * 26, "total  syscall"),
    Report.TERM: _block("Terminal Summary Report", "=" * 31, "total  terminal"),
    Report.USER: _block("User Summary Report", "=" * 27, "total  auid"),
    Report.EXE: _block("Executable Summary Report", "=" * 33, "total  file"),
    Report.COMM: _block("Command Summary Report", "=" * 33, "total  command"),
    Report.ANOMALY: _block("Anomaly Summary Report", "=" * 22, "total  type"),
    Report.RESPONSE: _block("Anomaly Response Summary Report", "=" * 31, "total  type"),
    Report.CRYPTO: _block("Crypto Summary Report", "=" * 21, "total  type"),
    Report.KEY: _block("Key Summary Report", "=" * 27, "total  key"),
}

_DETAILED_TITLES = {
    Report.AVC: _block("AVC Report", "=" * 63,
                       "# date time comm subj syscall class permission obj result event"),
    Report.CONFIG: _block("Config Change Report", "=" * 35, "# date time type auid success event"),
    Report.AUTH: _block("Authentication Report", "=" * 44,
                        "# date time acct host term exe success event"),
    Report.LOGIN: _block("Login Report", "=" * 44, "# date time auid host term exe success event"),
    Report.ACCT_MOD: _block("Account Modifications Report", "=" * 49,
                            "# date time auid addr term exe acct success event"),
    Report.TIME: _block("Log Time Range Report", "=" * 21, None),
    Report.EVENT: _block("Event Report", "=" * 35, "# date time event type auid success"),
    Report.FILE: _block("File Report", "=" * 47, "# date time file syscall success exe auid event"),
    Report.HOST: _block("Host Report", "=" * 35, "# date time host syscall auid event"),
    Report.PID: _block("Process ID Report", "=" * 38, "# date time pid exe syscall auid event"),
    Report.SYSCALL: _block("Syscall Report", "=" * 39, "# date time syscall pid comm auid event"),
    Report.TERM: _block("Terminal Report", "=" * 36, "# date time term host exe auid event"),
    Report.USER: _block("User ID Report", "=" * 36, "# date time auid term host exe event"),
    Report.EXE: _block("Executable Report", "=" * 36, "# date time exe term host auid event"),
    Report.COMM: _block("Command Report", "=" * 36, "# date time comm term host auid event",
                        "=" * 37),
    Report.ANOMALY: _block("Anomaly Report", "=" * 41, "# date time type exe term host auid event"),
    Report.RESPONSE: _block("Response to Anomaly Report", "=" * 30, "# date time type success event"),
    Report.MAC: _block("MAC Report", "=" * 35, "# date time auid type success event"),
    Report.INTEG: _block("Integrity Report", "=" * 30, "# date time type success event"),
    Report.VIRT: _block("Virtualization Report", "=" * 30, "# date time type success event"),
    Report.CRYPTO: _block("Crypto Report", "=" * 35, "# date time auid type success event"),
    Report.KEY: _block("Key Report", "=" * 47, "# date time key success exe auid event"),
    Report.TTY: _block("TTY Report", "=" * 47, "# date time event auid term sess comm data"),
}


def title(report: Report, detail: Detail, outcome: Outcome) -> str:
    """The text printed before any event is read.  Unimplemented for -t/--tty summaries."""
    out = "\n"
    if detail is Detail.SUMMARY:
        if outcome is Outcome.FAILED:
            out += "Failed "
        elif outcome is Outcome.SUCCESS:
            out += "Success "
        text = _SUMMARY_TITLES.get(report)
        if text is None:
            raise Unimplemented(out)
        return out + text
    return out + _DETAILED_TITLES.get(report, "")


def sort_by_hits(items: dict) -> list[tuple]:
    """Most hits first; ties keep their order (the reference's stable swap sort)."""
    return sorted(items.items(), key=lambda kv: -kv[1])
