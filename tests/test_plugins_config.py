"""plugins.d/*.conf parsing and the directory scan."""

from __future__ import annotations

import os

import pytest

from audix.daemon.plugins.plugin_config import (Direction, PluginConfig, PluginConfigError,
                                                PluginFormat, PluginType, load_plugin_config,
                                                load_plugin_dir, parse_plugin_config)


def write(path, text, mode=0o640):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def program(tmp_path, mode=0o750, name="plug"):
    p = tmp_path / "bin" / name
    p.parent.mkdir(exist_ok=True)
    p.write_text("#!/bin/sh\ncat >/dev/null\n")
    os.chmod(p, mode)
    return str(p)


def test_shipped_files_parse():
    d = "/etc/audit/plugins.d"
    if not os.path.isdir(d):
        pytest.skip("no reference plugins.d")
    for name in os.listdir(d):
        cfg = load_plugin_config(os.path.join(d, name))
        assert cfg.name == name
    af = "/etc/audit/plugins.d/af_unix.conf"
    if os.path.exists(af):
        cfg = load_plugin_config(af)
        assert (cfg.active, cfg.direction, cfg.path, cfg.type, cfg.args, cfg.format) == \
            (False, Direction.OUT, "builtin_af_unix", PluginType.BUILTIN,
             ("0640", "/var/run/audispd_events"), PluginFormat.STRING)
        assert cfg.is_builtin


def test_every_key(tmp_path):
    exe = program(tmp_path)
    cfg = load_plugin_config(write(tmp_path / "x.conf", f"""# comment
active = yes
direction = out
path = {exe}
type = always
args = LOG_WARNING LOG_LOCAL3
format = binary
"""))
    assert cfg.active and cfg.type is PluginType.ALWAYS and cfg.format is PluginFormat.BINARY
    assert cfg.argv == [exe, "LOG_WARNING", "LOG_LOCAL3"]
    assert cfg.inode == os.stat(exe).st_ino and not cfg.is_builtin


def test_defaults():
    cfg = parse_plugin_config("", "/x/y.conf")
    assert cfg == PluginConfig(name="y.conf", file="/x/y.conf")
    assert (cfg.active, cfg.type, cfg.format, cfg.direction) == \
        (False, PluginType.ALWAYS, PluginFormat.STRING, None)


@pytest.mark.parametrize("text,error", [
    ("active = maybe\n", "Option maybe not found - line 1"),
    ("direction = in\n", "Option in not found"),
    ("type = sometimes\n", "Option sometimes not found"),
    ("format = xml\n", "Option xml not found"),
    ("path = /a/x\n", "The directory name: /a is too short"),
    ("nonsense = 1\n", 'Unknown keyword "nonsense"'),
    ("active yes\n", "Missing equal sign"),
    ("active =\n", "Wrong number of arguments"),
    ("active = yes no\n", 'Keyword "active" has invalid option "no"'),
])
def test_errors(text, error):
    with pytest.raises(PluginConfigError, match=error):
        parse_plugin_config(text, "/etc/x.conf")


def test_long_line_skipped():
    cfg = parse_plugin_config("args = " + "a" * 200 + "\nactive = no\n", "/e/x.conf")
    assert cfg.args == () and "too long" in cfg.warnings[0]


@pytest.mark.parametrize("mode,error", [(0o700, "permissions should be 0750"),
                                        (0o755, None), (0o750, None)])
def test_program_checks(tmp_path, mode, error):
    exe = program(tmp_path, mode)
    path = write(tmp_path / "p.conf", f"active = yes\npath = {exe}\n")
    if error:
        with pytest.raises(PluginConfigError, match=error):
            load_plugin_config(path)
    else:
        assert load_plugin_config(path).active


def test_active_without_path_or_missing_program(tmp_path):
    with pytest.raises(PluginConfigError, match="active but no path"):
        load_plugin_config(write(tmp_path / "a.conf", "active = yes\n"))
    with pytest.raises(PluginConfigError, match="Unable to stat"):
        load_plugin_config(write(tmp_path / "b.conf", "active = yes\npath = /nonexistent/x\n"))


def test_directory_scan(tmp_path):
    d = tmp_path / "plugins.d"
    d.mkdir()
    exe = program(tmp_path)
    write(d / "a.conf", f"active = yes\npath = {exe}\n")
    write(d / "b.conf", "active = no\npath = /sbin/audisp-remote\n")
    write(d / "c.conf", "active = yes\npath = builtin_af_unix\ntype = builtin\n")
    write(d / "a.conf.rpmsave", f"active = yes\npath = {exe}\n")
    write(d / ".hidden", f"active = yes\npath = {exe}\n")
    write(d / "broken.conf", "active = perhaps\n")
    write(d / "wide.conf", f"active = yes\npath = {exe}\n", mode=0o646)
    msgs = []
    active = load_plugin_dir(str(d), log=msgs.append)
    assert [p.name for p in active] == ["a.conf", "c.conf"]
    assert "Skipping broken.conf plugin due to errors" in msgs
    assert "Skipping wide.conf plugin due to errors" in msgs
    assert load_plugin_dir(str(tmp_path / "absent")) == []
