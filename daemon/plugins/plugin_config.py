"""``plugins.d/*.conf``: one file per dispatcher plugin (the reference's
``audisp/audispd-pconfig.c`` and ``load_plugin_conf`` in ``audispd.c``).

Keys: ``active`` (yes|no), ``direction`` (out), ``path`` (a program, or
``builtin_af_unix``), ``type`` (always|builtin), ``args`` (at most two words),
``format`` (string|binary).  Syntax as every audit config file: ``name =
value [option]`` with single spaces, ``#`` comments; lines longer than 158
characters are skipped with a warning, as the reference's 160-byte buffer.

:func:`load_plugin_dir` gives the *active* plugins of a directory (files whose
name starts with a dot or holds more than one dot are ignored, as backups);
a file with an error is skipped with "Skipping NAME plugin due to errors".
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field, replace
from typing import Callable

from .. import confparse

LINE_LIMIT = 158


class Direction(enum.Enum):
    OUT = "out"


class PluginType(enum.Enum):
    ALWAYS = "always"
    BUILTIN = "builtin"


class PluginFormat(enum.Enum):
    STRING = "string"
    BINARY = "binary"


class PluginConfigError(Exception):
    """The file cannot be used; one line, as the reference logs it."""


@dataclass(frozen=True)
class PluginConfig:
    name: str                       # the file's base name: identifies the plugin on SIGHUP
    file: str | None = None
    active: bool = False
    direction: Direction | None = None
    path: str | None = None
    type: PluginType = PluginType.ALWAYS
    args: tuple[str, ...] = ()
    format: PluginFormat = PluginFormat.STRING
    inode: int | None = None        # of the program, to notice a new binary on SIGHUP
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_builtin(self) -> bool:
        return bool(self.path) and self.path.lower().startswith("builtin_")

    @property
    def argv(self) -> list[str]:
        """What an ``always`` plugin is started with: the path, then the args."""
        return [self.path or "", *self.args]


def _enum(cls, value: str, lineno: int):
    return confparse.choice(cls, value, lineno, PluginConfigError)


def parse_plugin_config(text: str, file: str) -> PluginConfig:
    """Parse the file's text; the program checks of :func:`check_program` are not done."""
    cfg = {"name": os.path.basename(file), "file": file}
    warnings: list[str] = []
    for entry in confparse.iter_entries(text, file, PluginConfigError, warnings.append,
                                        max_length=LINE_LIMIT):
        name, value, option, lineno = entry.name, entry.value, entry.option, entry.lineno
        key = entry.key
        if key != "args" and option is not None:
            if key in ("active", "direction", "path", "type", "format"):
                raise PluginConfigError(confparse.invalid_option_text(name, option, lineno, file))
        if key == "active":
            cfg["active"] = confparse.yes_no(value, lineno, PluginConfigError)
        elif key == "direction":
            cfg["direction"] = _enum(Direction, value, lineno)
        elif key == "path":
            if not value.lower().startswith("builtin_"):
                d = os.path.dirname(value) or "."
                if len(d) < 4:
                    raise PluginConfigError(f"The directory name: {d} is too short - "
                                            f"line {lineno}")
            cfg["path"] = value
        elif key == "type":
            cfg["type"] = _enum(PluginType, value, lineno)
        elif key == "args":
            cfg["args"] = (value,) if option is None else (value, option)
        elif key == "format":
            cfg["format"] = _enum(PluginFormat, value, lineno)
        else:
            raise PluginConfigError(confparse.unknown_keyword_text(name, lineno, file))
    return PluginConfig(warnings=tuple(warnings), **cfg)


def check_program(cfg: PluginConfig) -> PluginConfig:
    """The reference's sanity check for an active plugin: a path is given and,
    unless builtin, is a regular file owned by root with at least mode 0750.
    Returns the config with the program's inode."""
    if not cfg.active:
        return cfg
    if cfg.path is None:
        raise PluginConfigError(f"Error - plugin ({cfg.file}) is active but no path given")
    if cfg.is_builtin:
        return cfg
    st = confparse.check_program_file(cfg.path, PluginConfigError,
                                      lambda mode: mode & 0o750 == 0o750, "0750")
    return replace(cfg, inode=st.st_ino)


def load_plugin_config(path: str, check_owner: bool = True) -> PluginConfig:
    """Read, parse and check one file.  A missing file is an inactive plugin."""
    name = os.path.basename(path)
    text = confparse.read_config_file(path, PluginConfigError, check_owner=check_owner)
    if text is None:
        return PluginConfig(name=name, file=path, warnings=(confparse.missing_file_text(path),))
    return check_program(parse_plugin_config(text, path))


def is_plugin_file_name(name: str) -> bool:
    """Not hidden, not a backup (``x.conf.rpmsave``, ``x.conf~`` is kept as the reference)."""
    return not name.startswith(".") and name.count(".") <= 1


def load_plugin_dir(directory: str, log: Callable[[str], None] | None = None,
                    check_owner: bool = True) -> list[PluginConfig]:
    """The active plugins of ``directory``, in name order.  ``log`` receives
    warnings and the per-file errors (those files are skipped)."""
    log = log or (lambda msg: None)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    active = []
    for name in names:
        if not is_plugin_file_name(name):
            continue
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            continue
        try:
            cfg = load_plugin_config(path, check_owner=check_owner)
        except PluginConfigError as e:
            log(str(e))
            log(f"Skipping {name} plugin due to errors")
            continue
        for w in cfg.warnings:
            log(w)
        if cfg.active:
            active.append(cfg)
    return active
