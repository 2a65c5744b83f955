"""The contract pricing statement (regulation 23 of the Single Source Contract Regulations 2014, as
substituted by SI 2024/420) made from a contract model, with an audit trail for every figure: as
JSON (a documented, versioned schema), HTML, PDF and CSV tables.

    >>> from sscr.statement import read_model, build_statement   # doctest: +SKIP
    >>> statement = build_statement(read_model("workbooks/cost-build-up.xlsx"))   # doctest: +SKIP
"""

from .build import SCHEMA_ID, SCHEMA_VERSION, build_statement, schema
from .read import ModelReading, StatementError, read_model

__all__ = ["SCHEMA_ID", "SCHEMA_VERSION", "ModelReading", "StatementError", "build_statement", "read_model", "schema"]
