"""aureport: reports over audit logs, built on the record/event core.

Modules: ``options`` (command line; ``Wanted`` turns a report's needs into
the options of the record scanner shared with ausearch, ``search.items``),
``lookup`` (uid/syscall names, escaping, TTY keystrokes named from
``tables.tty``), ``kinds`` (record types per report),
``view`` (an event as reports see it), ``format`` (titles, tables, dates),
``summary`` (the default report), ``totals`` (``--summary`` tables),
``detailed`` (numbered rows), ``run`` (input -> events -> report).
Input selection/reading (``logsource``), grouping (``event.LogGrouper``)
and ``-ts``/``-te`` (``timeparse``) are the core's, shared with ausearch.
"""
