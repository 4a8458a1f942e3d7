"""Lookup tables generated from facts on the machine by gen_tables.py (run it to refresh them).

Generated modules (do not edit by hand): msgtypes, syscalls, machines, errnos,
capabilities, signals, sockets, flags, fields, audit_h, interp_types, tty.
Hand-written helpers: arches (``-F arch=`` resolution), lookup (case-folding name lookups).
"""
