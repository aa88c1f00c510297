"""Run-time scalars: TorchScript int/float/bool values known only at run time.

In: scalar-typed TorchScript nodes (`aten::add.int`, `aten::lt.float`,
`aten::Int`, `aten::item`, `prim::NumToTensor`, `math.sqrt`, ...) whose
operands are Python numbers (compile-time) or run-time scalars.
Out: a Python number when every operand is known at compile time (folded
here, as TorchScript would compute it); otherwise an MLIR value of type i64
(int), f64 (float) or i1 (bool) built from upstream `arith`/`math`/`tensor`
ops.

Why upstream ops and not tsm scalar ops: these are exactly the scalar ops
MLIR already has, with the semantics we need (signed integer floor division,
ordered float compares, ...), folders and canonicalizations, and they survive
every later stage unchanged; tsm ops are the tensor-level aten ops that need
our own type rules and lowerings.  A scalar used where a tensor is expected
becomes a 0-d tensor (`tensor.from_elements`); a 0-d tensor read as a scalar
is a `tensor.extract`.
"""
from __future__ import annotations

import math
import operator
from typing import Callable

import torch
from mlir import ir
from mlir.dialects import arith, tensor
from mlir.dialects import math as mmath

from ..dialects.types import element_type
from ..lowering.builders import convert
from .values import DynSize, is_runtime_scalar, is_tensor

INT, FLOAT, BOOL = "int", "float", "bool"


def mlir_type(kind: str) -> ir.Type:
    return {INT: ir.IntegerType.get_signless(64), FLOAT: ir.F64Type.get(),
            BOOL: ir.IntegerType.get_signless(1)}[kind]


def kind_of(v) -> str | None:
    """int/float/bool for a Python number or a run-time scalar, else None."""
    if isinstance(v, bool):
        return BOOL
    if isinstance(v, int) or isinstance(v, DynSize):
        return INT
    if isinstance(v, float):
        return FLOAT
    if isinstance(v, ir.Value) and not is_tensor(v):
        t = v.type
        if isinstance(t, ir.F64Type):
            return FLOAT
        if isinstance(t, ir.IntegerType):
            return BOOL if t.width == 1 else INT
    return None


def is_scalar(v) -> bool:
    return kind_of(v) is not None


def value(v, kind: str | None = None) -> ir.Value:
    """A scalar as an MLIR value of `kind` (its own kind by default)."""
    kind = kind or kind_of(v)
    t = mlir_type(kind)
    if isinstance(v, DynSize):
        v = arith.index_cast(ir.IntegerType.get_signless(64), tensor.dim(v.tensor, _index(v.dim)))
    elif not isinstance(v, ir.Value):
        if kind == FLOAT:
            return arith.constant(t, float(v))
        return arith.constant(t, int(v))
    return convert(v, t)


def index(v) -> ir.Value:
    """A scalar int as an `index` value (loop bounds, offsets)."""
    if isinstance(v, DynSize):
        return tensor.dim(v.tensor, _index(v.dim))
    if isinstance(v, ir.Value):
        return arith.index_cast(ir.IndexType.get(), value(v, INT))
    return _index(int(v))


def _index(n: int) -> ir.Value:
    return arith.constant(ir.IndexType.get(), n)


def item(t: ir.Value) -> ir.Value:
    """The single element of a tensor as a scalar of its kind (floats widen
    to f64, integers to i64)."""
    rt = ir.RankedTensorType(t.type)
    zeros = [_index(0)] * rt.rank if rt.rank else []
    elem = tensor.extract(t, zeros)
    e = rt.element_type
    if isinstance(e, ir.IntegerType):
        return elem if e.width == 1 else convert(elem, mlir_type(INT))
    return convert(elem, mlir_type(FLOAT))


def to_tensor(v, dtype: torch.dtype) -> ir.Value:
    """A run-time scalar as a 0-d tensor of `dtype`."""
    elem = element_type(dtype)
    return tensor.from_elements(ir.RankedTensorType.get([], elem), [convert(value(v), elem)])


def num_dtype(v) -> torch.dtype:
    """The dtype of a number as a tensor (`prim::NumToTensor`): int -> int64,
    float -> float64, bool -> bool."""
    return {INT: torch.int64, FLOAT: torch.float64, BOOL: torch.bool}[kind_of(v)]


def num_to_tensor(v) -> ir.Value:
    """`prim::NumToTensor`: the number as a 0-d tensor of num_dtype(v)."""
    return to_tensor(v, num_dtype(v))


# -- operations ----------------------------------------------------------------
def _join(*kinds: str) -> str:
    return FLOAT if FLOAT in kinds else INT


def _arith(fop, iop):
    def build(a, b):
        k = _join(kind_of(a), kind_of(b))
        x, y = value(a, k), value(b, k)
        return fop(x, y) if k == FLOAT else iop(x, y)
    return build


def _div(a, b):
    return arith.divf(value(a, FLOAT), value(b, FLOAT))


def _floordiv(a, b):
    k = _join(kind_of(a), kind_of(b))
    if k == INT:
        return arith.floordivsi(value(a, INT), value(b, INT))
    return mmath.floor(arith.divf(value(a, FLOAT), value(b, FLOAT)))


def _remainder(a, b):
    """Python's %: the result takes the sign of the divisor."""
    k = _join(kind_of(a), kind_of(b))
    x, y = value(a, k), value(b, k)
    zero = value(0, k)
    if k == INT:
        r = arith.remsi(x, y)
        lt = arith.CmpIPredicate.slt
        fix = arith.andi(arith.cmpi(arith.CmpIPredicate.ne, r, zero),
                         arith.xori(arith.cmpi(lt, r, zero), arith.cmpi(lt, y, zero)))
        return arith.select(fix, arith.addi(r, y), r)
    r = arith.remf(x, y)
    lt = arith.CmpFPredicate.OLT
    fix = arith.andi(arith.cmpf(arith.CmpFPredicate.ONE, r, zero),
                     arith.xori(arith.cmpf(lt, r, zero), arith.cmpf(lt, y, zero)))
    return arith.select(fix, arith.addf(r, y), r)


def _compare(ipred, fpred):
    def build(a, b):
        k = _join(kind_of(a), kind_of(b))
        if kind_of(a) == BOOL and kind_of(b) == BOOL:
            k = BOOL
        x, y = value(a, k), value(b, k)
        if k == FLOAT:
            return arith.cmpf(getattr(arith.CmpFPredicate, fpred), x, y)
        return arith.cmpi(getattr(arith.CmpIPredicate, ipred), x, y)
    return build


def compare_sequences(a, b, equal: bool):
    """`a == b` (or `!=`) of two int lists holding sizes known only at run
    time (`h.size() != [layers, batch, hidden]` in nn.LSTM's checks): an i1
    value that ANDs the item comparisons, or a bool where the lengths or a
    compile-time pair already decide it.  None when neither list holds a
    run-time item (an ordinary compile-time comparison)."""
    if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))) \
            or not any(is_runtime_scalar(v) for v in (*a, *b)):
        return None
    if len(a) != len(b):
        return not equal
    same = None
    for x, y in zip(a, b):
        if not (is_runtime_scalar(x) or is_runtime_scalar(y)):
            if x != y:
                return not equal
            continue
        if kind_of(x) is None or kind_of(y) is None:
            return None
        item = _compare("eq", "OEQ")(x, y)
        same = item if same is None else arith.andi(same, item)
    if same is None:
        return equal
    return same if equal else _not(same)


def _logical(fn):
    return lambda a, b: fn(value(a, BOOL), value(b, BOOL))


def _not(a):
    return arith.xori(value(a, BOOL), value(True, BOOL))


def _neg(a):
    k = _join(kind_of(a))
    return arith.negf(value(a, k)) if k == FLOAT else arith.subi(value(0, k), value(a, k))


def _minmax(fop, iop):
    def build(a, b):
        k = _join(kind_of(a), kind_of(b))
        return (fop if k == FLOAT else iop)(value(a, k), value(b, k))
    return build


def _abs(a):
    k = _join(kind_of(a))
    return mmath.absf(value(a, k)) if k == FLOAT else mmath.absi(value(a, k))


def _float_fn(fn):
    return lambda a: fn(value(a, FLOAT))


def _to_int_fn(fn):
    return lambda a: arith.fptosi(mlir_type(INT), fn(value(a, FLOAT)))


def _pow(a, b):
    return mmath.powf(value(a, FLOAT), value(b, FLOAT))


def _int(a):
    return value(item(a) if is_tensor(a) else a, INT)


def _float(a):
    return value(item(a) if is_tensor(a) else a, FLOAT)


def _bool(a):
    return value(item(a) if is_tensor(a) else a, BOOL)


def _item(a):
    return item(a) if is_tensor(a) else a


# kind -> (compile-time fold, run-time builder).  Nodes of these kinds whose
# operands are all scalars (at least one known only at run time) build here.
SCALAR_OPS: dict[str, tuple[Callable, Callable]] = {
    "aten::add": (operator.add, _arith(arith.addf, arith.addi)),
    "aten::sub": (operator.sub, _arith(arith.subf, arith.subi)),
    "aten::mul": (operator.mul, _arith(arith.mulf, arith.muli)),
    "aten::div": (operator.truediv, _div),
    "aten::floordiv": (operator.floordiv, _floordiv),
    "aten::remainder": (operator.mod, _remainder),
    "aten::__mod__": (operator.mod, _remainder),
    "aten::neg": (operator.neg, _neg),
    "aten::pow": (lambda a, b: float(a) ** b, _pow),
    "aten::eq": (operator.eq, _compare("eq", "OEQ")),
    "aten::ne": (operator.ne, _compare("ne", "UNE")),
    "aten::lt": (operator.lt, _compare("slt", "OLT")),
    "aten::le": (operator.le, _compare("sle", "OLE")),
    "aten::gt": (operator.gt, _compare("sgt", "OGT")),
    "aten::ge": (operator.ge, _compare("sge", "OGE")),
    "aten::__and__": (operator.and_, _logical(arith.andi)),
    "aten::__or__": (operator.or_, _logical(arith.ori)),
    "aten::__xor__": (operator.xor, _logical(arith.xori)),
    "aten::__not__": (operator.not_, _not),
    "prim::min": (min, _minmax(arith.minimumf, arith.minsi)),
    "prim::max": (max, _minmax(arith.maximumf, arith.maxsi)),
    "prim::abs": (abs, _abs),
    "aten::sqrt": (math.sqrt, _float_fn(mmath.sqrt)),
    "aten::exp": (math.exp, _float_fn(mmath.exp)),
    "aten::log": (math.log, _float_fn(mmath.log)),
    "aten::sin": (math.sin, _float_fn(mmath.sin)),
    "aten::cos": (math.cos, _float_fn(mmath.cos)),
    "aten::tanh": (math.tanh, _float_fn(mmath.tanh)),
    "aten::floor": (math.floor, _to_int_fn(mmath.floor)),
    "aten::ceil": (math.ceil, _to_int_fn(mmath.ceil)),
    "aten::Int": (int, _int),
    "aten::Float": (float, _float),
    "aten::Bool": (bool, _bool),
    "aten::item": (lambda a: a, _item),
    "aten::ScalarImplicit": (lambda a: a, _item),
}


def applies(kind: str, args: list) -> bool:
    """Whether a node is a scalar op with an operand known only at run time
    (or a conversion of a tensor to a scalar)."""
    if kind not in SCALAR_OPS or not args:
        return False
    if kind in ("aten::Int", "aten::Float", "aten::Bool", "aten::item", "aten::ScalarImplicit"):
        return is_tensor(args[0]) or is_runtime_scalar(args[0])
    return all(is_scalar(a) for a in args) and any(is_runtime_scalar(a) for a in args)


def build(kind: str, args: list) -> ir.Value:
    return SCALAR_OPS[kind][1](*args)
