"""python -m audix.tracer: the autrace command."""
import sys

from .cli import main

sys.exit(main())
