"""The Refresh button of the sscr-pricing Excel add-in.

The ribbon button of ``sscr_pricing.xlam`` runs ``import sscr_pricing; sscr_pricing.main()`` (the module
named after the add-in file), with the add-in's folder on the Python path: keep this file beside
``sscr_pricing.xlam``. The work is done by the installed sscr-pricing package; this file only hands
it the workbook Excel is showing.
"""

import xlwings as xw

NOT_INSTALLED = ("Refresh needs the sscr-pricing package in the Python that xlwings runs ({error}). "
                 "Install it with: pip install sscr-pricing")


def main() -> None:
    """Refresh the active workbook: fill its computed figures, update its Rates sheet, flag disagreements."""
    try:
        from sscr.workbooks.xlwings_adapter import refresh_caller
    except ImportError as exc:
        xw.Book.caller().app.alert(NOT_INSTALLED.format(error=exc), title="SSCR pricing")
        return
    refresh_caller()

