"""Loaded by Schemathesis (`hooks` in the run's configuration, tools/contract/fuzz.py).

CPython 3.11 before 3.11.8 can raise `SystemError: AST constructor recursion depth mismatch`
from `ast.parse` when it is called deep in a stack (CPython issue gh-106905, fixed in 3.11.8
and 3.12.2). Hypothesis calls `ast.parse` only to *describe* a lambda used in a strategy
filter, for its reprs; it already falls back to "<unknown>" when parsing fails with a
SyntaxError. This makes the same fallback cover the interpreter's SystemError, so a Python
bug in a description can never end a contract run as an "error". No check, strategy or
request changes.
"""

from hypothesis.internal import lambda_sources

_describe = lambda_sources._lambda_description


def _lambda_description(f, *args, **kwargs):
    try:
        return _describe(f, *args, **kwargs)
    except SystemError:
        return "lambda: <unknown>"


lambda_sources._lambda_description = _lambda_description
