"""python -m audix.tracer: the autrace command."""
from .cli import run

run()
