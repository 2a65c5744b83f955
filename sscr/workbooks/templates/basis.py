"""The Basis of price sheet of the contract model: the contractor's facts, assumptions and
calculations relevant to each element of each component's price, and what else the contract pricing
statement says of the contract (regulation 23 of the Single Source Contract Regulations 2014, as
substituted by SI 2024/420).

Every cell is an optional text input with a workbook-level defined name, so that a statement built
from the model reads them by name:

- per contract: ``Contract_reference``, ``Guidance_deviations`` (any known deviation from the
  statutory guidance in force at the date of agreement), ``Other_material_information``;
- per component ``i``: ``Basis_AC_i`` (allowable costs), ``Basis_BPR_i`` (step 1), ``Basis_CRA_i``
  (step 2), ``Basis_IA_i`` (step 3) and ``IA_outcome_i`` (the outcome the Secretary of State
  specified for the incentive adjustment to be payable, regulation 11(6)), ``Basis_CSA_i`` (step 4),
  ``Basis_POCO_i`` (the POCO adjustment, allowable costs guidance Part I).

The sheet computes nothing but each row's component name, taken from the Contract sheet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ..layout import Layout, header, label, page_setup, section, title
from ..package import col_letters as get_column_letter

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

BASIS_SHEET = "Basis of price"

#: Per contract: (defined name, label).
CONTRACT_TEXT = (
    ("Contract_reference", "Contract reference (as in DefCARS)"),
    ("Guidance_deviations", "Any known deviation from the statutory guidance in force at the date of agreement"),
    ("Other_material_information", "Any other information material to the pricing of the contract"),
)

#: Per component: (name prefix, heading, width).
COMPONENT_TEXT = (
    ("Basis_AC", "Allowable costs (regulation 10; allowable costs guidance)", 30),
    ("Basis_BPR", "Step 1: baseline profit rate (regulation 11(2))", 22),
    ("Basis_CRA", "Step 2: cost risk adjustment (regulation 11(3))", 26),
    ("Basis_IA", "Step 3: incentive adjustment (regulation 11(6))", 24),
    ("IA_outcome", "Outcome specified by the Secretary of State for the incentive adjustment", 26),
    ("Basis_CSA", "Step 4: capital servicing adjustment (regulation 11(7))", 24),
    ("Basis_POCO", "POCO adjustment (regulation 11(8); allowable costs guidance Part I)", 26),
)

def basis_sheet(layout: Layout, components: int) -> Worksheet:
    """Lay out the sheet for ``components`` component rows."""
    from openpyxl.styles import Alignment

    WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
    ws = layout.wb.create_sheet(BASIS_SHEET)
    title(ws, "Basis of price: facts, assumptions and calculations",
          "Contract pricing statement (regulation 23 of the Single Source Contract Regulations 2014, as substituted "
          "by SI 2024/420): for each element, the contractor's facts, assumptions and calculations. Text inputs; all "
          "optional.")
    section(ws, "A5", "The contract", "Regulation 23: deviations from the statutory guidance and other material "
            "information", cite_ref="D5")
    last_col = get_column_letter(2 + len(COMPONENT_TEXT))
    for k, (name, text) in enumerate(CONTRACT_TEXT):
        r = 6 + k
        label(ws, f"A{r}", text)
        ws[f"A{r}"].alignment = WRAP
        ws.merge_cells(f"A{r}:B{r}")
        layout.input(ws, f"C{r}", name, None, "text", "@", text, optional=True)
        ws[f"C{r}"].alignment = WRAP
        ws.merge_cells(f"C{r}:{last_col}{r}")
        ws.row_dimensions[r].height = 45
    top = 6 + len(CONTRACT_TEXT) + 1
    section(ws, f"A{top}", "Each component's elements", "Regulation 23: the facts, assumptions and calculations "
            "relevant to each element of the price", cite_ref=f"D{top}")
    header(ws, top + 1, 1, ["", "Component", *[h for _p, h, _w in COMPONENT_TEXT]])
    ws.row_dimensions[top + 1].height = 45
    first = top + 2
    for i in range(1, components + 1):
        r = first + i - 1
        label(ws, f"A{r}", str(i))
        layout.output(ws, f"B{r}", f"Basis_component_{i}", f'IF(Name_{i}="","",Name_{i})', "@")
        ws[f"B{r}"].alignment = WRAP
        for j, (prefix, heading, _w) in enumerate(COMPONENT_TEXT):
            ref = f"{get_column_letter(3 + j)}{r}"
            layout.input(ws, ref, f"{prefix}_{i}", None, "text", "@", f"component {i}: {heading}", optional=True)
            ws[ref].alignment = WRAP
    last = first + components - 1
    label(ws, f"A{last + 2}", "The contract pricing statement reads these cells by their names; the figures of each "
                              "element are those of the Contract sheet.", note=True)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 18
    for j, (_p, _h, width) in enumerate(COMPONENT_TEXT):
        ws.column_dimensions[get_column_letter(3 + j)].width = width
    ws.freeze_panes = f"C{first}"
    page_setup(ws, f"A1:{last_col}{last + 2}")
    ws.print_title_rows = f"{top + 1}:{top + 1}"
    return ws


def compute_basis(inputs: Mapping[str, Any], components: int) -> dict[str, Any]:
    """Each row's component name, as the Contract sheet names it."""
    return {f"Basis_component_{i}": inputs.get(f"Name_{i}") for i in range(1, components + 1)}
