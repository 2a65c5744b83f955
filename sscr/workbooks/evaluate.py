"""What a workbook's own formulas compute, from what the workbook holds: a small Excel formula
evaluator for the formula set the templates use.

Regeneration writes each computed cell's cached value (what pandas, openpyxl and a spreadsheet that
does not recalculate on opening show). The figure written must be the one the cell's formula gives
when the spreadsheet recalculates, or the cell is flagged. The sscr core computes every figure by
its own code; this module computes the same cells as the workbook's formulas do, over the cells as
the workbook holds them (a Rates figure typed over, a formula edited by hand, a value typed over a
computed cell all count), so that the fill can compare the two figures cell by cell
(:func:`sscr.workbooks.fill.fill`): where they agree the core's figure is cached; where they
differ the workbook's figure is cached and the cell flagged; where this module cannot evaluate a
formula, the cached value is cleared and the cell flagged, so that no reader sees a figure the
formula would not give.

Why an evaluator of our own rather than a general engine: the templates' formulas use eleven
functions (IF, AND, OR, ISNUMBER, INDEX, MATCH, SUM, MAX, SUMIFS, COUNTIFS, COUNTA) over defined
names, and regeneration of a template takes tens of milliseconds; a general engine (the ``formulas``
package, LibreOffice) takes seconds. Each formula is parsed once per process (by its text) into a
tree; each cell is evaluated once per regeneration. What it does not know (another function, an
array formula, a reference to another workbook, a cycle) it says so (:data:`UNKNOWN`) rather than
guess. Its agreement with LibreOffice and with the ``formulas`` package is tested over structural
mutations of every template (``tests/reliability/test_reliability_one_figure.py``).

The semantics are Excel's:

- an empty cell is 0 in arithmetic and "" in text comparison; a formula whose result is an empty
  cell gives 0;
- text compares without regard to case and without trimming; text sorts after numbers, booleans
  after text; text that reads as a number is a number in arithmetic, other text is ``#VALUE!``;
- MATCH with match type 0 (type 1 on a range sorted ascending, as the guidance versions are) and the criteria of SUMIFS and COUNTIFS take ``*``, ``?`` and ``~``
  as wildcards; a criterion may start with ``=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``; a criterion
  that reads as a number matches numbers (and text reading as that number);
- errors propagate from the leftmost operand; IF evaluates only the branch it takes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator

from .package import Area, PackageError, XlsxPackage, parse_area

MAX_ROWS = 1_048_576
MAX_COLS = 16_384


class Unsupported(Exception):
    """A formula this evaluator does not evaluate (its reason in the message)."""


class _Unknown:
    """The value of a cell whose formula could not be evaluated."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Error:
    """An Excel error value, e.g. ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


NA, VALUE, DIV0, REF, NAME, NUM = (Error(c) for c in ("#N/A", "#VALUE!", "#DIV/0!", "#REF!", "#NAME?", "#NUM!"))
ERRORS = {e.code: e for e in (NA, VALUE, DIV0, REF, NAME, NUM, Error("#NULL!"))}


# --- tokens and parse tree ------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#(?:N/A|VALUE!|DIV/0!|REF!|NAME\?|NUM!|NULL!))
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?\$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?(?![\w(]))
  | (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<func>[A-Za-z_][\w.]*(?=\())
  | (?P<name>(?:(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!)?[A-Za-z_\\][\w.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>%(),])
""", re.X)


def tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"cannot read the formula at {text[pos:pos + 12]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group(0)))
    return out


class _Parser:
    """Excel precedence: comparison < & < + - < * / < ^ < % < unary minus."""

    def __init__(self, toks: list[tuple[str, str]]):
        self.toks = toks
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise Unsupported("the formula ends too soon")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok[1] != text:
            raise Unsupported(f"expected {text!r}, found {tok[1]!r}")

    def parse(self) -> tuple:
        node = self.comparison()
        if self.peek() is not None:
            raise Unsupported(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return node

    def _binary(self, ops: tuple[str, ...], lower: Callable[[], tuple]) -> tuple:
        node = lower()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in ops:
            self.take()
            node = ("bin", tok[1], node, lower())
        return node

    def comparison(self) -> tuple:
        return self._binary(("=", "<>", "<", "<=", ">", ">="), self.concat)

    def concat(self) -> tuple:
        return self._binary(("&",), self.additive)

    def additive(self) -> tuple:
        return self._binary(("+", "-"), self.term)

    def term(self) -> tuple:
        return self._binary(("*", "/"), self.power)

    def power(self) -> tuple:
        return self._binary(("^",), self.percent)

    def percent(self) -> tuple:
        node = self.unary()
        while (tok := self.peek()) is not None and tok == ("op", "%"):
            self.take()
            node = ("bin", "/", node, ("const", 100.0))
        return node

    def unary(self) -> tuple:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-" and tok[1]:
            self.take()
            inner = self.unary()
            return ("neg", inner) if tok[1] == "-" else ("pos", inner)
        return self.primary()

    def primary(self) -> tuple:
        kind, text = self.take()
        if kind == "num":
            return ("const", float(text))
        if kind == "str":
            return ("const", text[1:-1].replace('""', '"'))
        if kind == "err":
            return ("const", ERRORS[text.upper()])
        if kind == "ref":
            return ("ref", text)
        if kind == "name":
            upper = text.upper()
            if upper in ("TRUE", "FALSE"):
                return ("const", upper == "TRUE")
            return ("name", text)
        if kind == "func":
            self.expect("(")
            args: list[tuple] = []
            if self.peek() == ("op", ")"):
                self.take()
                return ("call", text.upper().removeprefix("_XLFN."), tuple(args))
            while True:
                if self.peek() in (("op", ","), ("op", ")")):
                    args.append(("missing",))
                else:
                    args.append(self.comparison())
                tok = self.take()
                if tok == ("op", ")"):
                    break
                if tok != ("op", ","):
                    raise Unsupported(f"expected ',' or ')', found {tok[1]!r}")
            return ("call", text.upper().removeprefix("_XLFN."), tuple(args))
        if (kind, text) == ("op", "("):
            node = self.comparison()
            self.expect(")")
            return node
        raise Unsupported(f"unexpected {text!r}")


@lru_cache(maxsize=20_000)
def parse(formula: str) -> tuple:
    """The parse tree of a formula (text without '='); Unsupported if it cannot be read."""
    text = formula[1:] if formula.startswith("=") else formula
    return _Parser(tokens(text)).parse()


def shift_formula(formula: str, drow: int, dcol: int) -> str:
    """A formula copied ``drow`` rows down and ``dcol`` columns right: its relative A1 references
    moved, absolute parts ($) and names kept."""
    from .package import col_index, col_letters
    out, pos = [], 0
    for m in _TOKEN.finditer(formula):
        if m.start() != pos:
            raise Unsupported("cannot read the shared formula")
        pos = m.end()
        if m.lastgroup != "ref":
            out.append(m.group(0))
            continue
        text = m.group(0)
        sheet, _, cells = text.rpartition("!")

        def move(part: str) -> str:
            mm = re.fullmatch(r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)", part)
            assert mm is not None
            col = mm.group(2).upper() if mm.group(1) else col_letters(col_index(mm.group(2).upper()) + dcol)
            row = mm.group(4) if mm.group(3) else str(int(mm.group(4)) + drow)
            return f"{mm.group(1)}{col}{mm.group(3)}{row}"
        moved = ":".join(move(p) for p in cells.split(":"))
        out.append((sheet + "!" if sheet else "") + moved)
    if pos != len(formula):
        raise Unsupported("cannot read the shared formula")
    return "".join(out)


def names_in(formula: str) -> set[str]:
    """The defined names a formula refers to (upper case); empty when it cannot be read."""
    try:
        tree = parse(formula)
    except Unsupported:
        return set()
    found: set[str] = set()

    def walk(node: tuple) -> None:
        if node[0] == "name":
            found.add(node[1].split("!")[-1].upper())
        for part in node[1:]:
            if isinstance(part, tuple):
                if part and isinstance(part[0], tuple):
                    for p in part:
                        walk(p)
                elif part and isinstance(part[0], str):
                    walk(part)
    walk(tree)
    return found


# --- values ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Range:
    """A reference to more than one cell: its values row by row."""

    sheet: str
    area: Area
    values: tuple[tuple[Any, ...], ...]

    def flat(self) -> Iterator[Any]:
        for row in self.values:
            yield from row


def _number_text(text: str) -> float | None:
    t = text.strip()
    if not t:
        return None
    try:
        value = float(t.replace(",", "")) if re.fullmatch(r"[+-]?(\d{1,3}(,\d{3})+|\d*)(\.\d*)?([eE][+-]?\d+)?%?",
                                                           t.rstrip("%")) else None
    except ValueError:
        return None
    if value is None or t.rstrip("%") in ("", ".", "+", "-"):
        return None
    if t.endswith("%"):
        value /= 100
    return value


def to_number(value: Any) -> float | Error:
    if isinstance(value, Error):
        return value
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        number = _number_text(value)
        return VALUE if number is None else number
    return VALUE


def to_bool(value: Any) -> bool | Error:
    if isinstance(value, Error):
        return value
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        upper = value.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        return VALUE
    return VALUE


def _rank(value: Any) -> int:
    if isinstance(value, bool):
        return 2
    if isinstance(value, str):
        return 1
    return 0


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as Excel orders two values (an empty cell is 0, "" or FALSE, as the other is)."""
    if a is None:
        a = "" if isinstance(b, str) else False if isinstance(b, bool) else 0.0
    if b is None:
        b = "" if isinstance(a, str) else False if isinstance(a, bool) else 0.0
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra == 1:
        a, b = a.lower(), b.lower()
    elif ra == 0:
        a, b = float(a), float(b)
    return (a > b) - (a < b)


def _wildcard(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "~" and i + 1 < len(pattern) and pattern[i + 1] in "*?~":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S | re.I)


def text_matches(pattern: str, text: str) -> bool:
    """Whether ``text`` matches ``pattern`` as MATCH(…, 0) and the criteria functions match it:
    case-insensitive, whole text, no trimming, ``*``, ``?`` and ``~`` as wildcards."""
    if not any(ch in pattern for ch in "*?~"):
        return pattern.lower() == text.lower()
    return _wildcard(pattern).fullmatch(text) is not None


def criterion(value: Any) -> Callable[[Any], bool]:
    """The test a SUMIFS/COUNTIFS criterion makes of each cell."""
    if isinstance(value, Error):
        raise _Raise(value)
    if value is None:
        raise Unsupported("a criterion that is an empty cell")
    if isinstance(value, bool):
        return lambda cell: isinstance(cell, bool) and cell == value
    if isinstance(value, (int, float)):
        number = float(value)
        return lambda cell: _criterion_number(cell) == number
    text = str(value)
    op = "="
    for candidate in ("<>", "<=", ">=", "=", "<", ">"):
        if text.startswith(candidate):
            op, text = candidate, text[len(candidate):]
            break
    number = _number_text(text)
    if number is not None:
        tests = {"=": lambda x: x == number, "<>": lambda x: x != number, "<": lambda x: x < number,
                 "<=": lambda x: x <= number, ">": lambda x: x > number, ">=": lambda x: x >= number}
        test = tests[op]
        if op == "<>":
            return lambda cell: (n := _criterion_number(cell)) is None or test(n)
        return lambda cell: (n := _criterion_number(cell)) is not None and test(n)
    if op in ("=", "<>"):
        if text == "":
            empty = lambda cell: cell is None or cell == ""  # noqa: E731
            return empty if op == "=" else (lambda cell: not empty(cell))
        if text.upper() in ("TRUE", "FALSE"):
            flag = text.upper() == "TRUE"
            same = lambda cell: isinstance(cell, bool) and cell == flag  # noqa: E731
            return same if op == "=" else (lambda cell: not same(cell))
        same = lambda cell: isinstance(cell, str) and text_matches(text, cell)  # noqa: E731
        return same if op == "=" else (lambda cell: not same(cell))
    raise Unsupported(f"a criterion comparing text with {op}")


def _criterion_number(cell: Any) -> float | None:
    if isinstance(cell, bool) or cell is None:
        return None
    if isinstance(cell, (int, float)):
        return float(cell)
    if isinstance(cell, str):
        return _number_text(cell)
    return None


class _Raise(Exception):
    """An Excel error value travelling up through the evaluation."""

    def __init__(self, error: Error):
        super().__init__(error.code)
        self.error = error


# --- the evaluator ----------------------------------------------------------------------------------

class Evaluator:
    """Evaluates the formula cells of one workbook package, each once, on demand.

    :meth:`value` gives a cell's value as the workbook's formulas compute it (an Error for an Excel
    error, :data:`UNKNOWN` where this module cannot say); :meth:`precedents` the cells a formula
    cell read (for saying why a figure differs).
    """

    def __init__(self, package: XlsxPackage):
        self.package = package
        self._values: dict[tuple[str, str], Any] = {}
        self._reasons: dict[tuple[str, str], str] = {}
        self._read: dict[tuple[str, str], set[tuple[str, str]]] = {}
        self._busy: set[tuple[str, str]] = set()
        self._stack: list[set[tuple[str, str]]] = []
        self._names = {k.upper(): v for k, v in package.defined_names.items()}
        self._areas: dict[str, Area | None] = {}
        self._ranges: dict[tuple[str, Area], Range] = {}

    # public
    def value(self, sheet: str, ref: str) -> Any:
        key = (sheet, ref.upper())
        if key not in self._values:
            self._evaluate(key)
        return self._values[key]

    def reason(self, sheet: str, ref: str) -> str | None:
        """Why a cell is UNKNOWN."""
        return self._reasons.get((sheet, ref.upper()))

    def precedents(self, sheet: str, ref: str) -> set[tuple[str, str]]:
        """Every cell the formula in (sheet, ref) read, directly or through other formulas."""
        seen: set[tuple[str, str]] = set()
        todo = [(sheet, ref.upper())]
        while todo:
            key = todo.pop()
            for p in self._read.get(key, ()):
                if isinstance(p[1], Area):
                    for c in self._ranges_keys(p[0], p[1]) - seen:
                        seen.add(c)
                        todo.append(c)
                    continue
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    def evaluate_formula(self, formula: str, sheet: str) -> Any:
        """A formula's result as if it were in a cell of ``sheet``."""
        try:
            return _final(self._eval(parse(formula), sheet))
        except _Raise as exc:
            return exc.error

    # cells
    def _evaluate(self, key: tuple[str, str]) -> None:
        sheet, ref = key
        if self._stack:
            self._stack[-1].add(key)
        if key in self._busy:
            raise Unsupported(f"the formula in {sheet}!{ref} refers to itself (a circular reference)")
        try:
            cell = self.package.read(sheet, ref)
        except PackageError as exc:
            raise Unsupported(str(exc)) from None
        if cell.formula is None:
            value: Any = ERRORS.get(str(cell.value), VALUE) if cell.type == "e" else cell.value
            self._values[key] = value
            return
        formula = self._shared(sheet, ref) if cell.shared_formula else cell.formula
        self._busy.add(key)
        self._stack.append(set())
        try:
            if formula is None:
                raise Unsupported("a shared formula whose first cell the file does not hold")
            if cell.array_formula:
                raise Unsupported("an array formula")
            try:
                result = _final(self._eval(parse(formula), sheet))
            except _Raise as exc:
                result = exc.error
            self._values[key] = result
        except Unsupported as exc:
            self._values[key] = UNKNOWN
            self._reasons[key] = str(exc)
        finally:
            self._read[key] = self._stack.pop()
            self._busy.discard(key)

    def _shared(self, sheet: str, ref: str) -> str | None:
        """The formula a cell holds as part of a shared formula: the first cell's formula, its
        relative references moved by the distance between the cells."""
        from .package import split_ref
        found = self.package.sheet(sheet).shared_formula(ref)
        if found is None:
            return None
        first, formula = found
        r0, c0 = split_ref(first)
        r1, c1 = split_ref(ref)
        return shift_formula(formula, r1 - r0, c1 - c0)

    def _cell(self, sheet: str, row: int, col: int) -> Any:
        from .package import make_ref
        key = (sheet, make_ref(row, col))
        if self._stack:
            self._stack[-1].add(key)
        if key not in self._values:
            self._evaluate(key)
        value = self._values[key]
        if value is UNKNOWN:
            raise Unsupported(f"{sheet}!{key[1]}: {self._reasons.get(key, 'not evaluated')}")
        return value

    def _area_of(self, text: str, sheet: str) -> tuple[str, Area]:
        area = parse_area(text if "!" in text else f"'{sheet}'!{text}")
        if area is None:
            raise Unsupported(f"the reference {text}")
        if area.sheet not in self.package.sheets:
            raise _Raise(REF)
        if area.bottom > MAX_ROWS or area.right > MAX_COLS:
            raise _Raise(REF)
        return area.sheet, area

    def _reference(self, sheet: str, area: Area) -> Any:
        if area.rows == 1 and area.cols == 1:
            return self._cell(sheet, area.top, area.left)
        key = (sheet, area)
        if self._stack:
            self._stack[-1].add(key)  # a range: expanded into its cells only when asked (precedents)
        if key in self._ranges:
            return self._ranges[key]
        if area.rows * area.cols > 100_000:
            raise Unsupported("a range of more than 100,000 cells")
        # Cells not yet evaluated are evaluated from the last row up: a table whose rows read the
        # rows below them (a supply chain's prices, bottom-up) then evaluates one row at a time
        # instead of nesting a call per row. The values, and what is read, are the same in any order.
        from .package import make_ref
        for r in range(area.bottom, area.top - 1, -1):
            for c in range(area.right, area.left - 1, -1):
                key = (sheet, make_ref(r, c))
                if key not in self._values and key not in self._busy:
                    self._evaluate(key)
        values = tuple(tuple(self._cell(sheet, r, c) for c in range(area.left, area.right + 1))
                       for r in range(area.top, area.bottom + 1))
        rng = Range(sheet, area, values)
        self._ranges[key] = rng
        return rng

    def _ranges_keys(self, sheet: str, area: Area) -> set[tuple[str, str]]:
        from .package import make_ref
        return {(sheet, make_ref(r, c)) for r in range(area.top, area.bottom + 1)
                for c in range(area.left, area.right + 1)}

    def _name(self, text: str, sheet: str) -> Any:
        if "!" in text:
            raise Unsupported(f"the sheet-scoped name {text}")
        upper = text.upper()
        if upper not in self._areas:
            definition = self._names.get(upper)
            self._areas[upper] = None if definition is None else parse_area(definition)
            if definition is not None and self._areas[upper] is None:
                raise Unsupported(f"the name {text}, which is not a reference to cells")
        area = self._areas[upper]
        if area is None:
            if upper not in self._names:
                raise _Raise(NAME)
            raise Unsupported(f"the name {text}")
        if area.sheet not in self.package.sheets:
            raise _Raise(REF)
        if area.bottom > MAX_ROWS or area.right > MAX_COLS:
            raise _Raise(REF)
        return self._reference(area.sheet, area)

    # expressions
    def _eval(self, node: tuple, sheet: str) -> Any:
        kind = node[0]
        if kind == "const":
            return node[1]
        if kind == "name":
            return self._name(node[1], sheet)
        if kind == "ref":
            s, area = self._area_of(node[1], sheet)
            return self._reference(s, area)
        if kind == "bin":
            return self._binary(node[1], node[2], node[3], sheet)
        if kind == "neg":
            v = to_number(_scalar(self._eval(node[1], sheet)))
            if isinstance(v, Error):
                raise _Raise(v)
            return -v
        if kind == "pos":
            return self._eval(node[1], sheet)
        if kind == "call":
            function = FUNCTIONS.get(node[1])
            if function is None:
                raise Unsupported(f"the function {node[1]}")
            return function(self, node[2], sheet)
        if kind == "missing":
            return None
        raise Unsupported(f"a {kind} expression")

    def scalar(self, node: tuple, sheet: str) -> Any:
        value = _scalar(self._eval(node, sheet))
        if isinstance(value, Error):
            raise _Raise(value)
        return value

    def _binary(self, op: str, left: tuple, right: tuple, sheet: str) -> Any:
        a = self.scalar(left, sheet)
        b = self.scalar(right, sheet)
        if op in ("=", "<>", "<", "<=", ">", ">="):
            c = compare(a, b)
            return {"=": c == 0, "<>": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        if op == "&":
            return _text(a) + _text(b)
        x, y = to_number(a), to_number(b)
        if isinstance(x, Error):
            raise _Raise(x)
        if isinstance(y, Error):
            raise _Raise(y)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if op == "/":
            if y == 0:
                raise _Raise(DIV0)
            return x / y
        if op == "^":
            try:
                result = x ** y
            except (OverflowError, ZeroDivisionError):
                raise _Raise(NUM) from None
            if isinstance(result, complex):
                raise _Raise(NUM)
            return result
        raise Unsupported(f"the operator {op}")


def _scalar(value: Any) -> Any:
    if isinstance(value, Range):
        raise Unsupported("a range where one value belongs (an implicit intersection)")
    return value


def _final(value: Any) -> Any:
    """A formula's result as its cell holds it: an empty reference gives 0."""
    value = _scalar(value)
    if value is None:
        return 0.0
    if isinstance(value, float) and not math.isfinite(value):
        return NUM
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        text = format(float(value), ".15g")
        if "e" in text:
            raise Unsupported("a number in scientific notation joined to text")
        return text
    return str(value)


# --- functions ------------------------------------------------------------------------------------

def _if(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if not 2 <= len(args) <= 3:
        raise Unsupported("IF with other than 2 or 3 arguments")
    cond = to_bool(ev.scalar(args[0], sheet))
    if isinstance(cond, Error):
        raise _Raise(cond)
    if cond:
        return ev._eval(args[1], sheet) if args[1] != ("missing",) else 0.0
    if len(args) == 2:
        return False
    return ev._eval(args[2], sheet) if args[2] != ("missing",) else 0.0


def _logical(combine: Callable[[list[bool]], bool]) -> Callable[[Evaluator, tuple, str], Any]:
    def function(ev: Evaluator, args: tuple, sheet: str) -> Any:
        found: list[bool] = []
        for arg in args:
            value = ev._eval(arg, sheet)
            if isinstance(value, Range):
                for v in value.flat():
                    if isinstance(v, Error):
                        raise _Raise(v)
                    if isinstance(v, bool):
                        found.append(v)
                    elif isinstance(v, (int, float)):
                        found.append(v != 0)
                continue
            b = to_bool(value)
            if isinstance(b, Error):
                raise _Raise(b)
            found.append(b)
        if not found:
            raise _Raise(VALUE)
        return combine(found)
    return function


def _isnumber(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if len(args) != 1:
        raise Unsupported("ISNUMBER with other than one argument")
    try:
        value = ev._eval(args[0], sheet)
    except _Raise:
        return False
    value = _scalar(value)
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numbers(ev: Evaluator, args: tuple, sheet: str) -> list[float]:
    """The numbers SUM, MAX and MIN take: every number of a range or referenced cell (their text,
    booleans and empty cells are not counted), and every other argument as a number."""
    out = []
    for arg in args:
        if arg == ("missing",):
            continue
        value = ev._eval(arg, sheet)
        if isinstance(value, Range):
            for v in value.flat():
                if isinstance(v, Error):
                    raise _Raise(v)
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    out.append(float(v))
            continue
        if isinstance(value, Error):
            raise _Raise(value)
        if arg[0] in ("ref", "name"):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                out.append(float(value))
            continue
        n = to_number(value)
        if isinstance(n, Error):
            raise _Raise(n)
        out.append(n)
    return out


def _sum(ev: Evaluator, args: tuple, sheet: str) -> Any:
    total = 0.0
    for v in _numbers(ev, args, sheet):
        total += v
    return total


def _max(ev: Evaluator, args: tuple, sheet: str) -> Any:
    values = _numbers(ev, args, sheet)
    return max(values) if values else 0.0


def _min(ev: Evaluator, args: tuple, sheet: str) -> Any:
    values = _numbers(ev, args, sheet)
    return min(values) if values else 0.0


def _range_arg(ev: Evaluator, node: tuple, sheet: str) -> Range:
    value = ev._eval(node, sheet)
    if isinstance(value, Range):
        return value
    if node[0] in ("ref", "name"):  # one cell
        return Range(sheet, Area(sheet, 1, 1, 1, 1), ((value,),))
    raise Unsupported("a value where a range belongs")


def _counta(ev: Evaluator, args: tuple, sheet: str) -> Any:
    count = 0
    for arg in args:
        value = ev._eval(arg, sheet)
        if isinstance(value, Range):
            count += sum(1 for v in value.flat() if v is not None)
        elif not (arg[0] in ("ref", "name") and value is None):
            count += 1
    return float(count)


def _index(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if not 2 <= len(args) <= 3:
        raise Unsupported("INDEX with other than 2 or 3 arguments")
    rng = _range_arg(ev, args[0], sheet)
    row = to_number(ev.scalar(args[1], sheet))
    col = to_number(ev.scalar(args[2], sheet)) if len(args) == 3 and args[2] != ("missing",) else None
    if isinstance(row, Error):
        raise _Raise(row)
    if isinstance(col, Error):
        raise _Raise(col)
    rows, cols = rng.area.rows, rng.area.cols
    r, c = int(row), None if col is None else int(col)
    if c is None:
        if rows == 1 and cols > 1:
            r, c = 1, r
        elif cols == 1:
            c = 1
        else:
            raise Unsupported("INDEX of a two-way range with one index")
    if r == 0 or c == 0:
        raise Unsupported("INDEX of a whole row or column")
    if not (1 <= r <= rows and 1 <= c <= cols):
        raise _Raise(REF)
    value = rng.values[r - 1][c - 1]
    if isinstance(value, Error):
        raise _Raise(value)
    return value


def _match(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if len(args) != 3:
        raise Unsupported("MATCH without the match type 0")
    kind = to_number(ev.scalar(args[2], sheet))
    if kind not in (0, 1):
        raise Unsupported("MATCH with a match type other than 0 or 1")
    lookup = ev.scalar(args[0], sheet)
    rng = _range_arg(ev, args[1], sheet)
    if rng.area.rows > 1 and rng.area.cols > 1:
        raise _Raise(NA)
    if lookup is None:
        raise _Raise(NA)
    if kind == 1:  # the last value not above the one looked up, in a range sorted ascending
        found = None
        for i, v in enumerate(rng.flat(), start=1):
            if v is None or _rank(v) != _rank(lookup) or isinstance(v, Error):
                continue
            if compare(v, lookup) <= 0:
                found = i
            else:
                break
        if found is None:
            raise _Raise(NA)
        return float(found)
    for i, v in enumerate(rng.flat(), start=1):
        if isinstance(lookup, str):
            if isinstance(v, str) and text_matches(lookup, v):
                return float(i)
        elif isinstance(lookup, bool):
            if isinstance(v, bool) and v == lookup:
                return float(i)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and float(v) == float(lookup):
            return float(i)
    raise _Raise(NA)


def _ifs(ev: Evaluator, args: tuple, sheet: str, sum_range: Range | None) -> list[int]:
    if len(args) % 2:
        raise Unsupported("a criteria function with a range and no criterion")
    shape = None if sum_range is None else (sum_range.area.rows, sum_range.area.cols)
    selected: list[bool] | None = None
    for k in range(0, len(args), 2):
        rng = _range_arg(ev, args[k], sheet)
        if shape is None:
            shape = (rng.area.rows, rng.area.cols)
        elif (rng.area.rows, rng.area.cols) != shape:
            raise _Raise(VALUE)
        test = criterion(ev.scalar(args[k + 1], sheet))
        hits = [test(v) for v in rng.flat()]
        selected = hits if selected is None else [a and b for a, b in zip(selected, hits)]
    return [i for i, hit in enumerate(selected or []) if hit]


def _sumifs(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if len(args) < 3:
        raise Unsupported("SUMIFS with fewer than 3 arguments")
    sum_range = _range_arg(ev, args[0], sheet)
    values = list(sum_range.flat())
    total = 0.0
    for i in _ifs(ev, args[1:], sheet, sum_range):
        v = values[i]
        if isinstance(v, Error):
            raise _Raise(v)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            total += float(v)
    return total


def _countifs(ev: Evaluator, args: tuple, sheet: str) -> Any:
    if len(args) < 2:
        raise Unsupported("COUNTIFS with fewer than 2 arguments")
    return float(len(_ifs(ev, args, sheet, None)))


FUNCTIONS: dict[str, Callable[[Evaluator, tuple, str], Any]] = {
    "IF": _if, "AND": _logical(all), "OR": _logical(any), "ISNUMBER": _isnumber, "SUM": _sum, "MAX": _max,
    "MIN": _min, "COUNTA": _counta, "INDEX": _index, "MATCH": _match, "SUMIFS": _sumifs, "COUNTIFS": _countifs,
}
