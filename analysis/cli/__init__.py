"""Thin command-line entry points of the analysis tools (ausearch, aureport)."""
