"""tsm elementwise ops -> one linalg.generic each (broadcast through indexing maps).

In: tsm.add/sub/mul/div/neg/relu/sigmoid/tanh/exp/log/gelu/cast on ranked tensors.
Out: linalg.generic over the result shape; operands are converted to the
result dtype inside the body; dynamic dims shared by several operands get a
run-time `cf.assert` that they agree (broadcasting a dynamic dim is not
supported and is caught by that assert).
"""
from __future__ import annotations

import math
from functools import partial

from mlir import ir
from mlir.dialects import arith
from mlir.dialects import math as mmath

from . import builders as b
from .passes import pattern_pass


def _result_sizes(op: ir.Operation) -> list[b.IntOrValue]:
    out = b.rtt(op.result)
    rank = out.rank
    sizes: list[b.IntOrValue] = []
    for i in range(rank):
        if not out.is_dynamic_dim(i):
            sizes.append(out.shape[i])
            continue
        dyn = []
        for v in op.operands:
            t = b.rtt(v)
            j = i - (rank - t.rank)
            if j >= 0 and t.is_dynamic_dim(j):
                dyn.append(b.dim(v, j))
        for other in dyn[1:]:
            b.assert_same_size(dyn[0], other, op.name,
                               f"dynamic dimension {i} of the operands must match (no broadcasting of dynamic dims)")
        sizes.append(dyn[0])
    return sizes


def lower_elementwise(op: ir.Operation, body) -> ir.Value:
    out_t = b.rtt(op.result)
    elem = out_t.element_type
    # Static operand dims must be 1 or equal the output's; dynamic dims vs a
    # static output dim are checked at run time.
    for v in op.operands:
        t = b.rtt(v)
        for j in range(t.rank):
            i = j + out_t.rank - t.rank
            if t.is_dynamic_dim(j) and not out_t.is_dynamic_dim(i):
                got = b.dim(v, j)
                b.assert_same_size(got, b.index(out_t.shape[i]), op.name,
                                   f"operand dimension {j} does not match the result size {out_t.shape[i]}")
    init = b.empty(_result_sizes(op), elem)
    out_shape = [-1 if out_t.is_dynamic_dim(i) else out_t.shape[i] for i in range(out_t.rank)]
    maps = []
    for v in op.operands:
        t = b.rtt(v)
        shape = [-1 if t.is_dynamic_dim(i) else t.shape[i] for i in range(t.rank)]
        maps.append(b.broadcast_map(shape, out_shape))
    maps.append(b.identity_map(out_t.rank))

    def region(*args):
        # Operands are promoted to the result dtype before computing.
        return body(elem, *(b.convert(a, elem) for a in args[:-1]))

    return b.generic(list(op.operands), init, maps, ["parallel"] * out_t.rank, region)


# Scalar bodies: (compute_type, *operands) -> value.
def _arith(ffn, ifn, t, x, y):
    return ffn(x, y) if b.is_float(t) else ifn(x, y)


def _neg(t, x):
    return arith.negf(x) if b.is_float(t) else arith.subi(b.zero(t), x)


def _relu(t, x):
    return arith.maximumf(x, b.zero(t)) if b.is_float(t) else arith.maxsi(x, b.zero(t))


def _sigmoid(t, x):
    one = b.constant(1.0, t)
    return arith.divf(one, arith.addf(one, mmath.exp(arith.negf(x))))


def _gelu(approximate, t, x):
    half, one = b.constant(0.5, t), b.constant(1.0, t)
    if approximate == "tanh":
        inner = arith.mulf(b.constant(math.sqrt(2 / math.pi), t),
                           arith.addf(x, arith.mulf(b.constant(0.044715, t),
                                                    arith.mulf(x, arith.mulf(x, x)))))
        return arith.mulf(arith.mulf(half, x), arith.addf(one, mmath.tanh(inner)))
    scaled = arith.mulf(x, b.constant(1 / math.sqrt(2), t))
    return arith.mulf(arith.mulf(half, x), arith.addf(one, mmath.erf(scaled)))


def _div(t, x, y):
    return arith.divf(x, y)


def _unary(fn, t, x):
    return fn(x)


def _identity(t, x):
    return x


def _lower(body):
    return lambda op: lower_elementwise(op, body)


def _lower_gelu(op):
    approximate = ir.StringAttr(op.attributes["approximate"]).value \
        if "approximate" in op.attributes else "none"
    return lower_elementwise(op, partial(_gelu, approximate))


LOWERINGS = {
    "tsm.add": _lower(partial(_arith, arith.addf, arith.addi)),
    "tsm.sub": _lower(partial(_arith, arith.subf, arith.subi)),
    "tsm.mul": _lower(partial(_arith, arith.mulf, arith.muli)),
    "tsm.div": _lower(_div),
    "tsm.neg": _lower(_neg),
    "tsm.relu": _lower(_relu),
    "tsm.sigmoid": _lower(_sigmoid),
    "tsm.tanh": _lower(partial(_unary, mmath.tanh)),
    "tsm.exp": _lower(partial(_unary, mmath.exp)),
    "tsm.log": _lower(partial(_unary, mmath.log)),
    "tsm.gelu": _lower_gelu,
    "tsm.cast": _lower(_identity),  # conversion happens in the body's convert
}

lower_elementwise_pass = pattern_pass(
    "tsm-lower-elementwise", "Lower tsm elementwise ops to linalg.generic", LOWERINGS)
