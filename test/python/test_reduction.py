"""Reductions against eager: sum, mean, prod, amax/amin, max/min (values and
indices), argmax/argmin, any/all, var/std, var_mean/std_mean, logsumexp,
softmax, log_softmax, count_nonzero, the norms and the cumsum/cumprod scans
over dims lists, negative dims, keepdim, all dims, dynamic dims, dtypes, NaN,
empty and 0-d inputs.  Indices, integer and bool results compare exactly."""
import pytest
import torch
import torch.nn.functional as F

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.trace_method` is deprecated:DeprecationWarning"),
    # eager var/std warn when N - correction <= 0; that NaN/inf case is tested on purpose
    pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*frobenius_norm is deprecated:UserWarning"),
]


class Traced(torch.nn.Module):
    """Wraps a function for torch.jit.trace, so that each parametrized dims
    list is written into the graph (prim::ListConstruct of constants)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def traced(fn, x):
    return torch.jit.trace(Traced(fn), x)


class FullReductions(torch.nn.Module):
    def forward(self, x):
        return x.sum(), x.mean(), torch.sum(x, dim=None), x.mean(dim=None, keepdim=True)


class Softmax(torch.nn.Module):
    def __init__(self, dim: int, log: bool):
        super().__init__()
        self.dim, self.log = dim, log

    def forward(self, x):
        if self.log:
            return F.log_softmax(x, self.dim)
        return F.softmax(x, self.dim)


def sum_(dims, keepdim=False):
    return lambda x: torch.sum(x, dims, keepdim)


def mean(dims, keepdim=False):
    return lambda x: torch.mean(x, dims, keepdim)


# (input shape, dims)
DIMS = [((7,), [0]), ((3, 4), [1]), ((3, 4), [-1]), ((2, 3, 5), [0, 2]), ((2, 3, 5), [-1, 0]),
        ((2, 3, 5), [0, 1, 2]), ((4, 1, 6), [1]), ((), [0]), ((2, 3), [])]


@pytest.mark.parametrize("reduce", [sum_, mean], ids=["sum", "mean"])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dims", DIMS, ids=str)
def test_sum_mean(reduce, shape, dims, keepdim):
    x = torch.randn(shape)
    check_against_eager(traced(reduce(dims, keepdim), x), [x])


@pytest.mark.parametrize("shape", [(5, 6), (2, 3, 4), (9,), ()], ids=str)
def test_full_reductions_give_0d(shape):
    check_against_eager(FullReductions(), [torch.randn(shape)])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("shape,dim", [((10,), 0), ((3, 7), -1), ((3, 7), 0), ((2, 3, 5), 1),
                                       ((2, 3, 5), -3), ((), 0), ((4, 1), 1)], ids=str)
def test_softmax(log, shape, dim):
    x = torch.randn(shape) * 5
    check_against_eager(torch.jit.script(Softmax(dim, log)), [x])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_is_stable_for_large_inputs(log):
    x = torch.tensor([[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -999.0]])
    check_against_eager(torch.jit.script(Softmax(-1, log)), [x])


@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("cols", [7, 100], ids=str)
def test_softmax_special_values(log, cols):
    """The row max skips NaN (maxnumf) yet a NaN still makes its whole row
    NaN, as in eager; +inf, an all -inf row and signed zeros as eager too
    (scalar and vectorized rows)."""
    x = torch.randn(6, cols)
    x[0, 3] = float("nan")
    x[1, 2] = float("inf")
    x[2] = float("-inf")
    x[3, :] = 0.0
    x[3, ::2] = -0.0
    x[4, 1], x[4, 5] = float("nan"), float("inf")
    check_against_eager(torch.jit.script(Softmax(-1, log)), [x], equal_nan=True)


class ScaledSoftmaxes(torch.nn.Module):
    """softmax / log_softmax of a pointwise producer that each pass over the
    rows recomputes (scale, masked shift) and of one that has another user."""

    def forward(self, x, mask):
        scaled = x / 8.0
        return (F.softmax(x / 8.0, -1), F.log_softmax(x * 0.3 - 1.0, 0),
                F.softmax(torch.where(mask, x, -1e9 * torch.ones_like(x)), -1),
                F.softmax(scaled, -1) + scaled)


@pytest.mark.parametrize("shape", [(4, 37, 37), (2, 1, 5), (3, 130)], ids=str)
def test_softmax_of_pointwise_producer(shape):
    x = torch.randn(shape) * 6
    check_against_eager(torch.jit.script(ScaledSoftmaxes()), [x, torch.rand(shape) > 0.3])

def test_traced_internal_softmax():
    x = torch.randn(4, 6)
    fn = traced(lambda x: (torch._softmax(x, 1, False), torch._log_softmax(x, 0, False)), x)
    check_against_eager(fn, [x])


class WithDtype(torch.nn.Module):
    def forward(self, x):
        return (x.sum(1, dtype=torch.float64), x.mean(dtype=torch.float64),
                torch.softmax(x, 0, dtype=torch.float64),
                torch.log_softmax(x, -1, dtype=torch.float64))


def test_dtype_argument_casts_first():
    check_against_eager(WithDtype(), [torch.randn(3, 5)])


def test_float64():
    x = torch.randn(6, 7, dtype=torch.float64)
    check_against_eager(traced(sum_([0]), x), [x])
    check_against_eager(traced(mean([-1], True), x), [x])
    check_against_eager(torch.jit.script(Softmax(1, False)), [x])
    check_against_eager(torch.jit.script(Softmax(0, True)), [x])


class AllFour(torch.nn.Module):
    def forward(self, x):
        return x.sum(1), x.mean(0), torch.softmax(x, -1), torch.log_softmax(x, 0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_accumulates_in_float32(dtype):
    # assert_close's default tolerances for the dtype
    check_against_eager(AllFour(), [torch.randn(5, 7, dtype=dtype)])


class FullSum(torch.nn.Module):
    def forward(self, x):
        return x.sum()


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_integer_sum_accumulates_in_int64(dtype):
    x = torch.randint(-2**31, 2**31 - 1, (4, 50)).to(dtype)
    compiled = check_against_eager(traced(sum_([1]), x), [x])
    assert compiled(x).dtype == torch.int64
    check_against_eager(FullSum(), [x])


class Dynamic(torch.nn.Module):
    def forward(self, x):
        return (x.sum(0), x.sum(-1, keepdim=True), x.mean(0, keepdim=True), x.mean(),
                torch.softmax(x, -1), torch.log_softmax(x, 0))


def test_dynamic_dims_one_artifact_many_sizes():
    runs = [[torch.randn(n, 10)] for n in (1, 3, 64)]
    check_against_eager(Dynamic(), runs[0], input_specs=[TensorSpec((-1, 10))], runs=runs[1:])


def test_fully_dynamic_mean():
    runs = [[torch.randn(n, m)] for n, m in ((2, 3), (7, 1), (16, 33))]
    check_against_eager(traced(mean([0, 1]), runs[0][0]), runs[0],
                        input_specs=[TensorSpec((-1, -1))], runs=runs[1:])


class MeanOfRows(torch.nn.Module):
    def forward(self, x):
        return x.mean(0)


def test_mean_of_integers_is_an_error():
    with pytest.raises(tsmlir.TsmlirError, match=r"mean\(\): the input must be floating point"):
        tsmlir.compile_module(MeanOfRows(), [torch.arange(4)])


def test_mean_with_float_dtype_accepts_integers():
    class IntMean(torch.nn.Module):
        def forward(self, x):
            return x.mean(0, dtype=torch.float32)
    check_against_eager(IntMean(), [torch.randint(0, 9, (5, 3))])


class DuplicateDims(torch.nn.Module):
    def forward(self, x):
        return x.sum([1, -1])


def test_duplicate_dims_are_an_error():
    with pytest.raises(tsmlir.TsmlirError, match="dim 1 appears multiple times"):
        tsmlir.compile_module(DuplicateDims(), [torch.randn(2, 3)])


def test_softmax_of_integers_is_an_error():
    with pytest.raises(tsmlir.TsmlirError, match="softmax expects a floating-point tensor"):
        tsmlir.compile_module(torch.jit.script(Softmax(0, False)), [torch.arange(4)])


# --- amax/amin, max/min (values and indices), argmax/argmin, prod, any/all,
# var/std, logsumexp: one module per case returns every op's result.

class Reductions(torch.nn.Module):
    def __init__(self, dims: list[int], keepdim: bool):
        super().__init__()
        self.dims, self.dim, self.keepdim = dims, dims[0], keepdim

    def forward(self, x):
        values, indices = torch.max(x, self.dim, self.keepdim)
        low, where = x.min(self.dim, keepdim=self.keepdim)
        return (x.amax(self.dims, self.keepdim), x.amin(self.dims, keepdim=self.keepdim),
                x.max(), x.min(), values, indices, low, where,
                x.argmax(self.dim, self.keepdim), x.argmin(self.dim, keepdim=self.keepdim),
                x.argmax(), x.argmin(keepdim=self.keepdim),
                x.prod(self.dim, self.keepdim), x.prod(),
                x.any(self.dim, self.keepdim), x.all(self.dims, keepdim=self.keepdim), x.all(),
                x.var(self.dims, keepdim=self.keepdim), x.std(self.dims, False, self.keepdim),
                torch.var(x, self.dims, correction=2, keepdim=self.keepdim), x.std(),
                torch.logsumexp(x, self.dims, self.keepdim))


# (input shape, dims); small integer values make ties, so first-occurrence
# indices are checked too.
MORE_DIMS = [((7,), [0]), ((3, 4), [1]), ((3, 4), [-1]), ((2, 3, 5), [0, 2]),
             ((2, 3, 5), [-1, 0]), ((4, 1, 6), [1]), ((), [0])]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,dims", MORE_DIMS, ids=str)
def test_reductions(shape, dims, keepdim):
    x = torch.randint(-3, 4, shape).float()
    check_against_eager(torch.jit.script(Reductions(dims, keepdim)), [x], equal_nan=True)


def test_reductions_dynamic_dim():
    runs = [[torch.randint(-3, 4, (n, 5)).float()] for n in (2, 3, 9)]
    check_against_eager(torch.jit.script(Reductions([0], True)), runs[0],
                        input_specs=[TensorSpec((-1, 5))], runs=runs[1:])
    check_against_eager(torch.jit.script(Reductions([-1], False)), runs[0],
                        input_specs=[TensorSpec((-1, 5))], runs=runs[1:])


class Selections(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(1)
        low, where = x.min(-1, keepdim=True)
        return (x.amax(1), x.amin(0), x.max(), x.min(), values, indices, low, where,
                x.argmax(1), x.argmin(), x.argmax())


def test_nan_propagates_with_its_index():
    x = torch.tensor([[1.0, float("nan"), 3.0, float("nan")],
                      [float("nan"), 5.0, 5.0, -1.0],
                      [2.0, 7.0, 7.0, -4.0]])
    check_against_eager(Selections(), [x], equal_nan=True)


class IntegerReductions(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(0)
        low, where = x.min(1, keepdim=True)
        return (x.amax(1), x.amin([0, 1]), x.max(), values, indices, low, where,
                x.prod(1), x.prod(), x.any(0), x.all(1), x.any())


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64])
def test_integer_reductions_are_exact(dtype):
    x = torch.randint(-4, 5, (5, 6), dtype=dtype)
    x[0, 3] = torch.iinfo(dtype).min
    x[1, 2] = torch.iinfo(dtype).max
    compiled = check_against_eager(IntegerReductions(), [x])
    assert compiled(x)[7].dtype == torch.int64  # products accumulate in int64
    assert compiled(x)[4].dtype == torch.int64


class BoolReductions(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(1)
        return x.amax(0), x.amin(1), values, indices, x.prod(1), x.any(1), x.all(0), x.all()


def test_bool_reductions():
    x = torch.rand(4, 5) > 0.5
    x[0] = False
    x[1] = True
    check_against_eager(BoolReductions(), [x])


class Spread(torch.nn.Module):
    def forward(self, x):
        return (x.var(0), x.std(0), torch.var(x, 1, correction=0), x.var(unbiased=False),
                torch.logsumexp(x, 1), torch.logsumexp(x, [0, 1], keepdim=True))


def test_var_of_one_element_is_nan_and_logsumexp_is_stable():
    x = torch.tensor([[1000.0, 1001.0, float("-inf")], [-1000.0, -1002.0, -999.0]])
    check_against_eager(Spread(), [x], equal_nan=True)
    inf_rows = torch.tensor([[float("-inf"), float("-inf")], [float("inf"), 1.0]])
    check_against_eager(Spread(), [inf_rows], equal_nan=True)


class HalfReductions(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(1)
        return x.amax(0), values, indices, x.prod(1), x.var(1), torch.logsumexp(x, 0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.float64])
def test_other_float_widths(dtype):
    check_against_eager(HalfReductions(), [torch.randn(4, 6, dtype=dtype)])


class IntLogsumexp(torch.nn.Module):
    def forward(self, x):
        return torch.logsumexp(x, 0)


def test_logsumexp_of_integers_computes_in_float():
    check_against_eager(IntLogsumexp(), [torch.randint(0, 5, (6,))])


class IntVar(torch.nn.Module):
    def forward(self, x):
        return x.var(0)


def test_var_of_integers_is_an_error():
    with pytest.raises(tsmlir.TsmlirError, match="var expects a floating-point tensor"):
        tsmlir.compile_module(IntVar(), [torch.arange(4)])


# --- scans: cumsum/cumprod (integers and bool accumulate in int64), cummax/cummin
# (values and last-occurrence indices), logcumsumexp along one dim

class Scans(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return (torch.cumsum(x, self.dim), x.cumprod(self.dim),
                torch.cumsum(x, self.dim, dtype=torch.float64), torch.cummax(x, self.dim),
                torch.cummin(x, dim=self.dim), torch.logcumsumexp(x, self.dim))


SCAN_CASES = [((7,), 0), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((4, 1), 1), ((), 0),
              ((), -1), ((0, 3), 0), ((3, 0), 1)]


@pytest.mark.parametrize("shape,dim", SCAN_CASES, ids=str)
def test_scans(shape, dim):
    x = torch.rand(shape) + 0.5
    check_against_eager(Scans(dim), [x])


class IntegerScans(torch.nn.Module):
    def forward(self, a, b, c):
        return (torch.cumsum(a, 1), torch.cumprod(a, 0), torch.cumsum(b, -1), torch.cumprod(b, 1),
                torch.cumsum(c, 0, dtype=torch.int32), torch.cumsum(a, 1, dtype=torch.float32),
                torch.cummax(a, 1), torch.cummin(a, 0), torch.cummax(b, 1), torch.cummin(b, -1))


def test_integer_and_bool_scans_are_exact_int64():
    a = torch.randint(-3, 4, (4, 6), dtype=torch.int32)
    a[0, 0] = torch.iinfo(torch.int32).max  # the int64 accumulator does not wrap
    b = torch.rand(3, 5) > 0.5
    c = torch.rand(5, 2) * 10
    compiled = check_against_eager(IntegerScans(), [a, b, c])
    assert [r.dtype for r in compiled(a, b, c)[:5]] == [torch.int64] * 4 + [torch.int32]


@pytest.mark.parametrize("dtype", [torch.float16, torch.float64])
def test_scans_of_other_float_widths(dtype):
    check_against_eager(Scans(1), [(torch.rand(3, 9) + 0.5).to(dtype)])


def test_scans_dynamic_dims():
    runs = [[torch.rand(n, 4) + 0.5] for n in (1, 3, 17)]
    check_against_eager(Scans(0), runs[0], input_specs=[TensorSpec((-1, 4))], runs=runs[1:])
    check_against_eager(Scans(-1), runs[0], input_specs=[TensorSpec((-1, -1))], runs=runs[1:])


def test_scan_nan_and_inf_propagate():
    inf, nan = float("inf"), float("nan")
    x = torch.tensor([[1.0, nan, 2.0, nan], [inf, 1.0, -inf, inf], [-inf, -inf, 3.0, -inf],
                      [2.0, 2.0, 1.0, 2.0]])  # ties: cummax/cummin index the last one
    check_against_eager(Scans(1), [x], equal_nan=True)


class IntLogcumsumexp(torch.nn.Module):
    def forward(self, x):
        return torch.logcumsumexp(x, 0)


def test_logcumsumexp_of_integers_is_an_error():
    with pytest.raises(tsmlir.TorchScriptImportError, match="logcumsumexp expects a floating"):
        tsmlir.compile_module(IntLogcumsumexp(), [torch.arange(4)])


# --- norms: vector_norm with every ord; norm, linalg.norm, matrix norms

class VectorNorms(torch.nn.Module):
    def __init__(self, ord: float, dims: list[int], keepdim: bool):
        super().__init__()
        self.ord, self.dims, self.keepdim = ord, dims, keepdim

    def forward(self, x):
        return (torch.linalg.vector_norm(x, self.ord, self.dims, self.keepdim),
                torch.linalg.vector_norm(x, self.ord),
                x.norm(self.ord, self.dims, self.keepdim), x.norm(self.ord))


ORDS = [2.0, 1.0, float("inf"), -float("inf"), 0.0, 3.0, 0.5, -1.5]


@pytest.mark.parametrize("shape,dims,keepdim", [((3, 5), [1], False), ((2, 3, 4), [-1, 0], True),
                                                 ((6,), [0], True), ((), [0], False)], ids=str)
def test_vector_norms_of_every_order(shape, dims, keepdim):
    x = torch.randn(shape)
    if x.dim():
        x.view(-1)[0] = 0.0  # ord 0 counts nonzeros; negative ords see a zero
    fn = traced(lambda x: tuple(torch.linalg.vector_norm(x, o, dims, keepdim) for o in ORDS)
                + tuple(torch.linalg.vector_norm(x, o) for o in ORDS), x)
    check_against_eager(fn, [x])


@pytest.mark.parametrize("ord", [2.0, -float("inf"), 0.5], ids=str)
def test_tensor_norm_method(ord):
    """x.norm(p, dims, keepdim) and x.norm(p): the aten::norm overloads."""
    check_against_eager(torch.jit.script(VectorNorms(ord, [1, 0], True)), [torch.randn(3, 4)])


class NormForms(torch.nn.Module):
    def forward(self, x, h):
        return (torch.linalg.norm(x), torch.linalg.norm(x, dim=1), torch.linalg.norm(x, 3.0, 0),
                torch.linalg.norm(x, "fro"), torch.linalg.norm(x, float("inf")),
                torch.linalg.norm(x, -float("inf"), keepdim=True), torch.linalg.norm(x, 1),
                torch.linalg.norm(x, -1, (1, 0)), torch.linalg.matrix_norm(h),
                torch.linalg.matrix_norm(h, 1, dim=(0, 2), keepdim=True),
                torch.linalg.matrix_norm(h, -float("inf")),
                torch.linalg.vector_norm(x, 2, dtype=torch.float64),
                x.norm(1, [0], False, dtype=torch.float64), torch.frobenius_norm(h, [1, 2]),
                torch.linalg.norm(h, dim=(2,), keepdim=True), torch.linalg.norm(h, "fro", (0, 2)),
                x.norm(3, dtype=torch.float64))


def test_norm_forms():
    check_against_eager(NormForms(), [torch.randn(4, 5), torch.randn(2, 3, 4)])


class ScriptedTorchNorm(torch.nn.Module):
    def forward(self, x):
        return (torch.norm(x), torch.norm(x, 3), torch.norm(x, dim=1), torch.norm(x, "fro"),
                torch.norm(x, float("inf"), dim=[0], keepdim=True),
                torch.norm(x, p=1, dim=1, dtype=torch.float64))


def test_scripted_torch_norm():
    """torch.norm's TorchScript body asks the layout and the device type first."""
    check_against_eager(ScriptedTorchNorm(), [torch.randn(3, 4)])


def test_traced_torch_norm():
    x = torch.randn(3, 4)
    fn = traced(lambda x: (torch.norm(x), torch.norm(x, 3), torch.norm(x, dim=1),
                           torch.norm(x, "fro"), torch.norm(x, float("inf"), dim=[0], keepdim=True),
                           torch.norm(x, p=1, dim=1, dtype=torch.float64)), x)
    check_against_eager(fn, [x])


def test_norm_half_accumulates_in_float32_and_nan_propagates():
    h = torch.randn(4, 6, dtype=torch.float16) * 30
    check_against_eager(torch.jit.script(VectorNorms(2.0, [1], False)), [h])
    x = torch.tensor([[1.0, float("nan"), 2.0], [3.0, 4.0, float("inf")]])
    for ord in (2.0, float("inf"), -float("inf"), 0.0, 1.0):
        check_against_eager(torch.jit.script(VectorNorms(ord, [1], False)), [x], equal_nan=True)


def test_norms_dynamic_dims_and_empty():
    runs = [[torch.randn(n, 3)] for n in (1, 4, 0)]
    check_against_eager(torch.jit.script(VectorNorms(2.0, [0], True)), runs[0],
                        input_specs=[TensorSpec((-1, 3))], runs=runs[1:])


def test_inf_norm_of_an_empty_dynamic_dim_is_a_run_time_error():
    compiled = tsmlir.compile_module(torch.jit.script(VectorNorms(float("inf"), [0], False)),
                                     input_specs=[TensorSpec((-1, 3))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="tsm.vector_norm: the inf norm of an empty"):
        compiled(torch.zeros(0, 3))


class IntNorm(torch.nn.Module):
    def forward(self, x):
        return torch.linalg.vector_norm(x)


class MatrixNorm(torch.nn.Module):
    def __init__(self, ord: float):
        super().__init__()
        self.ord = ord

    def forward(self, x):
        return torch.linalg.norm(x, self.ord)


class Nuclear(torch.nn.Module):
    def forward(self, x):
        return torch.linalg.norm(x, "nuc")


@pytest.mark.parametrize("module,x,message", [
    (IntNorm(), torch.arange(4), r"vector_norm expects a floating-point tensor"),
    (torch.jit.script(VectorNorms(float("inf"), [1], False)), torch.zeros(2, 0),
     r"the inf norm of an empty tensor is undefined"),
    (MatrixNorm(2.0), torch.zeros(2, 2), r"matrix norm ord=2.0 is not supported"),
    (Nuclear(), torch.zeros(2, 2), r"matrix norm ord='nuc' is not supported"),
    (MatrixNorm(1.0), torch.zeros(2, 2, 2), r"a matrix norm needs 2 dims"),
], ids=["int", "empty_inf", "spectral", "nuclear", "rank3"])
def test_bad_norms_fail_at_the_users_line(module, x, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as info:
        tsmlir.compile_module(module, [x])
    assert "test_reduction.py" in str(info.value)


# --- var_mean/std_mean, count_nonzero, integer dtype= results

class Moments(torch.nn.Module):
    def forward(self, x):
        return (torch.var_mean(x, 1), torch.std_mean(x, [0], keepdim=True),
                torch.var_mean(x, dim=[0, 1], correction=0), torch.std_mean(x, unbiased=False),
                torch.var_mean(x, -1, True, True), torch.std_mean(x))


@pytest.mark.parametrize("shape", [(4, 6), (1, 3), (5, 1)], ids=str)
def test_var_mean_std_mean(shape):
    check_against_eager(Moments(), [torch.randn(shape)], equal_nan=True)


class CountNonzero(torch.nn.Module):
    def forward(self, x, b):
        return (torch.count_nonzero(x), torch.count_nonzero(x, 1),
                torch.count_nonzero(x, dim=[0, 1]), torch.count_nonzero(x, -2),
                torch.count_nonzero(b, 0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int32, torch.int64])
def test_count_nonzero(dtype):
    x = torch.randint(-1, 2, (4, 5)).to(dtype)
    if dtype.is_floating_point:
        x[0, 0] = float("nan")  # NaN is nonzero
        x[1, 1] = -0.0
    b = torch.rand(4, 5) > 0.5
    check_against_eager(CountNonzero(), [x, b])


class NarrowDtypes(torch.nn.Module):
    def forward(self, x):
        return x.sum(1, dtype=torch.int32), x.prod(dtype=torch.int16), x.sum(dtype=torch.int64)


def test_integer_dtype_argument_gives_that_dtype():
    x = torch.randint(-3, 4, (3, 4), dtype=torch.int8)
    compiled = check_against_eager(NarrowDtypes(), [x])
    assert [r.dtype for r in compiled(x)] == [torch.int32, torch.int16, torch.int64]


class NanReductions(torch.nn.Module):
    def forward(self, x):
        return (torch.aminmax(x), torch.aminmax(x, dim=1, keepdim=True), torch.aminmax(x, dim=-2),
                torch.nansum(x), torch.nansum(x, 1, True),
                torch.nansum(x, [0], dtype=torch.float64),
                torch.nanmean(x), torch.nanmean(x, 1), torch.nanmean(x, 0, dtype=torch.float64))


def test_nan_reductions_and_aminmax():
    x = torch.randn(3, 4)
    x[0, 1] = float("nan")
    x[2] = float("nan")  # nanmean of only NaN is NaN
    check_against_eager(NanReductions(), [x], equal_nan=True)
    check_against_eager(NanReductions(), [torch.randn(5, 2)])


class IntegerNanReductions(torch.nn.Module):
    def forward(self, x):
        return torch.aminmax(x, dim=0), torch.nansum(x, 1), torch.nansum(x, dtype=torch.float32)


def test_integer_nansum_and_aminmax_are_exact():
    check_against_eager(IntegerNanReductions(), [torch.randint(-9, 9, (4, 6), dtype=torch.int32)])


class IntNanmean(torch.nn.Module):
    def forward(self, x):
        return torch.nanmean(x, 0, dtype=torch.float32)


def test_nanmean_of_integers_is_an_error():
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"nanmean\(\): expected a floating"):
        tsmlir.compile_module(IntNanmean(), [torch.arange(4)])


class Uint8Reductions(torch.nn.Module):
    def forward(self, x):
        values, indices = x.max(1)
        return (x.amax(1), x.amin(0), values, indices, x.argmin(1), torch.aminmax(x),
                torch.cummax(x, 1), torch.cummin(x, 0), torch.cumsum(x, 1), x.sum(0), x.prod(1))


def test_uint8_reductions_are_unsigned():
    """uint8 orders as unsigned (200 > 7): it is compared as zero-extended i32."""
    x = torch.tensor([[200, 3, 255, 0, 128, 7], [1, 129, 2, 250, 0, 5]], dtype=torch.uint8)
    compiled = check_against_eager(Uint8Reductions(), [x])
    assert compiled(x)[0].dtype == torch.uint8


class ScanBesideUnitDims(torch.nn.Module):
    def forward(self, x):
        return x.cumsum(1), x.cumprod(2), x.cumsum(-1)


@pytest.mark.parametrize("shape", [(1, 3, 1, 4), (1, 1, 5), (2, 1, 1)])
def test_scan_beside_unit_dims(shape):
    """Scans slice one step of the scanned dim: next to other unit dims the
    slice must stay where it is (no rank-reducing slice for the canonicalizer
    to misplace)."""
    check_against_eager(ScanBesideUnitDims(), [torch.randn(shape)])


class SplitFolds(torch.nn.Module):
    """Reductions over dims with a kept one between them."""

    def forward(self, x, i):
        return (x.sum((0, 2)), x.mean((0, 2), keepdim=True), x.amax((0, 2)), x.amin((1, 3)),
                (x > 1.5).any((0, 2)), i.sum((0, 2)), i.amax((1, 3)))


def test_folds_over_split_dims():
    """The trailing reduced dims fold first (a row reduction), the others
    fold the partial results: sums, means, extremes (NaN wins), any and
    integer sums (exactly), against eager; a dynamic leading dim."""
    x = torch.rand(3, 5, 4, 24) + 0.5
    x[1, 2, 0, 7] = float("nan")
    i = torch.randint(-2, 3, (3, 5, 4, 24))
    check_against_eager(SplitFolds(), [x, i], equal_nan=True)
    check_against_eager(SplitFolds(), [x, i], equal_nan=True,
                        input_specs=[TensorSpec((-1, 5, 4, 24)),
                                     TensorSpec((-1, 5, 4, 24), torch.int64)],
                        runs=[[x[:2].contiguous(), i[:2].contiguous()]])
