"""Registry of tsmlir's Python passes, usable by name from pipelines and tsmlir-opt.

A Python pass never leaks an exception across the binding: a `LoweringError`
(or any exception) raised while handling an op becomes an MLIR error
diagnostic at that op's location and the pass signals failure.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from mlir import ir, rewrite

from ..errors import LoweringError


@dataclass(frozen=True)
class PythonPass:
    name: str
    description: str
    run: Callable[[ir.Operation], bool]  # returns False on failure

    def callable(self):
        def run(op, pass_):
            if not self.run(op):
                pass_.signal_pass_failure()
        run.__name__ = self.name.replace("-", "_")
        return run


PASSES: dict[str, PythonPass] = {}


def register(name: str, description: str):
    """Decorator: register `fn(module_op) -> None` as a pass; raise
    LoweringError(msg) with `op=` to fail at an op's location."""
    def wrap(fn):
        def run(op: ir.Operation) -> bool:
            try:
                with op.context, op.location:
                    fn(op)
                return True
            except FailedAt as e:
                e.location.emit_error(e.message)
            except Exception as e:  # a bug in a pass: still a diagnostic, not a crash
                op.location.emit_error(f"{name}: internal error: {type(e).__name__}: {e}")
            return False
        PASSES[name] = PythonPass(name, description, run)
        return fn
    return wrap


class FailedAt(Exception):
    def __init__(self, location: ir.Location, message: str):
        self.location, self.message = location, message
        super().__init__(message)


def pattern_pass(name: str, description: str,
                 table: dict[str, Callable[[ir.Operation], list[ir.Value] | ir.Value]]):
    """Register a pass that rewrites each op named in `table` with its lowering.

    A lowering gets the op, builds its replacement at the op (insertion point
    and location are set) and returns the replacement value(s).  It raises
    LoweringError to refuse an op; the reason is reported at the op.  It
    returns None to leave the op to a later pass (having built nothing).
    """
    failures: list[tuple[ir.Location, str]] = []

    def make(lower):
        def pattern(op, rewriter):
            op = op.operation
            try:
                with rewriter.ip, op.location:
                    new = lower(op)
            except LoweringError as e:
                failures.append((op.location, f"'{op.name}' op {e.message}"))
                return True  # no match
            if new is None:
                return True  # not this pass's op
            rewriter.replace_op(op, new if isinstance(new, (list, tuple)) else [new])
            return None
        return pattern

    @register(name, description)
    def run(module_op: ir.Operation):
        failures.clear()
        # Pattern sets belong to a context: build one per run (cheap).
        patterns = rewrite.RewritePatternSet()
        for op_name, lower in table.items():
            patterns.add(op_name, make(lower))
        rewrite.apply_patterns_and_fold_greedily(module_op, patterns.freeze())
        if failures:
            for loc, msg in failures[1:]:
                loc.emit_error(msg)
            raise FailedAt(*failures[0])
    run.table = table
    return run
