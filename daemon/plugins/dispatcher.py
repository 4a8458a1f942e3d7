"""The event dispatcher inside auditd: every record (EOE included) to every
active plugin of ``plugin_dir`` (``plugins.d/*.conf``).

:func:`dispatcher_for` is what ``auditd_daemon`` calls.  The daemon's
writer thread calls :meth:`PluginDispatcher.dispatch`, which only encodes
the records (string or binary, see :mod:`.plugin_event`) and queues them
in each plugin's own bounded queue (``q_depth`` records); records that do
not fit are dropped and ``overflow_action`` applies as in the reference's
``audisp/queue.c`` (ignore, syslog (5 messages at most), suspend (until
USR2 or HUP), single, halt (through the daemon's actions)).  Feeding the
plugins is done by one thread per plugin (:mod:`.supervisor`,
:mod:`.af_unix`), so a slow plugin never holds the writer or the others.

SIGHUP (:meth:`reconfigure`) reloads ``plugins.d`` as the reference:
new plugins start, removed ones stop ("Terminating X because its now
inactive"), a changed binary is restarted ("Restarting X since binary
changed"), unchanged ones get SIGHUP.  Beyond the reference, a plugin whose
``args``/``format`` changed is restarted with the new settings, and one that
exceeded ``max_restarts`` gets a new start.
"""

from __future__ import annotations

import syslog
import threading
from typing import Callable, Protocol

from ..auditd_queue import apply_overflow
from ..config import DaemonConfig, LogFormat, NameFormat
from .af_unix import AfUnixPlugin
from .plugin_config import PluginConfig, PluginFormat, PluginType, load_plugin_dir
from .plugin_event import make_event, uses_formatted_lines
from .supervisor import ExternalPlugin

Log = Callable[[int, str], None]
STOP_FLUSH_SECONDS = 2.0


class Plugin(Protocol):
    cfg: PluginConfig
    name: str
    gave_up: bool
    max_restarts: int

    def start(self) -> bool: ...
    def offer(self, payloads: list[bytes]) -> int: ...
    def hup(self) -> None: ...
    def request_restart(self) -> None: ...
    def stop(self, flush_timeout: float = ...) -> None: ...
    def stop_async(self) -> threading.Thread: ...
    def state_line(self) -> str: ...


class RunlevelChanger(Protocol):
    def change_runlevel(self, level: str) -> None: ...


class PluginDispatcher:
    """Plugins of ``cfg.plugin_dir``, started at construction."""

    def __init__(self, cfg: DaemonConfig, log: Log, actions: RunlevelChanger | None = None,
                 check_owner: bool = True) -> None:
        self.log = log
        self.actions = actions
        self.check_owner = check_owner
        self.plugins: dict[str, Plugin] = {}
        self.suspended = False
        self.overflowed = False
        self.dropped = 0
        self.full_warnings = 0
        self._stopping_threads: list[threading.Thread] = []
        self._settings(cfg)
        for pcfg in self._load():
            self._start(pcfg)
        if not self.plugins:
            log(syslog.LOG_NOTICE, "No plugins found, not dispatching events")
        else:
            log(syslog.LOG_INFO, f"audit dispatcher initialized with q_depth={self.q_depth} "
                                 f"and {len(self.plugins)} active plugins")

    # -- configuration ------------------------------------------------------------------
    def _settings(self, cfg: DaemonConfig) -> None:
        self.cfg = cfg
        self.q_depth = cfg.q_depth
        self.overflow_action = cfg.overflow_action
        self.max_restarts = cfg.max_restarts
        self.formatted = uses_formatted_lines(cfg.log_format is LogFormat.ENRICHED,
                                              cfg.name_format is not NameFormat.NONE)

    def _load(self) -> list[PluginConfig]:
        log = self.log
        return load_plugin_dir(self.cfg.plugin_dir, log=lambda m: log(syslog.LOG_ERR, m),
                               check_owner=self.check_owner)

    def _make(self, pcfg: PluginConfig) -> Plugin | None:
        if pcfg.is_builtin or pcfg.type is PluginType.BUILTIN:
            if (pcfg.path or "").lower() == "builtin_af_unix":
                return AfUnixPlugin(pcfg, self.q_depth, self.log)
            self.log(syslog.LOG_ERR, f"Unknown builtin {pcfg.path}")
            return None
        return ExternalPlugin(pcfg, self.q_depth, self.max_restarts, self.log)

    def _start(self, pcfg: PluginConfig) -> None:
        plugin = self._make(pcfg)
        if plugin is not None and plugin.start():
            self.plugins[pcfg.name] = plugin

    @property
    def active(self) -> bool:
        """False when no plugin runs: the daemon may skip formatting for us."""
        return bool(self.plugins)

    @property
    def needs_lines(self) -> bool:
        """False when records go out as the kernel's text (RAW, no
        name_format): the daemon may then pass ``line=None`` for kernel
        records and save formatting them a second time."""
        return self.formatted

    # -- the writer thread's side ------------------------------------------------------
    def dispatch(self, items: list[tuple[int, str | None, str | None]]) -> None:
        """Queue ``(type, kernel text or None, log line or None)`` records
        (the line may be None for kernel records when :attr:`needs_lines`
        is False); never blocks."""
        if not self.plugins or self.suspended or not items:
            return
        formatted = self.formatted
        events = [make_event(t, text, line, formatted) for t, text, line in items]
        strings = binaries = None
        for plugin in list(self.plugins.values()):
            if plugin.cfg.format is PluginFormat.BINARY:
                if binaries is None:
                    binaries = [e.binary() for e in events]
                payloads = binaries
            else:
                if strings is None:
                    strings = [e.string() for e in events]
                payloads = strings
            refused = plugin.offer(payloads)
            if refused:
                self._overflow(refused)
                if self.suspended:
                    return

    def _overflow(self, count: int) -> None:
        apply_overflow(self, count, self.overflow_action, self.log, self._runlevel)

    def _runlevel(self, level: str) -> None:
        if self.actions is None:
            self.log(syslog.LOG_ALERT, f"no action runner: runlevel {level} not requested")
            return
        self.actions.change_runlevel(level)

    def resume(self) -> None:
        """USR2: pass events to the plugins again after ``suspend``."""
        self.suspended = False
        self.full_warnings = 0

    def reconfigure(self, cfg: DaemonConfig) -> None:
        """SIGHUP (on the writer thread; never waits for a plugin)."""
        self._settings(cfg)
        self.resume()
        wanted = {p.name: p for p in self._load()}
        current = self.plugins
        kept: dict[str, Plugin] = {}
        for name, pcfg in wanted.items():
            old = current.get(name)
            if old is None:
                plugin = self._make(pcfg)
                if plugin is not None and plugin.start():
                    kept[name] = plugin
                continue
            if old.gave_up or _settings_changed(old.cfg, pcfg):
                self.log(syslog.LOG_INFO, f"Restarting {pcfg.path} since its configuration "
                                          f"changed")
                self._stopping_threads.append(old.stop_async())
                plugin = self._make(pcfg)
                if plugin is not None and plugin.start():
                    kept[name] = plugin
                continue
            if not old.cfg.is_builtin and old.cfg.inode != pcfg.inode:
                self.log(syslog.LOG_INFO, f"Restarting {old.cfg.path} since binary changed")
                old.cfg = pcfg
                old.request_restart()
            else:
                old.hup()
            old.outbox.resize(self.q_depth)
            old.max_restarts = self.max_restarts
            kept[name] = old
        for name, old in current.items():
            if name not in wanted:
                self.log(syslog.LOG_INFO, f"Terminating {old.cfg.path} because its now "
                                          f"inactive")
                self._stopping_threads.append(old.stop_async())
        self.plugins = dict(sorted(kept.items()))
        self._stopping_threads = [t for t in self._stopping_threads if t.is_alive()]

    def state_lines(self) -> list[str]:
        lines = [f"Number of active plugins = {len(self.plugins)}"]
        lines += [p.state_line() for p in self.plugins.values()]
        lines.append(f"plugin records dropped = {self.dropped}")
        return lines

    def stop(self) -> None:
        """Flush (up to 2 s), then stop every plugin (in parallel)."""
        plugins, self.plugins = list(self.plugins.values()), {}
        threads = [threading.Thread(target=p.stop, args=(STOP_FLUSH_SECONDS,), daemon=True)
                   for p in plugins]
        for t in threads:
            t.start()
        for t in threads + self._stopping_threads:
            t.join(STOP_FLUSH_SECONDS + 4.0)
        self._stopping_threads = []


def _settings_changed(old: PluginConfig, new: PluginConfig) -> bool:
    return (old.path, old.args, old.format, old.type) != (new.path, new.args, new.format,
                                                          new.type)


def dispatcher_for(cfg: DaemonConfig, log: Log,
                   actions: RunlevelChanger | None = None) -> PluginDispatcher:
    """The daemon's dispatcher (idle, :attr:`~PluginDispatcher.active` False,
    when ``plugin_dir`` has no active plugin: SIGHUP may add some).
    ``single``/``halt`` overflow actions go to ``actions`` (the daemon's)."""
    return PluginDispatcher(cfg, log, actions)
