"""tsm-verify: every tsm op's result types must follow its declared type rule.

IRDL checks the structure of tsm ops (operand/result kinds, required
attributes); this pass checks their typing (shapes, dtypes, attribute values).
"""
from mlir import ir

from ..dialects import verify_op
from .passes import FailedAt, register


@register("tsm-verify", "Check every tsm op against its declared type rule")
def verify(module_op: ir.Operation) -> None:
    errors = []

    def visit(op):
        if op.name.startswith("tsm."):
            msg = verify_op(op.operation)
            if msg:
                errors.append((op.location, msg))
        return ir.WalkResult.ADVANCE

    module_op.walk(visit)
    for loc, msg in errors[1:]:
        loc.emit_error(msg)
    if errors:
        raise FailedAt(*errors[0])
