"""The house styles of the template workbooks, as openpyxl objects: fonts, fills, borders and the
named cell styles. Only laying a template out into a workbook needs them; :mod:`.layout` re-exports
them by name, importing openpyxl only when one is asked for, so that reading a template's spec (what
the fill and the add-in's Refresh need) does not load openpyxl."""

from __future__ import annotations

from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side

from .layout import COMPUTED_RGB

#: One alignment object for every left-aligned cell (each new one costs more than the cell).
LEFT = Alignment(horizontal="left")
#: A long text that wraps within its cell, from the top (the Rates sheet's notes and sources).
WRAP_TOP = Alignment(vertical="top", wrap_text=True)

THIN = Side(style="thin", color="FF8EA9C1")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFFFF2CC")
COMPUTED_FILL = PatternFill("solid", fgColor=COMPUTED_RGB)
HEADER_FILL = PatternFill("solid", fgColor="FF1F3864")

TITLE_FONT = Font(name="Calibri", size=14, bold=True, color="FF1F3864")
SECTION_FONT = Font(name="Calibri", size=11, bold=True, color="FF1F3864")
CITE_FONT = Font(name="Calibri", size=9, italic=True, color="FF595959")
HEADER_FONT = Font(name="Calibri", size=10, bold=True, color="FFFFFFFF")
NOTE_FONT = Font(name="Calibri", size=9, color="FF595959")
WARN_FONT = Font(name="Calibri", size=9, bold=True, color="FFC00000")

def named_styles() -> list[NamedStyle]:
    input_style = NamedStyle("SSCR input", font=Font(name="Calibri", size=11, color="FF0000CC"),
                             fill=INPUT_FILL, border=BOX, protection=Protection(locked=False),
                             alignment=Alignment(horizontal="right"))
    computed = NamedStyle("SSCR computed", font=Font(name="Calibri", size=11, color="FF1F3864"),
                          fill=COMPUTED_FILL, border=BOX, alignment=Alignment(horizontal="right"))
    headline = NamedStyle("SSCR headline", font=Font(name="Calibri", size=11, bold=True, color="FF1F3864"),
                          fill=COMPUTED_FILL, border=Border(left=THIN, right=THIN, top=THIN,
                                                            bottom=Side(style="double", color="FF1F3864")),
                          alignment=Alignment(horizontal="right"))
    return [input_style, computed, headline]


def core_value_style() -> NamedStyle:
    """Green and italic: a figure the sscr core writes at regeneration, not a formula nor an input."""
    return NamedStyle("SSCR core value", font=Font(name="Calibri", size=11, italic=True, color="FF375623"),
                      fill=PatternFill("solid", fgColor="FFE2EFDA"), border=BOX, alignment=Alignment(horizontal="right"))
