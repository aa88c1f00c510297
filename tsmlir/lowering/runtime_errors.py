"""tsm-asserts-to-errors: run-time checks report to Python instead of aborting.

In: functions whose control flow is already in `cf` (after convert-scf-to-cf),
containing `cf.assert %cond, "message"`.
Out: each assert becomes `cf.cond_br %cond, ^continue, ^fail`; the fail block
calls `@tsmlir_runtime_error(i64 id)` and returns poison results.  The
messages, indexed by id, are stored on the module as the array attribute
`tsmlir.runtime_errors`; the runtime registers the callback, raises a Python
exception with the message after the call and ignores the poisoned results.
Intermediate buffers of a failing call are leaked (an error path only).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, cf, func, ub

from .passes import register

CALLBACK = "tsmlir_runtime_error"
MESSAGES_ATTR = "tsmlir.runtime_errors"


@register("tsm-asserts-to-errors",
          "Turn cf.assert into a call to the tsmlir runtime error callback and an early return")
def asserts_to_errors(module_op: ir.Operation) -> None:
    messages = [ir.StringAttr(a).value for a in module_op.attributes[MESSAGES_ATTR]] \
        if MESSAGES_ATTR in module_op.attributes else []
    asserts = []

    def visit(op):
        if op.name == "cf.assert":
            asserts.append(op.operation)
        return ir.WalkResult.ADVANCE

    module_op.walk(visit, ir.WalkOrder.POST_ORDER)
    if not asserts:
        return
    body = module_op.regions[0].blocks[0]
    declared = any(o.operation.name == "func.func" and ir.StringAttr(o.attributes["sym_name"]).value == CALLBACK
                   for o in body.operations)
    if not declared:
        with ir.InsertionPoint.at_block_begin(body), ir.Location.unknown():
            func.FuncOp(CALLBACK, ir.FunctionType.get([ir.IntegerType.get_signless(64)], []),
                        visibility="private")
    for op in asserts:
        messages.append(ir.StringAttr(op.attributes["msg"]).value)
        _split_at(op, len(messages) - 1)
    module_op.attributes[MESSAGES_ATTR] = ir.ArrayAttr.get(
        [ir.StringAttr.get(m) for m in messages])


def _enclosing_func(op: ir.Operation) -> ir.Operation:
    parent = op.parent
    while parent.name != "func.func":
        parent = parent.parent
    return parent


def _split_at(assert_op: ir.Operation, message_id: int) -> None:
    block = assert_op.block
    fn = _enclosing_func(assert_op)
    result_types = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value).results
    loc = assert_op.location
    # ^continue takes every op after the assert.
    cont = block.create_after()
    fail = cont.create_after()
    ops = [o.operation for o in block.operations]
    following = ops[ops.index(assert_op) + 1:]
    with ir.InsertionPoint(cont), loc:
        anchor = arith.constant(ir.IndexType.get(), 0)
    for o in following:
        o.move_before(anchor.owner)
    anchor.owner.erase()
    with ir.InsertionPoint(fail), loc:
        func.call([], CALLBACK, [arith.constant(ir.IntegerType.get_signless(64), message_id)])
        func.ReturnOp([ub.poison(t) for t in result_types])
    with ir.InsertionPoint(assert_op), loc:
        cf.cond_br(assert_op.operands[0], [], [], cont, fail)
    assert_op.erase()
