"""Template workbooks and their regeneration without Excel (an edge of the sscr core).

- :mod:`.layout` and :mod:`.templates`: the templates, laid out by code (openpyxl);
- :mod:`.fill`: read inputs by defined name -> compute with the core -> write and reconcile, through
  the :class:`~.adapter.Book` interface;
- :mod:`.adapter`: that interface, and its adapter for an xlsx file on disk;
- :mod:`.package`: the xlsx file changed in place, part by part (only changed cells are rewritten);
- :mod:`.regenerate` and :mod:`.cli`: ``sscr regenerate``;
- :mod:`.build`: ``python -m sscr.workbooks.build`` writes workbooks/*.xlsx.
"""
