"""The SSCR pricing worksheet functions in xlwings Lite: Excel on the web, on macOS and on Windows,
with Python running inside Excel and nothing to install on the computer.

Paste this file into xlwings Lite's main.py and requirements.txt (beside it) into its
requirements.txt. The functions are the add-in's: the same names, arguments and help, registered by
the same code (``udfs``) with xlwings Lite's ``func`` and ``arg``, and the same figures.
"""

from xlwings import arg, func, ret  # noqa: F401  (Lite's decorators: udfs registers every function with them)

import udfs

#: Every worksheet function, by its Excel name, in this module for xlwings Lite to find.
globals().update(udfs.REGISTRY)
