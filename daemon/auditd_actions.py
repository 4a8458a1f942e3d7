"""What auditd does to the outside world when a space/size/error action fires.

:class:`ActionRunner` is the real one (syslog, run a program, mail, change
the runlevel through ``/sbin/init``); tests inject a recording fake, so
``single`` and ``halt`` are never executed by the test suite.
"""

from __future__ import annotations

import os
import signal
import syslog
from typing import Protocol

EMAIL_COMMAND = "/usr/lib/sendmail"
INIT_PROGRAM = "/sbin/init"
RUNLEVEL_SINGLE = "1"
RUNLEVEL_HALT = "0"


class Actions(Protocol):
    def log(self, priority: int, text: str) -> None: ...
    def exec_program(self, path: str | None) -> None: ...
    def change_runlevel(self, level: str) -> None: ...
    def sendmail(self, subject: str, content: str, account: str) -> None: ...


class ActionRunner:
    """The daemon's real actions.  ``log`` goes to syslog, and to ``stderr``
    too when one is given (foreground mode, or errors of an undaemonized run)."""

    def __init__(self, stderr=None, stderr_level: int = syslog.LOG_DEBUG,
                 use_syslog: bool = True) -> None:
        self.stderr = stderr
        self.stderr_level = stderr_level
        self.use_syslog = use_syslog
        if use_syslog:
            syslog.openlog("auditd", syslog.LOG_PID, syslog.LOG_DAEMON)

    def log(self, priority: int, text: str) -> None:
        if self.use_syslog and priority <= syslog.LOG_INFO:
            try:
                syslog.syslog(priority, text)
            except (OSError, ValueError):
                pass
        if self.stderr is not None and priority <= self.stderr_level:
            try:
                data = (text + "\n").encode("latin-1", "replace")
                if hasattr(self.stderr, "buffer"):
                    self.stderr.buffer.write(data)
                else:
                    self.stderr.write(text + "\n")
                self.stderr.flush()
            except (OSError, ValueError):
                pass

    def exec_program(self, path: str | None) -> None:
        if path is None:
            self.log(syslog.LOG_ALERT, "Safe_exec passed NULL for program to execute")
            return
        if spawn([path]) is None:
            self.log(syslog.LOG_ALERT, f"Audit daemon failed to exec {path}")

    def change_runlevel(self, level: str) -> None:
        if spawn([INIT_PROGRAM, level]) is None:
            self.log(syslog.LOG_ALERT, f"Audit daemon failed to exec {INIT_PROGRAM}")

    def sendmail(self, subject: str, content: str, account: str) -> None:
        if not os.access(EMAIL_COMMAND, os.X_OK):
            self.log(syslog.LOG_ERR, f"Error - {EMAIL_COMMAND} isn't executable")
            return
        message = (f"To: {account}\nFrom: root\nSubject: {subject}\n\n{content}\n.\n\n")
        r, w = os.pipe()
        try:
            pid = spawn([EMAIL_COMMAND, "-t", f"-f{account}"], stdin_fd=r)
        finally:
            os.close(r)
        if pid is None:
            os.close(w)
            self.log(syslog.LOG_ALERT, "Audit daemon failed to fork while sending email alert")
            return
        try:
            os.write(w, message.encode("latin-1", "replace"))
        except OSError:
            pass
        finally:
            os.close(w)



def spawn(argv: list[str], stdin_fd: int | None = None) -> int | None:
    """Start a program with an empty environment, every signal unblocked and
    at its default action (the daemon blocks its signals in all threads)."""
    actions = []
    if stdin_fd is not None:
        actions.append((os.POSIX_SPAWN_DUP2, stdin_fd, 0))
    try:
        return os.posix_spawn(argv[0], argv, {}, file_actions=actions, setsigmask=(),
                              setsigdef=(signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1,
                                         signal.SIGUSR2, signal.SIGCHLD, signal.SIGCONT,
                                         signal.SIGINT, signal.SIGPIPE))
    except OSError:
        return None
