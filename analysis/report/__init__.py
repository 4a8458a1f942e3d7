"""aureport: reports over audit logs, built on the record/event core.

Modules: ``options`` (command line), ``extract`` (the reference's per-record
item scanning), ``lookup`` (uid/syscall names, escaping, TTY keystrokes;
``ttykeys`` is its key-name table), ``kinds`` (record types per report),
``view`` (an event as reports see it), ``format`` (titles, tables, dates),
``summary`` (the default report), ``totals`` (``--summary`` tables),
``detailed`` (numbered rows), ``run`` (input -> events -> report).
Input selection/reading (``logsource``), grouping (``event.LogGrouper``)
and ``-ts``/``-te`` (``timeparse``) are the core's, shared with ausearch.
"""
