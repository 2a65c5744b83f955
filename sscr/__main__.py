"""``python -m sscr``: the ``sscr`` command line."""

import sys

from .cli import main

sys.exit(main())
