"""audix.tracer: ptrace-based process following and the autrace command.

Depends on ``audix.daemon`` and ``audix.analysis``.
"""
