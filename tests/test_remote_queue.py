"""The audisp-remote queues (memory, and the durable file of mode = forward)."""

from __future__ import annotations

import os

import pytest

from audix.daemon.remote import queue as qmod
from audix.daemon.remote.queue import FileQueue, MemoryQueue, QueueError, QueueFull


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_fifo_and_depth(tmp_path, kind):
    q = MemoryQueue(3) if kind == "memory" else FileQueue(str(tmp_path / "q"), 3)
    assert q.peek() is None and len(q) == 0
    for x in ("a", "b", "c"):
        q.append(x)
    with pytest.raises(QueueFull):
        q.append("d")
    assert q.peek() == "a"
    q.drop_head()
    assert q.peek() == "b" and len(q) == 2
    q.append("d\n")
    assert [q.peek() for _ in range(1)] == ["b"]
    out = []
    while len(q):
        out.append(q.peek())
        q.drop_head()
    assert out == ["b", "c", "d"]
    q.drop_head()  # empty: no error
    q.close()


def test_file_queue_survives_reopen(tmp_path):
    path = str(tmp_path / "q")
    q = FileQueue(path, 100)
    for i in range(10):
        q.append(f"type=USER msg=audit(1.0:{i}): n={i} \xe9")
    q.drop_head()
    q.drop_head()
    q.close()
    q = FileQueue(path, 100)
    assert len(q) == 8 and q.peek() == "type=USER msg=audit(1.0:2): n=2 \xe9"
    while len(q):
        q.drop_head()
    q.close()
    assert os.path.getsize(path) == qmod.HEADER_SIZE   # emptied file is cut back


def test_torn_last_line_dropped(tmp_path):
    path = str(tmp_path / "q")
    q = FileQueue(path, 100)
    q.append("one")
    q.append("two")
    q.close()
    with open(path, "ab") as f:
        f.write(b"thr")          # a crash in the middle of an append
    q = FileQueue(path, 100)
    assert len(q) == 2
    q.append("three")
    q.drop_head()
    q.drop_head()
    assert q.peek() == "three"
    q.close()


def test_second_opener_refused(tmp_path):
    path = str(tmp_path / "q")
    q = FileQueue(path, 10)
    pid = os.fork()
    if pid == 0:  # lockf locks are per process
        try:
            FileQueue(path, 10)
            os._exit(1)
        except QueueError:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    q.close()
    assert os.WEXITSTATUS(status) == 0


def test_foreign_file_refused(tmp_path):
    path = tmp_path / "q"
    path.write_bytes(b"something else entirely" + bytes(40))
    with pytest.raises(QueueError, match="not an audix queue"):
        FileQueue(str(path), 10)
    path.write_bytes(b"\0audisp-remote" + bytes(40))   # reference magic, no slots
    with pytest.raises(QueueError, match="corrupt audisp-remote queue"):
        FileQueue(str(path), 10)


def test_reference_layout_converted(tmp_path):
    import struct
    entries, size = 4, 64
    path = tmp_path / "q"
    head, length = 3, 3               # wraps: slots 3, 0, 1
    data = bytearray(struct.pack(">14sBBIIII", b"\0audisp-remote", 0, 0, entries, size,
                                 head, length).ljust(size, b"\0"))
    slots = {3: b"rec one\n", 0: b"rec two\n", 1: b"rec three\n", 2: b"stale\n"}
    for i in range(entries):
        data += slots[i].ljust(size, b"\0")
    path.write_bytes(bytes(data))
    q = FileQueue(str(path), 10)
    assert q.imported == 3
    got = []
    while len(q):
        got.append(q.peek())
        q.drop_head()
    assert got == ["rec one", "rec two", "rec three"]


def test_compaction_keeps_order(tmp_path, monkeypatch):
    monkeypatch.setattr(qmod, "COMPACT_MIN", 200)
    path = str(tmp_path / "q")
    q = FileQueue(path, 1000)
    expected = []
    n = 0
    for round_ in range(20):
        for _ in range(15):
            q.append(f"record {n:05d}")
            expected.append(f"record {n:05d}")
            n += 1
        for _ in range(10):
            assert q.peek() == expected.pop(0)
            q.drop_head()
    size = os.path.getsize(path)
    assert size < qmod.HEADER_SIZE + 2 * 13 * len(q) + 400  # consumed space was reclaimed
    q.close()
    q = FileQueue(path, 1000)
    got = []
    while len(q):
        got.append(q.peek())
        q.drop_head()
    assert got == expected
    assert not os.path.exists(path + ".tmp")
