"""Command-line entry points of audix.daemon."""
