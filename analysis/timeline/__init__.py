"""audix.analysis.timeline: the strace-like timeline of traced processes, from audit records.

Pure code: :mod:`model` (syscall/process/lost items built from events),
:mod:`decode` (arguments and results), :mod:`builder` (lifecycle lines),
:mod:`text`, :mod:`jsonl` and :mod:`summary` (renderers), :mod:`lost`
(serial gaps), :mod:`sets` (``-e trace=``), :mod:`forensic` (a process
tree's events from existing logs).
"""
