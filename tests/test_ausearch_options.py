"""Option parsing and time keywords (no reference needed)."""
from __future__ import annotations

import os
import time

import pytest

from audix.analysis import timeparse
from audix.analysis.search.options import Format, Success, parse_args, valid_types_message


@pytest.fixture(autouse=True)
def utc():
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()


NOW = 1795611223.0     # Wed Nov 25 08:53:43 2026 UTC... as time.gmtime says


def test_no_arguments_prints_usage_and_fails():
    out = parse_args([])
    assert out.exit_status == 1 and out.stdout.startswith("usage: ausearch [options]\n")


def test_criteria_keep_c_semantics():
    o = parse_args(["-m", "syscall,1302", "-k", "k", "-p", "12", "-sv", "nope",
                    "-ul", "-1", "-e", "-13", "--session", "4294967295"]).options
    assert o.types == [1300, 1302] and o.key == "k" and o.pid == 12
    assert o.success == Success.FAILED          # anything with "no" but "yes" means failed
    assert o.loginuid == 0xffffffff and o.exit == -13 and o.exit_set
    assert o.session == 0xffffffff


def test_first_error_stops_with_its_message():
    out = parse_args(["-p", "x", "-k"])
    assert out.exit_status == 1
    assert out.stderr == "Process id must be a numeric value, was x\n"
    out = parse_args(["-i", "-r"])
    assert out.stderr == "Conflicting output format --raw\n"
    out = parse_args(["--extra-keys"])
    assert out.stderr == "--extra options requires format to be csv\n"
    assert parse_args(["--format", "csv", "--extra-keys"]).options.format == Format.CSV


def test_bad_message_type_lists_the_valid_ones():
    out = parse_args(["-m", "NOPE"])
    assert out.stderr == valid_types_message()
    assert " VIRT_MIGRATE_OUT \n" in out.stderr and out.stderr.startswith("Valid message types are: ALL USER LOGIN")


def test_time_keywords():
    day = 24 * 3600
    midnight = (int(NOW) // day) * day
    assert timeparse.start_time("today", "00:00:00", NOW) == midnight
    assert timeparse.start_time("yesterday", "00:00:00", NOW) == midnight - day
    assert timeparse.start_time("recent", "00:00:00", NOW) == int(NOW) - 600
    assert timeparse.start_time("now", "00:00:00", NOW) == int(NOW)
    assert timeparse.end_time("today", "00:00:00", NOW) == int(NOW)
    assert timeparse.start_time("week-ago", "00:00:00", NOW) == midnight - 7 * day
    # Wed Nov 25 2026: this-week starts on Sunday Nov 22
    assert time.gmtime(timeparse.start_time("this-week", "00:00:00", NOW))[:3] == (2026, 11, 22)
    assert time.gmtime(timeparse.start_time("this-month", "00:00:00", NOW))[:3] == (2026, 11, 1)
    assert time.gmtime(timeparse.start_time("this-year", "00:00:00", NOW))[:3] == (2026, 1, 1)


def test_dates_and_times_c_locale():
    assert timeparse.start_time("11/25/26", "10:00", NOW) == \
        int(time.mktime((2026, 11, 25, 10, 0, 0, 0, 0, 0)))
    with pytest.raises(timeparse.TimeError, match=r"^Error parsing start date \(11/25/2026\)$"):
        timeparse.start_time("11/25/2026", "00:00:00", NOW)
    with pytest.raises(timeparse.TimeError, match="Month, Day, and Year are required"):
        timeparse.start_time("2026-11-25", "00:00:00", NOW)
    with pytest.raises(timeparse.TimeError, match=r"^Invalid end time \(25:00:00\)"):
        timeparse.end_time("11/25/26", "25:00:00", NOW)
    with pytest.raises(timeparse.TimeError, match=r"^Error - year is 2003$"):
        timeparse.start_time("01/01/03", "00:00:00", NOW)


def test_ts_takes_one_or_two_words_in_either_order():
    a = parse_args(["-ts", "11/25/26", "10:00:00", "-k", "x"], now=NOW).options
    b = parse_args(["-ts", "10:00:00", "11/25/26", "-k", "x"], now=NOW).options
    assert a.start_time == b.start_time and a.key == b.key == "x"
    assert parse_args(["-ts", "checkpoint"]).options.checkpoint_time_only
