"""A sidecar SQLite index that answers repeated ausearch questions at once.

Public surface: ``answer_from_index`` (used by the ausearch runner).  The
index never decides what matches: it only narrows which events are read
again from the logs and handed to the normal matcher and writers, and it
is validated against each file (device, inode, size, hashes of its head
and of the end of what was indexed) before every use.  See
``man/ausearch.8`` (INDEX) for the guarantees and where the file lives.
"""
