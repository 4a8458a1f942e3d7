"""libauparse's event normalizer (subject / action / object / how / result),
used by ``ausearch --format csv|text``.

    view = EventView(event_lines, Interpreter(), with_attrs=False)
    view.rc, view.n            # status, Normalized pieces (field locations / words)
"""
