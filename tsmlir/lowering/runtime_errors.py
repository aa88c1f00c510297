"""tsm-asserts-to-errors: run-time checks report to Python instead of aborting.

In: functions whose control flow is already in `cf` (after convert-scf-to-cf),
containing `cf.assert %cond, "message"` (checks of the lowering, and the
`raise`/`assert` of the program, tagged `tsmlir.raise = "<Class>"`).
Out: each assert becomes `cf.cond_br %cond, ^continue, ^fail`; the fail block
calls `@tsmlir_runtime_error(i64 id)` and returns poison results.  Indexed by
id, the module stores the array attributes `tsmlir.runtime_errors` (the
messages), `tsmlir.runtime_error_locations` (`file:line:col` of the user's
code, "" if unknown) and `tsmlir.runtime_error_classes` (the raised
exception class, "" for a check of the compiled code).  The runtime
registers the callback, raises a Python exception after the call and
ignores the poisoned results.  Intermediate buffers of a failing call are
leaked (an error path only).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, cf, func, ub

from ..errors import SourceLoc, user_frame
from .passes import register

CALLBACK = "tsmlir_runtime_error"
MESSAGES_ATTR = "tsmlir.runtime_errors"
LOCATIONS_ATTR = "tsmlir.runtime_error_locations"
CLASSES_ATTR = "tsmlir.runtime_error_classes"
RAISE_ATTR = "tsmlir.raise"


@register("tsm-asserts-to-errors",
          "Turn cf.assert into a call to the tsmlir runtime error callback and an early return")
def asserts_to_errors(module_op: ir.Operation) -> None:
    attrs = module_op.attributes
    messages, locations, classes = (
        [ir.StringAttr(a).value for a in attrs[name]] if name in attrs else []
        for name in (MESSAGES_ATTR, LOCATIONS_ATTR, CLASSES_ATTR))
    # Records written before locations existed: keep the arrays parallel.
    locations += [""] * (len(messages) - len(locations))
    classes += [""] * (len(messages) - len(classes))
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
        loc = user_frame(_frames(op.location))
        locations.append(str(loc) if loc else "")
        classes.append(ir.StringAttr(op.attributes[RAISE_ATTR]).value
                       if RAISE_ATTR in op.attributes else "")
        _split_at(op, len(messages) - 1)
    for name, values in ((MESSAGES_ATTR, messages), (LOCATIONS_ATTR, locations),
                         (CLASSES_ATTR, classes)):
        attrs[name] = ir.ArrayAttr.get([ir.StringAttr.get(v) for v in values])


def _frames(loc: ir.Location) -> list[SourceLoc]:
    """The file positions of a location, innermost first (call sites after)."""
    if loc.is_a_file():
        return [SourceLoc(loc.filename, loc.start_line, loc.start_col)]
    if loc.is_a_name():
        return _frames(loc.child_loc)
    if loc.is_a_callsite():
        return _frames(loc.callee) + _frames(loc.caller)
    if loc.is_a_fused():
        return [f for inner in loc.locations for f in _frames(inner)]
    return []


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
