"""``sscr price PORTFOLIO --out FILE``: price a table of components read from a CSV, XLSX or Parquet
file and write every row's figures (and the reason for any row that could not be priced) to a CSV,
XLSX or Parquet file, chosen by the extension of ``--out``.

An edge: it reads and writes files (openpyxl for workbooks, pyarrow through pandas for Parquet) and
hands a DataFrame to :func:`sscr.portfolio.price_portfolio`, which does the pricing.

Exit status: 0 when every row is priced, 1 when some rows are not (the output is still written, the
reasons are in its ``error`` column and summarised on stderr), 2 for a command that cannot run as
given (an unknown file type, an output file that would overwrite something), 3 when the portfolio
cannot be read as a whole.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from .checks import fmt
from .cli import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from .errors import PricingInputError, RatesFileError
from .rates import RATES_FILE_ENV, default_table
from .workbooks.safety import FORMULA_TRIGGERS, WRITING, not_regular, read_regular

FORMATS = {".csv": "CSV", ".xlsx": "XLSX", ".parquet": "Parquet", ".pq": "Parquet"}
#: Rows one run prices. A million rows take about 0.3 GB to price; this bound keeps a run within a
#: few gigabytes, whatever a small file declares.
MAX_ROWS = 5_000_000
#: A CSV or Parquet portfolio larger than these is refused before it is read.
MAX_CSV_BYTES = 2 * 1024 * 1024 * 1024
MAX_PARQUET_BYTES = 1024 * 1024 * 1024
#: Rows read from a Parquet file at a time, counted against MAX_ROWS as they come.
PARQUET_BATCH_ROWS = 65_536
#: How many failed rows the summary on stderr lists before it refers to the error column.
SHOWN = 20


def _path(path: object) -> str:
    """A file's path as a message shows it: whole (a shortened path could hide the file's name)."""
    return repr(str(path))

def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "price", help="price a portfolio of components (CSV, XLSX or Parquet)",
        description="Price every component of a portfolio by the four steps of regulation 11 and the pricing "
                    "formula. Columns, matched by name in any case and order: allowable_costs, cra, ia; bpr or "
                    "date_of_agreement; csa, or fixed_capital, working_capital or capital_employed and "
                    "cost_of_production (with the capital servicing rates given or looked up by date); "
                    "optional rate_type (standard or GOCR), cost_of_capital_agreed and contract_kind (QDC, the "
                    "default, or QSC: with the date it sets the maximum incentive adjustment). Other columns are "
                    "carried through. Rows that cannot be priced keep their reason in an error column.")
    parser.add_argument("portfolio", metavar="PORTFOLIO", help="the components: a .csv, .xlsx or .parquet file")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="where to write the priced rows: .csv, .xlsx or .parquet")
    parser.add_argument("--sheet", metavar="NAME", help="the worksheet to read from an .xlsx (default: the first)")
    parser.add_argument("--rates-file", metavar="CSV", dest="rates_file",
                        help="your own rates file, laid over the published rates (as SSCR_RATES_FILE)")
    parser.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .portfolio import OUTPUTS, failures, price_portfolio, without_previous_pricing

    source, out = Path(args.portfolio), Path(args.out)
    for path, what in ((source, "PORTFOLIO"), (out, "--out")):
        if path.suffix.lower() not in FORMATS:
            return _usage(f"{what} {_path(path)} is not a .csv, .xlsx or .parquet file")
    why = not_regular(source)
    if why is not None:
        return _usage(f"PORTFOLIO {_path(source)} {why}" + ("" if why == "does not exist" else
                                                                ": only files saved on disk are read"))
    if _same(out, source):
        return _usage(f"--out {_path(out)} is the portfolio itself: write the priced rows to another file")
    rates_file = args.rates_file if args.rates_file is not None else (os.environ.get(RATES_FILE_ENV) or None)
    if rates_file is not None:
        if _same(out, rates_file):
            return _usage(f"--out {_path(out)} is the rates file: the priced rows would replace it; write them "
                          f"to another file")
        try:  # a bad rates file is said once, before the portfolio is read
            default_table(rates_file)
        except RatesFileError as exc:
            where = "--rates-file" if args.rates_file is not None else RATES_FILE_ENV
            return _usage(f"{where}: {exc}; nothing was priced")
    if out.is_dir():
        return _usage(f"--out {_path(out)} is a folder: name the file to write")
    if out.exists() and not args.overwrite:
        return _usage(f"--out {_path(out)} exists: choose another file, or add --overwrite to replace it")
    if not out.parent.is_dir():
        return _usage(f"--out {_path(out)}: the folder {_path(out.parent)} does not exist")
    if not os.access(out.parent, os.W_OK | os.X_OK) or (out.exists() and not os.access(out, os.W_OK)):
        return _usage(f"--out {_path(out)} cannot be written: permission denied in {_path(out.parent)}")
    if args.sheet is not None and source.suffix.lower() != ".xlsx":
        return _usage("--sheet is for an .xlsx portfolio")

    raw, parsed, first_row = read_portfolio(source, sheet=args.sheet)
    priced = price_portfolio(parsed, rates_file=args.rates_file, first_row=first_row)
    # A CSV written back keeps each cell's text as it was; a workbook or Parquet file gets the numbers
    # and dates read from it (a pass-through column stays as written).
    import pandas as pd

    mine = without_previous_pricing(raw if out.suffix.lower() == ".csv" else parsed)
    result = pd.concat([mine, priced[list(OUTPUTS)]], axis=1)  # the user's cells, then the figures
    try:
        write_table(result, out)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise PricingInputError(f"--out {_path(out)} could not be written ({reason}): nothing was written; "
                                f"free some space or choose another folder and run again") from None

    bad = failures(priced)
    blank = int((priced["file_row"].notna() & priced["rate_type_used"].isna() & priced["error"].isna()).sum())
    done = len(priced) - len(bad) - blank
    print(f"sscr price: priced {done:,} of {done + len(bad):,} rows; wrote {out}", file=sys.stderr)
    if not bad:
        return EXIT_OK
    print(f"sscr price: {len(bad):,} rows could not be priced (reasons in the error column):", file=sys.stderr)
    for row, reason in bad[:SHOWN]:
        print(f"  row {row}: {reason}", file=sys.stderr)
    if len(bad) > SHOWN:
        print(f"  ... and {len(bad) - SHOWN:,} more", file=sys.stderr)
    return EXIT_PARTIAL


def _same(a: Any, b: Any) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b) or (
            os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b))
    except OSError:
        return False


def _usage(message: str) -> int:
    print(f"sscr price: {message}", file=sys.stderr)
    return EXIT_USAGE


# --- reading -----------------------------------------------------------------------------------------

def read_portfolio(path: Path, *, sheet: str | None = None) -> tuple[Any, Any, int]:
    """(the table as written, the table to price, the file row of the first data row)."""
    kind = FORMATS[path.suffix.lower()]
    if kind == "CSV":
        raw = _read_csv(path)
        return raw, _typed_text(raw), 2
    if kind == "XLSX":
        raw, first_row = _read_xlsx(path, sheet)
        return raw, raw, first_row
    raw = _read_parquet(path)
    return raw, _typed_text(raw), 2


def _read_csv(path: Path) -> Any:
    """Every cell as text, exactly as written; a blank line is a row of empty cells."""
    import pandas as pd

    shown = f"portfolio {_path(path)}"
    raw = read_regular(path, MAX_CSV_BYTES, shown, PricingInputError)
    if len(raw) > MAX_CSV_BYTES:
        raise PricingInputError(f"{shown} is larger than {MAX_CSV_BYTES // (1024 * 1024):,} MB: split it into "
                                f"portfolios of at most {MAX_ROWS:,} rows")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PricingInputError(f"{shown} is UTF-16 text (Excel's \"Unicode Text\"), not a CSV this reads: save it "
                                f"from Excel as \"CSV UTF-8\" or \"CSV (Comma delimited)\"")
    if b"\x00" in raw[:1 << 16]:
        raise PricingInputError(f"{shown} holds NUL bytes, so it is not a CSV text file (a spreadsheet or a "
                                f"binary file renamed .csv?): save it from Excel as \"CSV UTF-8\"")
    text = None
    for encoding in ("utf-8-sig", "cp1252"):  # Excel saves "CSV UTF-8" or the Windows code page
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise PricingInputError(f"{shown} is neither UTF-8 nor Windows-1252 text: save it from Excel as "
                                f"\"CSV UTF-8\"")
    if "\r" in text and "\n" not in text:  # saved with CR line endings (classic Mac OS): read as lines
        text = text.replace("\r", "\n")
    rows = text.count("\n")
    if rows > MAX_ROWS + 1:
        raise PricingInputError(f"{shown} has {rows:,} lines, more than the {MAX_ROWS:,} rows one run prices: "
                                f"split it into smaller portfolios")
    header = next(csv.reader(io.StringIO(text[:1 << 16])), [])
    if not header:
        raise PricingInputError(f"portfolio {_path(path)} is empty: it needs a header row and rows of "
                                f"components")
    named = [h.strip() for h in header if h.strip()]
    if len(set(named)) != len(named):
        twice = next(h for h in named if named.count(h) > 1)
        raise PricingInputError(f"portfolio {_path(path)} names column {fmt(twice)} twice in its header")
    frame = _read_csv_fast(text, header) if len(named) == len(header) else None
    if frame is None:
        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[],
                                skip_blank_lines=False)
        except pd.errors.EmptyDataError:
            raise PricingInputError(f"portfolio {_path(path)} is empty: it needs a header row and rows of "
                                    f"components") from None
        except pd.errors.ParserError as exc:
            raise PricingInputError(f"portfolio {_path(path)} is not a CSV file that can be read: {exc}") from None
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed: ")]
    for c in unnamed:
        if (frame[c].fillna("").str.strip() != "").any():
            raise PricingInputError(f"portfolio {_path(path)} has values in a column with no header "
                                    f"(column {list(frame.columns).index(c) + 1}): give it a header")
    frame = frame.drop(columns=unnamed)
    # A blank line reads as one empty cell, and is a row of the file all the same.
    return frame.fillna("")


def _read_csv_fast(text: str, header: list[str]) -> Any:
    """pyarrow's reader, all columns as text; None when pyarrow is absent or reads the file otherwise
    than pandas would (a row with more or fewer cells than the header), so pandas reads it."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False))
    except pa.ArrowException:
        return None
    if table.column_names != header:
        return None
    return table.to_pandas()


_CSV_NUMBER = re.compile(r"^\(?(?P<sign>[-+])?[£$€]?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d*\.?\d+(?:[eE][-+]?\d+)?)"
                         r"(?P<pct>%)?\)?$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def csv_number(text: str) -> Any:
    """A CSV cell as a number where it is one as a spreadsheet shows it: "1,250,000", "£3,000",
    "8.24%" (0.0824), "(500)" (-500); empty is None; anything else stays text, for the pricing to
    report. The cell's text in the output is left as written."""
    cell = text.strip()
    if not cell:
        return None
    try:
        value = float(cell)
        return value if value == value else text  # "nan" is text, for the pricing to report
    except ValueError:
        pass
    m = _CSV_NUMBER.match(cell.replace(" ", ""))
    if not m or (cell.startswith("(") != cell.endswith(")")):
        return text
    value = float(m.group("digits").replace(",", ""))
    if m.group("sign") == "-" or cell.startswith("("):
        value = -value
    if m.group("pct"):
        value /= 100
    return value


def csv_date(text: str) -> Any:
    """A date of agreement cell from a CSV: 31/03/2025 is a UK date, 2025-03-31 an ISO one; a number is
    a year or an Excel serial; anything else (such as "2024/25") stays text, for the pricing to read."""
    cell = text.strip()
    m = _UK_DATE.match(cell)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return text
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cell):
        try:
            return dt.date.fromisoformat(cell)
        except ValueError:
            return text
    try:
        return float(cell)
    except ValueError:
        return text if cell else None


def _typed_text(raw: Any) -> Any:
    """Input columns held as text (every column of a CSV; a text column of a Parquet file) as numbers
    and dates, read as a spreadsheet shows them; each distinct text is converted once."""
    import numpy as np
    import pandas as pd

    from .portfolio import NUMBERS, match_columns, without_previous_pricing

    raw = without_previous_pricing(raw)
    columns = match_columns(raw.columns)
    typed = raw.copy()
    for name, label in columns.items():
        if name not in NUMBERS and name != "date_of_agreement":
            continue
        if pd.api.types.is_numeric_dtype(raw[label].dtype) or pd.api.types.is_datetime64_any_dtype(raw[label].dtype):
            continue
        dtype = raw[label].dtype
        if dtype == object:
            if not all(isinstance(v, str) for v in raw[label].dropna().to_numpy(dtype=object)):
                continue  # typed cells (a Parquet object column of numbers) are read as they are
        elif not pd.api.types.is_string_dtype(dtype):
            continue
        text = raw[label].fillna("").astype(str)
        if name in NUMBERS:
            numbers = _plain_numbers(text)
            if numbers is not None:
                typed[label] = numbers  # the common case, parsed in one pass: plain numbers and empty cells
                continue
            numbers = pd.to_numeric(text, errors="coerce")
            if not numbers.isna().any() or (text.str.strip() == "")[numbers.isna()].all():
                typed[label] = numbers.astype(float)  # the common case: plain numbers and empty cells
                continue
            convert = csv_number
        else:
            convert = csv_date
        codes, uniques = pd.factorize(text)
        values = np.array([convert(u) for u in uniques] + [None], dtype=object)
        typed[label] = pd.Series(values[codes], index=raw.index, dtype=object)
    return typed


def _plain_numbers(text: Any) -> Any:
    """A text column of plain numbers and empty cells as floats, parsed by pyarrow in one pass; None
    when any cell is something else (the cell-by-cell reading then says what)."""
    import numpy as np
    import pandas as pd

    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:
        return None
    cells = pa.array(text.to_numpy(dtype=object), type=pa.string())
    blank = pc.equal(pc.utf8_trim_whitespace(cells), "")
    try:
        values = pc.cast(pc.if_else(blank, pa.scalar(None, pa.string()), cells), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    numbers = values.to_numpy(zero_copy_only=False)
    if np.isnan(numbers[~blank.to_numpy(zero_copy_only=False)]).any():
        return None  # "nan" written in a cell is text, not an empty cell
    return pd.Series(numbers, index=text.index, dtype=float)


def _read_xlsx(path: Path, sheet: str | None) -> tuple[Any, int]:
    import pandas as pd
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from .workbooks.safety import read_workbook_file, scan_package

    # a damaged, encrypted or hostile workbook (zip bomb, DOCTYPE) is refused with its reason first
    data = read_workbook_file(path, PricingInputError)
    scan_package(data, f"portfolio {path.name}", PricingInputError)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise PricingInputError(f"portfolio {_path(path)} cannot be opened as an .xlsx workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise PricingInputError(f"portfolio {_path(path)} has no sheet {fmt(sheet)}: its sheets are "
                                    f"{', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header: list[Any] | None = None
        header_row = 0
        for header_row, cells in enumerate(rows, start=1):
            if any(v is not None and str(v).strip() for v in cells):
                header = list(cells)
                break
        if header is None:
            raise PricingInputError(f"portfolio {_path(path)} sheet {fmt(ws.title)} is empty: it needs a header "
                                    f"row and rows of components")
        body = [list(r) for r in rows]
    finally:
        book.close()
    width = len(header)
    while width and (header[width - 1] is None or not str(header[width - 1]).strip()):
        width -= 1
    while body and all(v is None or (isinstance(v, str) and not v.strip()) for v in body[-1]):
        body.pop()  # formatted but empty rows below the data
    for number, cells in enumerate(body, start=header_row + 1):
        extra = [v for v in cells[width:] if v is not None and str(v).strip()]
        if extra:
            raise PricingInputError(f"portfolio {_path(path)} row {number} has values beyond the header's "
                                    f"columns: give every column a header")
    for j in range(width):
        if header[j] is None or not str(header[j]).strip():
            raise PricingInputError(f"portfolio {_path(path)} column {j + 1} has no header: give it one")
    labels = [str(h).strip() for h in header[:width]]
    data = {label: [(cells[j] if j < len(cells) else None) for cells in body] for j, label in enumerate(labels)}
    if len(set(labels)) != len(labels):
        raise PricingInputError(f"portfolio {_path(path)} names a column twice in its header")
    frame = pd.DataFrame({label: pd.Series(values, dtype=object) for label, values in data.items()})
    return frame, header_row + 1


def _read_parquet(path: Path) -> Any:
    """A Parquet portfolio, read in batches and counted as it is read: one whose rows (declared in its
    footer, or found while reading, since a footer can lie) pass :data:`MAX_ROWS` is refused before
    it can fill the memory (a few hundred kilobytes of Parquet can hold tens of millions of rows)."""
    shown = f"portfolio {_path(path)}"
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise PricingInputError(f"reading Parquet needs the pyarrow package ({exc}): pip install pyarrow") from None
    data = read_regular(path, MAX_PARQUET_BYTES, shown, PricingInputError)
    if len(data) > MAX_PARQUET_BYTES:
        raise PricingInputError(f"{shown} is larger than {MAX_PARQUET_BYTES // (1024 * 1024):,} MB: split it into "
                                f"portfolios of at most {MAX_ROWS:,} rows")
    too_many = (f"{shown} holds {{rows:,}} rows, more than the {MAX_ROWS:,} one run prices: split it into "
                f"smaller portfolios")
    try:
        parquet = pq.ParquetFile(pa.BufferReader(data))
        declared = parquet.metadata.num_rows
        if declared > MAX_ROWS:
            raise PricingInputError(too_many.format(rows=declared))
        batches, count = [], 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            count += batch.num_rows
            if count > MAX_ROWS:
                raise PricingInputError(too_many.format(rows=count) + " (more than its footer declares)")
            batches.append(batch)
        table = pa.Table.from_batches(batches, schema=parquet.schema_arrow)
        return table.to_pandas()
    except PricingInputError:
        raise
    except MemoryError:
        raise PricingInputError(f"{shown} does not fit in memory: split it into smaller portfolios") from None
    except Exception as exc:  # pyarrow raises its own error types for a damaged file
        raise PricingInputError(f"{shown} cannot be read as Parquet: {exc}") from None


# --- writing -----------------------------------------------------------------------------------------

def write_table(frame: Any, path: Path) -> None:
    """Write next to the destination, then move into place: a failed write leaves no half a file."""
    kind = FORMATS[path.suffix.lower()]
    fd, temp = tempfile.mkstemp(prefix=".sscr-", suffix=path.suffix, dir=path.parent)
    WRITING.add(temp)  # removed if the run is stopped (SIGTERM, Ctrl-C) while it is written
    os.close(fd)
    try:
        if kind == "CSV":
            _write_csv(frame, temp)
        elif kind == "XLSX":
            _write_xlsx(frame, Path(temp))
        else:
            _parquet_ready(frame).to_parquet(temp, index=False)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    finally:
        WRITING.discard(temp)


#: Text a spreadsheet reads as a plain number, written as it is even when it starts with + or -.
_PLAIN_NUMBER = r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?$"
_PLAIN_NUMBER_RE = re.compile(_PLAIN_NUMBER)
_TRIGGER = "^[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"


def inert_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet opens as the same text, never a formula (OWASP, CSV injection): text
    starting with = + - @, a tab or a carriage return gets a leading apostrophe, unless it is a plain
    number such as -500 or +8.24%."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER_RE.match(value):
        return "'" + value
    return value


def _inert_frame(frame: Any) -> Any:
    """``frame`` with every text cell, and every header, made inert as :func:`inert_cell` says."""
    import pandas as pd

    columns = {}
    for label in frame.columns:
        series = frame[label]
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            text = series.astype(object)
            try:
                starts = text.str.startswith(FORMULA_TRIGGERS, na=False).astype(bool)
            except AttributeError:  # no text in the column at all
                starts = None
            if starts is not None and starts.any():
                series = text.copy()
                series[starts] = [inert_cell(v) for v in text[starts]]
        columns[inert_cell(str(label))] = series
    return pd.DataFrame(columns, index=frame.index)


def _write_csv(frame: Any, path: str) -> None:
    """pyarrow's writer (ten times pandas' on a million rows); pandas' for what pyarrow cannot hold.
    Every text cell that a spreadsheet would take for a formula is written with a leading apostrophe."""
    frame = _inert_frame(frame)
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:
        frame.to_csv(path, index=False)
        return
    try:
        table = pa.Table.from_pandas(_parquet_ready(frame), preserve_index=False)
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
    except pa.ArrowException:
        frame.to_csv(path, index=False)


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy scalars
        if isinstance(value, float) and value != value:
            return None
    return value


def _write_xlsx(frame: Any, path: Path) -> None:
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .portfolio import OUTPUTS

    book = Workbook(write_only=True)
    ws = book.create_sheet("priced")
    ws.freeze_panes = "A2"
    from openpyxl.utils import get_column_letter

    for j, label in enumerate(frame.columns, start=1):  # wide enough for the header, dates and figures
        ws.column_dimensions[get_column_letter(j)].width = 90 if label == "error" else max(12, min(40, len(str(label)) + 2))
    bold = Font(bold=True)
    header = []
    for label in frame.columns:
        cell = _text_cell(ws, str(label))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    rate_columns = {c for c in OUTPUTS if c.startswith(("step_", "after_step", "contract_profit_rate"))
                    or c in ("csa_fixed_rate", "csa_positive_working_rate", "csa_negative_working_rate")}
    formats = {j: "0.00%" for j, c in enumerate(frame.columns) if c in rate_columns}
    formats.update({j: "#,##0.00" for j, c in enumerate(frame.columns) if c in ("profit", "price")})
    columns = []
    for label in frame.columns:
        series = frame[label]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            series = series.astype(object).where(series.notna(), None)
        columns.append(series.to_numpy(dtype=object))
    for i in range(len(frame)):
        row = []
        for j, values in enumerate(columns):
            value = _cell(values[i])
            if j in formats and value is not None:
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = formats[j]
                row.append(cell)
            elif isinstance(value, str) and value.startswith("="):
                row.append(_text_cell(ws, value))  # text, as it was in the portfolio: never a formula
            else:
                row.append(value)
        ws.append(row)
    book.save(path)


def _text_cell(ws: Any, text: str) -> Any:
    """A cell holding ``text`` as text: openpyxl would make text starting with '=' a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def _parquet_ready(frame: Any) -> Any:
    """Parquet wants one type a column: a column mixing numbers and text is written as text."""
    import pandas as pd

    changed = {}
    for label in frame.columns:
        series = frame[label]
        if series.dtype != object:
            continue
        kinds = {type(v) for v in series.dropna().to_numpy()}
        if len(kinds) > 1 and not kinds <= {int, float}:
            changed[label] = series.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))
        elif kinds <= {int, float} and kinds:
            changed[label] = pd.to_numeric(series)
    if not changed:
        return frame
    return pd.DataFrame({label: changed.get(label, frame[label]) for label in frame.columns}, index=frame.index)
