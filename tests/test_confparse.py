"""The shared ``key = value`` reader (audix.daemon.confparse)."""

import enum
import os
import tempfile

import pytest

from audix.daemon import confparse
from audix.daemon.confparse import Entry


class Err(Exception):
    pass


def entries(text, **kw):
    warnings = []
    got = list(confparse.iter_entries(text, "/f.conf", Err, warnings.append, **kw))
    return got, warnings


def test_tokens_comments_and_options():
    got, warnings = entries("# c\n\nName = Value\n  a  =  b  opt\nx = y z w\n")
    assert got == [Entry(3, "Name", "Value", None), Entry(4, "a", "b", "opt"),
                   Entry(5, "x", "y", "z")]
    assert got[0].key == "name"
    assert warnings == ["Wrong number of arguments for line 5 in /f.conf"]


@pytest.mark.parametrize("line, msg", [
    ("name", "Wrong number of arguments for line 2 in /f.conf"),
    ("name value", "Missing equal sign for line 2 in /f.conf"),
    ("name =", "Wrong number of arguments for line 2 in /f.conf"),
    ("name\t= v", "Missing equal sign for line 2 in /f.conf"),  # tabs are not blanks
])
def test_syntax_errors_name_the_line(line, msg):
    with pytest.raises(Err) as exc:
        entries("# first\n" + line + "\n")
    assert str(exc.value) == msg


def test_long_lines_and_unterminated_last_line():
    text = "a = " + "x" * 154 + "\n" + "b = " + "y" * 155 + "\nc = z"
    got, warnings = entries(text, max_length=158)
    assert [e.name for e in got] == ["a", "c"]
    assert warnings == ["Skipping line 2 in /f.conf: too long"]
    got, warnings = entries(text, max_length=158, unterminated_last_too_long=True)
    assert [e.name for e in got] == ["a"]
    assert warnings[-1] == "Skipping line 3 in /f.conf: too long"


def test_carriage_returns_only_stripped_on_request():
    assert entries("a = b\r\n", strip_cr=True)[0] == [Entry(1, "a", "b", None)]
    assert entries("a = b\r\n")[0] == [Entry(1, "a", "b\r", None)]


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def test_converters():
    assert confparse.choice(Color, "RED", 3, Err) is Color.RED
    with pytest.raises(Err, match=r"^Option blue not found - line 3$"):
        confparse.choice(Color, "blue", 3, Err, allowed=(Color.RED,))
    assert confparse.yes_no("Yes", 1, Err) is True
    with pytest.raises(Err, match=r"^Option 1 not found - line 4$"):
        confparse.yes_no("1", 4, Err)
    assert confparse.number("0042", 1, Err) == 42
    for value, low, high, msg in [
            ("4x", 0, None, "Value 4x should only be numbers - line 9"),
            ("-1", 0, None, "Value -1 should only be numbers - line 9"),
            ("99999999999999999999", 0, None,
             "Error converting string to a number (Numerical result out of range) - line 9"),
            ("0", 1, 10, "Error - converted number (0) is too small - line 9"),
            ("11", 1, 10, "Error - converted number (11) is too large - line 9")]:
        with pytest.raises(Err) as exc:
            confparse.number(value, 9, Err, low=low, high=high)
        assert str(exc.value) == msg
    assert confparse.strtoul(" 12ab") == 12
    assert confparse.strtoul("ab") == 0


def test_read_config_file_checks():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.conf")
        assert confparse.read_config_file(path, Err) is None
        with open(path, "wb") as f:
            f.write(b"a = \xe9\n")
        os.chmod(path, 0o646)
        if os.geteuid() == 0:
            with pytest.raises(Err, match="is world writable$"):
                confparse.read_config_file(path, Err)
        assert confparse.read_config_file(path, Err, check_owner=False) == "a = \xe9\n"
        link = os.path.join(d, "link")
        os.symlink(path, link)
        with pytest.raises(Err, match=r"^Opening: Too many levels of symbolic links$"):
            confparse.read_config_file(link, Err, check_owner=False, follow_links=False,
                                       open_error="Opening: {strerror}")
        with pytest.raises(Err, match=r"is not a regular file$"):
            confparse.read_config_file(d, Err, check_owner=False)
