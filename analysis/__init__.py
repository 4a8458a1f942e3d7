"""audix.analysis: the pure core of audix.

Records, events, interpretation, search, reports and timeline rendering.
Nothing here needs root, the kernel or the network; ``audix.daemon`` and
``audix.tracer`` build on it, never the other way round.
"""
