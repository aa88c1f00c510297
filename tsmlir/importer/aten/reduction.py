"""aten reductions -> tsm reduction ops (sum, mean, prod, amax/amin, max/min,
argmax/argmin, any/all, var/std, logsumexp, softmax, log_softmax, vector_norm
and the scans cumsum/cumprod/logcumsumexp/cummax/cummin); var_mean/std_mean,
aminmax, nansum/nanmean and count_nonzero decompose into them (and
elementwise ops).

`dim=None` and `dim=[]` reduce every dim (PyTorch's rule for the IntList
overloads).  A `dtype=` argument becomes a `tsm.cast` of the input before the
reduction, as in PyTorch; mean of an integer tensor is rejected as PyTorch
does.  max/min without a dim are amax/amin over every dim; max.dim/min.dim
return (values, indices).  var/std's `unbiased` is `correction` 1 or 0.
logsumexp of an integer tensor computes in the default float dtype.  Sums,
products and scans of integers accumulate in int64; an integer `dtype=`
narrower than that casts the result back, as PyTorch returns it.
The norms (norm, linalg_vector_norm, frobenius_norm, linalg_norm for vectors,
'fro' and the ord +-1/+-inf matrix norms) are vector_norm, with amax/amin of
column or row sums for the matrix orders.
"""
from __future__ import annotations

import torch
from mlir import ir

from ... import dialects

from ..context import NodeContext

# c10::ScalarType codes as TorchScript constants carry them (`dtype=torch.float64` is 7).
_SCALAR_TYPES = {
    0: torch.uint8, 1: torch.int8, 2: torch.int16, 3: torch.int32, 4: torch.int64,
    5: torch.float16, 6: torch.float32, 7: torch.float64, 11: torch.bool, 15: torch.bfloat16,
}


def _dtype(cx: NodeContext, code) -> torch.dtype | None:
    if code is None or isinstance(code, torch.dtype):
        return code
    if isinstance(code, int) and code in _SCALAR_TYPES:
        return _SCALAR_TYPES[code]
    cx.fail(f"dtype {code!r} is not supported")


def _cast(cx: NodeContext, x: ir.Value, dtype: torch.dtype | None) -> ir.Value:
    if dtype is None or cx.type(x).dtype == dtype:
        return x
    return cx.build("cast", x, dtype=str(dtype).split(".")[1])


def _dims(cx: NodeContext, x: ir.Value, dims) -> list[int]:
    if dims is None or dims == []:
        return list(range(cx.type(x).rank))
    if isinstance(dims, int):
        return [dims]
    if isinstance(dims, (list, tuple)) and all(isinstance(d, int) for d in dims):
        return list(dims)
    cx.fail(f"dims must be a list of ints known at compile time, got {dims!r}")


def _flag(cx: NodeContext, value, name: str) -> bool:
    if not isinstance(value, bool):
        cx.fail(f"{name} must be a bool known at compile time, got {value!r}")
    return value


def _require_float_mean(cx: NodeContext, x: ir.Value, dtype: torch.dtype | None) -> None:
    """PyTorch refuses to guess a mean's dtype for integer inputs."""
    if dtype is not None and not dtype.is_floating_point:
        cx.fail(f"mean(): the dtype argument must be floating point, got {dtype}")
    if dtype is None and not cx.type(x).is_float():
        cx.fail(f"mean(): the input must be floating point, got {cx.type(x).dtype}; "
                f"pass dtype=torch.float32 or convert it with .float()")


def _reduce_dims(name: str):
    def handler(cx: NodeContext, x, dims, keepdim=False, dtype=None):
        dtype = _dtype(cx, dtype)
        if name == "mean":
            _require_float_mean(cx, x, dtype)
        result = cx.build(name, _cast(cx, x, dtype), dims=_dims(cx, x, dims),
                          keepdim=_flag(cx, keepdim, "keepdim"))
        return _cast(cx, result, dtype)
    return handler


def _reduce_all(name: str):
    over_dims = _reduce_dims(name)

    def handler(cx: NodeContext, x, dtype=None):
        return over_dims(cx, x, None, False, dtype)
    return handler


def _softmax(name: str):
    def handler(cx: NodeContext, x, dim, dtype=None):
        if not isinstance(dim, int):
            cx.fail(f"dim must be an int known at compile time, got {dim!r}")
        return cx.build(name, _cast(cx, x, _dtype(cx, dtype)), dim=dim)
    return handler


def _internal_softmax(name: str):
    """`aten::_softmax(self, dim, half_to_float)`: what traced graphs may hold."""
    public = _softmax(name)

    def handler(cx: NodeContext, x, dim, half_to_float):
        dtype = None
        if _flag(cx, half_to_float, "half_to_float"):
            if cx.type(x).dtype not in (torch.float16, torch.bfloat16):
                cx.fail("half_to_float conversion is supported for half inputs only")
            dtype = torch.float32
        return public(cx, x, dim, dtype)
    return handler


def _int(cx: NodeContext, value, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        cx.fail(f"{name} must be an int known at compile time, got {value!r}")
    return value


def _values_indices(name: str):
    """max.dim/min.dim: a two-result op, returned as (values, indices)."""
    def handler(cx: NodeContext, x, dim, keepdim=False):
        try:
            values, indices = dialects.build(name, [x], dim=_int(cx, dim, "dim"),
                                             keepdim=_flag(cx, keepdim, "keepdim"))
        except (ValueError, TypeError) as e:
            cx.fail(str(e))
        return values, indices
    return handler


def _arg(name: str):
    def handler(cx: NodeContext, x, dim=None, keepdim=False):
        if dim is not None:
            dim = _int(cx, dim, "dim")
        return cx.build(name, x, dim=dim, keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _logical(name: str):
    def handler(cx: NodeContext, x, dims=None, keepdim=False):
        return cx.build(name, x, dims=_dims(cx, x, dims), keepdim=_flag(cx, keepdim, "keepdim"))
    return handler


def _correction(cx: NodeContext, value) -> float:
    if value is None:
        return 1.0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    cx.fail(f"correction must be a number known at compile time, got {value!r}")


def _spread(name: str):
    """var/std: the `correction` overload; `dim`/`all` adapt `unbiased` to it."""
    def correction(cx: NodeContext, x, dims=None, correction=None, keepdim=False):
        return cx.build(name, x, dims=_dims(cx, x, dims), correction=_correction(cx, correction),
                        keepdim=_flag(cx, keepdim, "keepdim"))

    def with_dims(cx: NodeContext, x, dims, unbiased=True, keepdim=False):
        return correction(cx, x, dims, int(_flag(cx, unbiased, "unbiased")), keepdim)

    def over_all(cx: NodeContext, x, unbiased=True):
        return with_dims(cx, x, None, unbiased, False)
    return correction, with_dims, over_all


def _logsumexp(cx: NodeContext, x, dims, keepdim=False):
    if not cx.type(x).is_float():
        x = _cast(cx, x, torch.get_default_dtype())
    return cx.build("logsumexp", x, dims=_dims(cx, x, dims), keepdim=_flag(cx, keepdim, "keepdim"))


def _scan(name: str):
    def handler(cx: NodeContext, x, dim, dtype=None):
        dtype = _dtype(cx, dtype)
        result = cx.build(name, _cast(cx, x, dtype), dim=_int(cx, dim, "dim"))
        return _cast(cx, result, dtype)
    return handler


def _scan_values_indices(name: str):
    """cummax/cummin: a two-result op, returned as (values, indices)."""
    def handler(cx: NodeContext, x, dim):
        try:
            values, indices = dialects.build(name, [x], dim=_int(cx, dim, "dim"))
        except (ValueError, TypeError) as e:
            cx.fail(str(e))
        return values, indices
    return handler


def _logcumsumexp(cx: NodeContext, x, dim):
    return cx.build("logcumsumexp", x, dim=_int(cx, dim, "dim"))


def _spread_mean(name: str):
    """var_mean/std_mean: (var or std, mean) over the same dims."""
    spread, _, _ = _spread(name)

    def correction(cx: NodeContext, x, dims=None, correction=None, keepdim=False):
        mean = cx.build("mean", x, dims=_dims(cx, x, dims), keepdim=_flag(cx, keepdim, "keepdim"))
        return spread(cx, x, dims, correction, keepdim), mean

    def with_dims(cx: NodeContext, x, dims, unbiased=True, keepdim=False):
        return correction(cx, x, dims, int(_flag(cx, unbiased, "unbiased")), keepdim)

    def over_all(cx: NodeContext, x, unbiased=True):
        return with_dims(cx, x, None, unbiased, False)
    return correction, with_dims, over_all


def _count_nonzero(cx: NodeContext, x, dims=None):
    """sum(x != 0): bool sums are int64."""
    if cx.type(x).dtype != torch.bool:
        x = cx.build("ne", x, cx.scalar(0, x))
    return cx.build("sum", x, dims=_dims(cx, x, dims), keepdim=False)


def _aminmax(cx: NodeContext, x, dim=None, keepdim=False):
    """(amin, amax); dim=None reduces every dim."""
    dims = _dims(cx, x, None if dim is None else _int(cx, dim, "dim"))
    keepdim = _flag(cx, keepdim, "keepdim")
    return (cx.build("amin", x, dims=dims, keepdim=keepdim),
            cx.build("amax", x, dims=dims, keepdim=keepdim))


def _without_nan(cx: NodeContext, x) -> ir.Value:
    """x with NaN replaced by 0 (integers have none)."""
    if not cx.type(x).is_float():
        return x
    return cx.build("where", cx.build("isnan", x), cx.scalar(0.0, x), x)


def _nansum(cx: NodeContext, x, dims=None, keepdim=False, dtype=None):
    x = _cast(cx, x, _dtype(cx, dtype))
    return _reduce_dims("sum")(cx, _without_nan(cx, x), dims, keepdim)


def _nanmean(cx: NodeContext, x, dims=None, keepdim=False, dtype=None):
    """sum of the non-NaN elements / their count (NaN where there are none)."""
    if not cx.type(x).is_float():
        cx.fail(f"nanmean(): expected a floating-point input, got {cx.type(x).dtype}")
    x = _cast(cx, x, _dtype(cx, dtype))
    dims, keepdim = _dims(cx, x, dims), _flag(cx, keepdim, "keepdim")
    nan = cx.build("isnan", x)
    total = cx.build("sum", cx.build("where", nan, cx.scalar(0.0, x), x), dims=dims,
                     keepdim=keepdim)
    count = cx.build("sum", cx.build("logical_not", nan), dims=dims, keepdim=keepdim)
    return cx.build("div", total, count)


def _order(cx: NodeContext, p, default: float = 2.0) -> float:
    if p is None:
        return default
    if isinstance(p, (int, float)) and not isinstance(p, bool):
        return float(p)
    cx.fail(f"the norm order must be a number known at compile time, got {p!r}")


def _vector_norm(cx: NodeContext, x, order=2, dims=None, keepdim=False, dtype=None):
    x = _cast(cx, x, _dtype(cx, dtype))
    return cx.build("vector_norm", x, ord=_order(cx, order), dims=_dims(cx, x, dims),
                    keepdim=_flag(cx, keepdim, "keepdim"))


def _norm(cx: NodeContext, x, p=2, dims=None, keepdim=False, dtype=None):
    """norm.Scalar / ScalarOpt_dim / ScalarOpt_dim_dtype: p=None is 2."""
    return _vector_norm(cx, x, p, dims, keepdim, dtype)


def _norm_dtype(cx: NodeContext, x, p, dtype):
    return _vector_norm(cx, x, p, None, False, dtype)


def _frobenius(cx: NodeContext, x, dims, keepdim=False):
    return _vector_norm(cx, x, 2, dims, keepdim)


def _matrix_dims(cx: NodeContext, x, dims) -> list[int]:
    dims = _dims(cx, x, dims)
    if len(dims) != 2:
        cx.fail(f"a matrix norm needs 2 dims (or a 2-d input), got dims {dims}")
    return dims


def _matrix_norm(cx: NodeContext, x, order: float, dims, keepdim) -> ir.Value:
    """ord +-1: max/min column sum of |x|; ord +-inf: max/min row sum."""
    if abs(order) not in (1.0, float("inf")):
        cx.fail(f"matrix norm ord={order} is not supported (supported: 'fro', 1, -1, inf, -inf)")
    keepdim = _flag(cx, keepdim, "keepdim")
    rank = cx.type(x).rank
    rows, cols = (d % rank for d in _matrix_dims(cx, x, dims))
    summed, kept = (rows, cols) if order in (1.0, -1.0) else (cols, rows)
    sums = cx.build("sum", cx.build("abs", x), dims=[summed], keepdim=keepdim)
    if not keepdim and kept > summed:
        kept -= 1
    return cx.build("amax" if order > 0 else "amin", sums, dims=[kept], keepdim=keepdim)


def _linalg_norm(cx: NodeContext, x, order=None, dims=None, keepdim=False, dtype=None):
    """ord=None: the 2-norm of the flattened input or over `dims`; a number:
    the vector norm over one dim (or a 1-d input), else a matrix norm."""
    x = _cast(cx, x, _dtype(cx, dtype))
    if order is None:
        return _vector_norm(cx, x, 2, dims, keepdim)
    order = _order(cx, order)
    vector = len(_dims(cx, x, dims)) == 1 if dims is not None else cx.type(x).rank == 1
    if vector:
        return _vector_norm(cx, x, order, dims, keepdim)
    return _matrix_norm(cx, x, order, dims, keepdim)


def _linalg_norm_str(cx: NodeContext, x, order, dims=None, keepdim=False, dtype=None):
    if order != "fro":
        cx.fail(f"matrix norm ord={order!r} is not supported (supported: 'fro', 1, -1, inf, -inf)")
    x = _cast(cx, x, _dtype(cx, dtype))
    return _vector_norm(cx, x, 2, _matrix_dims(cx, x, dims), keepdim)


def _linalg_matrix_norm(cx: NodeContext, x, order, dims=(-2, -1), keepdim=False, dtype=None):
    """linalg.matrix_norm: a numeric ord (+-1, +-inf) or 'fro'."""
    x = _cast(cx, x, _dtype(cx, dtype))
    if isinstance(order, str):
        return _linalg_norm_str(cx, x, order, list(dims), keepdim)
    return _matrix_norm(cx, x, _order(cx, order), list(dims), keepdim)


_var, _var_dim, _var_all = _spread("var")
_std, _std_dim, _std_all = _spread("std")

HANDLERS = {
    "aten::sum.dim_IntList": _reduce_dims("sum"),
    "aten::sum": _reduce_all("sum"),
    "aten::mean.dim": _reduce_dims("mean"),
    "aten::mean": _reduce_all("mean"),
    "aten::softmax.int": _softmax("softmax"),
    "aten::log_softmax.int": _softmax("log_softmax"),
    "aten::_softmax": _internal_softmax("softmax"),
    "aten::_log_softmax": _internal_softmax("log_softmax"),
    "aten::amax": _reduce_dims("amax"),
    "aten::amin": _reduce_dims("amin"),
    "aten::max": _reduce_all("amax"),
    "aten::min": _reduce_all("amin"),
    "aten::max.dim": _values_indices("max"),
    "aten::min.dim": _values_indices("min"),
    "aten::argmax": _arg("argmax"),
    "aten::argmin": _arg("argmin"),
    "aten::prod.dim_int": _reduce_dims("prod"),
    "aten::prod": _reduce_all("prod"),
    "aten::any.dims": _logical("any"),
    "aten::any.dim": _logical("any"),
    "aten::any": _logical("any"),
    "aten::all.dims": _logical("all"),
    "aten::all.dim": _logical("all"),
    "aten::all": _logical("all"),
    "aten::var.correction": _var,
    "aten::var.dim": _var_dim,
    "aten::var": _var_all,
    "aten::std.correction": _std,
    "aten::std.dim": _std_dim,
    "aten::std": _std_all,
    "aten::logsumexp": _logsumexp,
    "aten::cumsum": _scan("cumsum"),
    "aten::cumprod": _scan("cumprod"),
    "aten::logcumsumexp": _logcumsumexp,
    "aten::cummax": _scan_values_indices("cummax"),
    "aten::cummin": _scan_values_indices("cummin"),
    "aten::var_mean.correction": _spread_mean("var")[0],
    "aten::var_mean.dim": _spread_mean("var")[1],
    "aten::var_mean": _spread_mean("var")[2],
    "aten::std_mean.correction": _spread_mean("std")[0],
    "aten::std_mean.dim": _spread_mean("std")[1],
    "aten::std_mean": _spread_mean("std")[2],
    "aten::aminmax": _aminmax,
    "aten::nansum": _nansum,
    "aten::nanmean": _nanmean,
    "aten::count_nonzero": _count_nonzero,
    "aten::count_nonzero.dim_IntList": _count_nonzero,
    "aten::linalg_vector_norm": _vector_norm,
    "aten::norm.Scalar": _norm,
    "aten::norm.ScalarOpt_dim": _norm,
    "aten::norm.ScalarOpt_dim_dtype": _norm,
    "aten::norm.ScalarOpt_dtype": _norm_dtype,
    "aten::frobenius_norm.dim": _frobenius,
    "aten::linalg_norm": _linalg_norm,
    "aten::linalg_norm.ord_str": _linalg_norm_str,
    "aten::linalg_matrix_norm": _linalg_matrix_norm,
    "aten::linalg_matrix_norm.str_ord": _linalg_matrix_norm,
}
