"""Sorting and selection against eager: sort/argsort/msort (stable, ties in
input order, NaN last ascending and first descending), topk, kthvalue and
median (NaN wins) over negative dims, keepdim, 0-d, size-1 and empty dims,
dynamic dims and every dtype; indices compare exactly.  PyTorch leaves the
tie order of topk/kthvalue/median unspecified, so their index checks use
distinct values and the tie cases check that the indices gather the values."""
import pytest
import torch

import tsmlir
from conftest import check_against_eager
from tsmlir import TensorSpec

NAN = float("nan")


class Sorts(torch.nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        values, indices = torch.sort(x, self.dim)
        down, where = torch.sort(x, dim=self.dim, descending=True, stable=True)
        return (values, indices, down, where, torch.argsort(x, self.dim, descending=True),
                torch.argsort(x, stable=True, dim=self.dim))


# (input shape, dim); small integer values make ties.
SORT_CASES = [((7,), 0), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((4, 1), 1), ((), 0),
              ((0, 3), 0), ((3, 0), -1)]


@pytest.mark.parametrize("shape,dim", SORT_CASES, ids=str)
def test_sort_is_stable(shape, dim):
    x = torch.randint(-2, 3, shape).float()
    check_against_eager(Sorts(dim), [x])


class SortDtypes(torch.nn.Module):
    def forward(self, a, b, c, d, e):
        return torch.sort(a, 1), torch.sort(b, 0, True), torch.sort(c, -1), \
            torch.sort(d, 1, descending=True), torch.msort(e)


def test_sort_every_dtype_exactly():
    a = torch.randint(-5, 5, (4, 9), dtype=torch.int32)
    a[0, :2] = torch.tensor([torch.iinfo(torch.int32).min, torch.iinfo(torch.int32).max])
    b = torch.randint(-2**40, 2**40, (6, 3))
    c = torch.rand(3, 8) > 0.5
    d = torch.randint(-3, 3, (2, 7)).to(torch.float64)
    e = torch.randint(-3, 3, (5, 2)).to(torch.float16)
    check_against_eager(SortDtypes(), [a, b, c, d, e])


class NanOrder(torch.nn.Module):
    def forward(self, x):
        distinct = x[:2]  # topk's tie order is unspecified
        return (torch.sort(x, 1), torch.sort(x, 1, descending=True), torch.topk(distinct, 2, 1),
                torch.topk(distinct, 2, 1, largest=False), torch.median(x, 1), torch.median(x),
                torch.kthvalue(distinct, 2, 1))


def test_nan_is_greatest_and_median_propagates_it():
    x = torch.tensor([[3.0, NAN, 1.0, NAN, 2.0], [0.5, -1.0, 4.0, -2.0, 7.0],
                      [NAN, NAN, NAN, NAN, NAN], [-0.0, 0.0, float("inf"), -float("inf"), 0.0]])
    check_against_eager(NanOrder(), [x], equal_nan=True)


class TopK(torch.nn.Module):
    def __init__(self, k: int, dim: int):
        super().__init__()
        self.k, self.dim = k, dim

    def forward(self, x):
        high, where = torch.topk(x, self.k, self.dim)
        return high, where, torch.topk(x, self.k, dim=self.dim, largest=False, sorted=True)


# (input shape, k, dim)
TOPK_CASES = [((10,), 3, 0), ((4, 6), 6, 1), ((5, 3), 2, -2), ((5, 3), 0, 0), ((), 1, 0),
              ((3, 1, 4), 1, 1)]


@pytest.mark.parametrize("shape,k,dim", TOPK_CASES, ids=str)
def test_topk(shape, k, dim):
    x = torch.randperm(max(1, torch.Size(shape).numel())).float().reshape(shape)
    check_against_eager(TopK(k, dim), [x])


class Selected(torch.nn.Module):
    def __init__(self, k: int, dim: int, keepdim: bool):
        super().__init__()
        self.k, self.dim, self.keepdim = k, dim, keepdim

    def forward(self, x):
        values, indices = torch.kthvalue(x, self.k, self.dim, self.keepdim)
        middle, where = torch.median(x, self.dim, keepdim=self.keepdim)
        return values, indices, middle, where, torch.median(x)


# (input shape, k, dim); even sizes take the lower median.
SELECT_CASES = [((7,), 3, 0), ((4, 6), 1, -1), ((6, 5), 6, 0), ((2, 3, 4), 2, 1), ((), 1, 0),
                ((5, 1), 1, 1)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("shape,k,dim", SELECT_CASES, ids=str)
def test_kthvalue_and_median(shape, k, dim, keepdim):
    x = torch.randperm(torch.Size(shape).numel()).float().reshape(shape)
    check_against_eager(Selected(k, dim, keepdim), [x])


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.float64])
def test_selection_with_ties_gathers_its_values(dtype):
    x = torch.randint(-2, 3, (5, 8)).to(dtype)
    compiled = tsmlir.compile_module(Selected(3, 1, True), [x])
    got, expected = compiled(x), Selected(3, 1, True)(x)
    for values, indices, want in ((got[0], got[1], expected[0]), (got[2], got[3], expected[2])):
        torch.testing.assert_close(values, want)
        torch.testing.assert_close(x.gather(1, indices), values)
    torch.testing.assert_close(got[4], expected[4])
    topk = tsmlir.compile_module(TopK(4, 1), [x])(x)
    torch.testing.assert_close(topk[0], torch.topk(x, 4, 1)[0])
    torch.testing.assert_close(x.gather(1, topk[1]), topk[0])


class DynamicSorts(torch.nn.Module):
    def forward(self, x):
        return (torch.sort(x, 0), torch.sort(x, -1, descending=True), torch.topk(x, 2, 0),
                torch.topk(x, 3, 1, largest=False), torch.kthvalue(x, 2, 0), torch.median(x, 0),
                torch.median(x, 1, keepdim=True), torch.median(x))


def test_dynamic_dims():
    runs = [[torch.randperm(n * 6).float().reshape(n, 6)] for n in (2, 3, 9)]
    check_against_eager(DynamicSorts(), runs[0], input_specs=[TensorSpec((-1, 6))], runs=runs[1:])


def test_topk_larger_than_a_dynamic_dim_is_a_run_time_error():
    compiled = tsmlir.compile_module(TopK(3, 0), input_specs=[TensorSpec((-1,))])
    torch.testing.assert_close(compiled(torch.arange(5.0))[0], torch.tensor([4.0, 3.0, 2.0]))
    with pytest.raises(tsmlir.RuntimeCheckError, match=r"tsm.topk: k=3 is out of range"):
        compiled(torch.arange(2.0))


class Median(torch.nn.Module):
    def forward(self, x):
        return torch.median(x, 0)


def test_empty_dynamic_dims_are_run_time_errors():
    median = tsmlir.compile_module(Median(), input_specs=[TensorSpec((-1, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="tsm.median: expected a non-empty dim"):
        median(torch.zeros(0, 2))
    kth = tsmlir.compile_module(Selected(1, 0, False), input_specs=[TensorSpec((-1, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="tsm.kthvalue: k=1 is out of range"):
        kth(torch.zeros(0, 2))


class KFromSize(torch.nn.Module):
    def forward(self, x):
        return torch.topk(x, x.size(0) // 2, 0)


@pytest.mark.parametrize("module,shape,message", [
    (TopK(4, 0), (3,), r"selected index k=4 out of range for a dim of size 3"),
    (TopK(2, 2), (3, 4), r"dimension 2 out of range for rank 2"),
    (Selected(0, 0, False), (3,), r"k=0 out of range for a dim of size 3"),
    (Median(), (0, 3), r"expected reduction dim 0 to have non-zero size"),
], ids=["topk_k", "topk_dim", "kthvalue_k", "median_empty"])
def test_bad_arguments_fail_at_the_users_line(module, shape, message):
    with pytest.raises(tsmlir.TorchScriptImportError, match=message) as info:
        tsmlir.compile_module(module, [torch.zeros(shape)])
    assert "test_sort.py" in str(info.value)


def test_k_must_be_known_at_compile_time():
    with pytest.raises(tsmlir.TorchScriptImportError, match="k must be an int known at compile"):
        tsmlir.compile_module(KFromSize(), input_specs=[TensorSpec((-1,))])


class NanMedian(torch.nn.Module):
    def forward(self, x):
        return torch.nanmedian(x, 1), torch.nanmedian(x, 0, keepdim=True), torch.nanmedian(x)


def test_nanmedian_ignores_nan():
    x = torch.tensor([[NAN, -1.0, NAN, NAN], [1.0, NAN, 3.0, 0.0], [2.0, 1.0, 5.0, 7.0],
                      [NAN, 4.0, NAN, 2.0]])
    check_against_eager(NanMedian(), [x], equal_nan=True)
    runs = [[torch.randperm(n * 3).double().reshape(n, 3)] for n in (1, 4)]
    check_against_eager(NanMedian(), runs[0], input_specs=[TensorSpec((-1, 3), torch.float64)],
                        runs=runs[1:])


def test_nanmedian_of_only_nan_is_nan():
    x = torch.tensor([[NAN, NAN, NAN], [1.0, NAN, 2.0]])
    values, _ = tsmlir.compile_module(NanMedian(), [x])(x)[0]
    torch.testing.assert_close(values, torch.tensor([NAN, 1.0]), equal_nan=True)


def test_nanmedian_of_integers_is_the_median():
    x = torch.randperm(20).reshape(4, 5)
    check_against_eager(NanMedian(), [x])


class LongSorts(torch.nn.Module):
    def forward(self, x, i, b):
        return (torch.sort(x, stable=True, dim=1),
                torch.sort(x, stable=True, dim=0, descending=True),
                torch.argsort(i, stable=True, dim=-1, descending=True),
                torch.sort(b, stable=True, dim=1), torch.sort(i, stable=True, dim=0))


def test_long_dims_sort_stably():
    """Dims past the insertion limit (and dynamic ones) radix sort."""
    x = torch.randint(-5, 5, (37, 100)).float()
    x[3, ::7] = NAN
    x[5, ::3] = float("inf")
    x[::5, 4] = NAN
    i = torch.randint(-3, 3, (37, 100))
    b = torch.rand(37, 100) > 0.5
    check_against_eager(LongSorts(), [x, i, b], equal_nan=True)
    specs = [TensorSpec((-1, -1)), TensorSpec((-1, 100), torch.int64),
             TensorSpec((37, -1), torch.bool)]
    runs = [[x[:n, :m].contiguous(), i[:n], b[:, :m].contiguous()]
            for n, m in ((1, 1), (0, 0), (33, 33), (2, 65))]
    check_against_eager(LongSorts(), [x, i, b], input_specs=specs, runs=runs, equal_nan=True)


def test_long_default_sort_of_distinct_values():
    # PyTorch's default (unstable) sort orders long ties its own way: distinct values
    x = torch.randperm(3 * 200).float().reshape(3, 200)
    check_against_eager(Sorts(1), [x])
    check_against_eager(Sorts(0), [x.t().contiguous()])


class LongSelections(torch.nn.Module):
    def forward(self, x):
        return (torch.kthvalue(x, 17, 1), torch.median(x, 1), torch.nanmedian(x, -1, True),
                torch.median(x), torch.kthvalue(x, 2, 0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.int64])
def test_long_dims_select_from_the_sorted_slices(dtype):
    x = torch.randperm(4 * 101).reshape(4, 101).to(dtype)
    if dtype.is_floating_point:
        x[1, 7] = x[1, 50] = x[2, 3] = NAN  # median: NaN at its first position
        x[3, :60] = NAN  # nanmedian of the other 41; kthvalue 17 still a number
    check_against_eager(LongSelections(), [x], equal_nan=True)
    runs = [[x[:n].contiguous()] for n in (2, 3)]
    check_against_eager(LongSelections(), [x], input_specs=[TensorSpec((-1, 101), dtype)],
                        runs=runs, equal_nan=True)


class LargeK(torch.nn.Module):
    def forward(self, x):
        return torch.topk(x, 70, 1), torch.topk(x, 17, 0, largest=False)


def test_topk_with_a_large_k_takes_the_first_k_of_the_sorted_slices():
    x = torch.randperm(30 * 80).float().reshape(30, 80)
    x[2, 5] = NAN
    check_against_eager(LargeK(), [x], equal_nan=True)
    check_against_eager(LargeK(), [x], input_specs=[TensorSpec((-1, -1))],
                        runs=[[x[:17, :75].contiguous()]], equal_nan=True)


class TopKs(torch.nn.Module):
    def forward(self, x):
        return (torch.topk(x, 10, -1), torch.topk(x, 5, -1, largest=False), torch.topk(x, 1, -1),
                torch.topk(x, 3, 0))


@pytest.mark.parametrize("order", ["random", "ascending", "descending", "nans", "ties"])
def test_topk_by_insertion(order):
    """One pass per slice keeping the best k: typical, worst-case (every
    element taken and shifted) and best-case orders, NaNs (greatest) and
    ties (equal values in any order: each index must hold its value)."""
    x = torch.randn(37, 300)
    if order == "ascending":
        x = x.sort(-1).values
    elif order == "descending":
        x = x.sort(-1, descending=True).values
    elif order == "nans":
        x[::3, ::7] = NAN
    elif order == "ties":
        x = torch.randint(-3, 4, (37, 300)).float()
    model = TopKs()
    got, want = tsmlir.compile_module(model, [x])(x), model(x)
    for (gv, gi), (wv, wi) in zip(got, want):
        torch.testing.assert_close(gv, wv, equal_nan=True)
        torch.testing.assert_close(x.gather(-1 if gi.shape[0] == 37 else 0, gi), gv, equal_nan=True)
        if order not in ("ties", "nans"):  # the order of equal values (NaNs) is unspecified
            torch.testing.assert_close(gi, wi)


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.uint8])
def test_topk_by_insertion_other_dtypes(dtype):
    x = torch.randint(0, 200, (9, 50)).to(dtype)
    compiled = tsmlir.compile_module(TopK(7, 1), [x])
    got = compiled(x)
    torch.testing.assert_close(got[0], torch.topk(x, 7, 1)[0])
    torch.testing.assert_close(x.gather(1, got[1]), got[0])
    torch.testing.assert_close(got[2][0], torch.topk(x, 7, 1, largest=False)[0])


class Searches(torch.nn.Module):
    def forward(self, b, x, s, v, i):
        return (torch.bucketize(x, b), torch.bucketize(x, b, right=True), torch.searchsorted(b, x),
                torch.searchsorted(b, x, side="right"), torch.searchsorted(s, v),
                torch.searchsorted(s, v, right=True, out_int32=True), torch.bucketize(i, b),
                torch.bucketize(2.0, b), torch.searchsorted(b, x[0]))


def test_searchsorted_and_bucketize():
    b = torch.tensor([1.0, 2.0, 2.0, 3.0])
    x = torch.tensor([NAN, 0.0, 2.0, 2.5, 3.0, 9.0])  # NaN goes past every boundary
    s = torch.tensor([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    v = torch.tensor([[3.0, 6.0, NAN, 0.0], [1.0, 7.0, 4.0, 4.0]])
    i = torch.tensor([[1, 2], [3, 0]])  # promoted to float against the boundaries
    compiled = check_against_eager(Searches(), [b, x, s, v, i])
    assert compiled(b, x, s, v, i)[5].dtype == torch.int32
    specs = [TensorSpec((-1,)), TensorSpec((-1,)), TensorSpec((-1, -1)), TensorSpec((-1, -1)),
             TensorSpec((2, -1), torch.int64)]
    check_against_eager(Searches(), [b, x, s, v, i], input_specs=specs,
                        runs=[[b[:1], x[1:], s[:1], v[:1], i[:, :1].contiguous()]])


class NanRows(torch.nn.Module):
    def forward(self, s, v):
        return (torch.searchsorted(s, v), torch.searchsorted(s, v, right=True),
                torch.bucketize(v, s[0]))


def test_searchsorted_follows_pytorchs_binary_search_through_nan():
    """NaN sorts last, yet the search compares it as passed: step for step PyTorch's."""
    s = torch.sort(torch.randn(4, 9), 1)[0]
    s[:, -3:] = NAN
    s[0] = torch.tensor([1.0, NAN, 2.0, 0.0, 5.0, NAN, 7.0, 3.0, 9.0])  # not even sorted
    v = torch.cat([torch.randn(4, 6) * 2, torch.full((4, 1), NAN)], 1)
    check_against_eager(NanRows(), [s, v])


class IntSearch(torch.nn.Module):
    def forward(self, s, v):
        return torch.searchsorted(s, v), torch.bucketize(v, s[0], right=True)


def test_integer_searchsorted_is_exact():
    s = torch.sort(torch.randint(-9, 9, (3, 20)), 1)[0]
    check_against_eager(IntSearch(), [s, torch.randint(-10, 10, (3, 7))])


class Sorter(torch.nn.Module):
    def forward(self, s, v):
        return torch.searchsorted(s, v, sorter=torch.argsort(s))


class Side(torch.nn.Module):
    def forward(self, s, v):
        return torch.searchsorted(s, v, right=True, side="left")


class Rows(torch.nn.Module):
    def forward(self, s, v):
        return torch.searchsorted(s, v)


def test_searchsorted_errors_at_the_users_line():
    s = torch.arange(6.0).reshape(2, 3)
    with pytest.raises(tsmlir.TorchScriptImportError, match="sorter= is not supported"):
        tsmlir.compile_module(Sorter(), [s[0], torch.zeros(2)])
    with pytest.raises(tsmlir.TorchScriptImportError, match="side must be 'left' or 'right'"):
        tsmlir.compile_module(Side(), [s[0], torch.zeros(2)])
    with pytest.raises(tsmlir.TorchScriptImportError, match="leading dims .* differ") as info:
        tsmlir.compile_module(Rows(), [s, torch.zeros(3, 2)])
    assert "test_sort.py" in str(info.value)
    compiled = tsmlir.compile_module(Rows(), input_specs=[TensorSpec((-1, 3)), TensorSpec((-1, 2))])
    with pytest.raises(tsmlir.RuntimeCheckError, match="sorted sequence and the values differ"):
        compiled(s, torch.zeros(3, 2))


class Uint8(torch.nn.Module):
    def forward(self, x):
        return (torch.sort(x, 1), torch.sort(x.repeat(1, 8), stable=True, dim=1, descending=True),
                torch.topk(x, 2, 1), torch.median(x, 1), torch.nanmedian(x, 0),
                torch.searchsorted(torch.sort(x, 1)[0], x, right=True), torch.kthvalue(x, 1, 1))


def test_uint8_orders_unsigned():
    """uint8 compares as unsigned (200 > 7): widened to i32 and back."""
    x = torch.tensor([[200, 3, 255, 0, 128, 7], [1, 129, 2, 250, 0, 5]], dtype=torch.uint8)
    compiled = check_against_eager(Uint8(), [x])
    assert compiled(x)[0][0].dtype == torch.uint8


class SortAndKeep(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.randperm(300).float())

    def forward(self, x):
        return torch.sort(x, -1)[0], torch.sort(self.table, descending=True)[0], x


def test_sort_leaves_its_input_and_constants_alone():
    """The slices are sorted in buffers of their own, not in the caller's
    tensor or a constant."""
    x = torch.randn(3, 500)
    before = x.clone()
    model = SortAndKeep()
    compiled = tsmlir.compile_module(model, [x])
    for _ in range(2):  # a constant sorted in place would differ on the second call
        got = compiled(x)
        torch.testing.assert_close(got[0], torch.sort(before, -1)[0])
        torch.testing.assert_close(got[1], torch.sort(model.table, descending=True)[0])
        torch.testing.assert_close(x, before)
        torch.testing.assert_close(got[2], before)


class SortInts(torch.nn.Module):
    def forward(self, x):
        return (torch.sort(x, stable=True, dim=-1),
                torch.sort(x, stable=True, dim=-1, descending=True))


@pytest.mark.parametrize("n", [2, 48, 49, 255, 256, 257, 4100])
def test_sort_lengths_around_insertion_and_buckets(n):
    """int64 keys (keys and positions in two arrays) and float keys (packed
    with their positions), lengths at and past the insertion limit (48)
    and around a digit's 256 buckets."""
    for x in (torch.randint(-50, 50, (2, n)), torch.randn(2, n)):
        check_against_eager(SortInts(), [x])


@pytest.mark.parametrize("dim", [1, 0])
def test_topk_chunks_shared_among_threads(dim, tmp_path):
    """With 2 threads each takes a chunk of the first other dim (an
    scf.forall); the results are those of one thread."""
    x = torch.randn(300, 280)
    x[::5, ::3] = NAN
    model = TopK(9, dim)
    compiled = tsmlir.compile_module(model, [x], threads=2, dump_dir=str(tmp_path))
    got, want = compiled(x), model(x)
    torch.testing.assert_close(got[0], want[0], equal_nan=True)
    torch.testing.assert_close(x.gather(dim, got[1]), got[0], equal_nan=True)
    torch.testing.assert_close(got[2][0], want[2][0], equal_nan=True)
    assert "scf.forall" in next(tmp_path.glob("1-*.mlir")).read_text()


@pytest.mark.parametrize("shape", [(301, 280), (3, 4000), (2, 5, 500)], ids=str)
def test_sort_chunks_shared_among_threads(shape, tmp_path):
    """With 2 threads each sorts a chunk of the slices (along the first
    other dim: chunks of 151 and 150 rows, of 2 and 1), with its own
    scratch buffers; stable order, NaN last, as on one thread."""
    x = torch.randint(-40, 40, shape).float()
    x[..., ::7] = NAN
    model = SortInts()
    compiled = tsmlir.compile_module(model, [x], threads=2, dump_dir=str(tmp_path))
    for got, want in zip(compiled(x), model(x)):
        torch.testing.assert_close(got[0], want[0], equal_nan=True)
        assert torch.equal(got[1], want[1])
    assert "scf.forall" in next(tmp_path.glob("1-*.mlir")).read_text()


class BothWays(torch.nn.Module):
    def forward(self, x):
        return (torch.sort(x, stable=True, dim=-1),
                torch.sort(x, stable=True, dim=-1, descending=True))


def _float_specials(dtype):
    info = torch.finfo(dtype)
    return torch.tensor([0.0, -0.0, float("inf"), -float("inf"), NAN, -NAN, info.max, -info.max,
                         info.tiny, -info.tiny, info.smallest_normal / 4, 1.0, -1.0, 1.0, 2.5,
                         -2.5], dtype=dtype)


@pytest.mark.parametrize("n", [20, 300], ids=["insertion", "radix"])
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64])
def test_sort_keys_order_special_floats(dtype, n):
    """Every float dtype's keys order infinities, NaNs of either sign
    (greatest, ties by position), subnormals and signed zeros (-0.0 ties
    +0.0) as eager's stable sort; -0.0 comes back as it went in."""
    torch.manual_seed(n)
    specials = _float_specials(dtype)
    x = specials[torch.randint(len(specials), (3, n))]
    compiled = tsmlir.compile_module(BothWays(), [x])
    for (values, indices), (want, want_indices) in zip(compiled(x), BothWays()(x)):
        assert torch.equal(indices, want_indices)
        assert torch.equal(values.isnan(), want.isnan())
        assert torch.equal(values[~values.isnan()], want[~want.isnan()])
        numbers = ~values.isnan()
        assert torch.equal(values.signbit()[numbers], x.gather(-1, indices).signbit()[numbers])


@pytest.mark.parametrize("n", [20, 300], ids=["insertion", "radix"])
@pytest.mark.parametrize("dtype", [torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
                                   torch.bool])
def test_sort_keys_order_integers_to_their_limits(dtype, n):
    """Integer keys (the sign bit flipped; bool and uint8 zero-extended)
    from each dtype's minimum to its maximum, with ties."""
    torch.manual_seed(n)
    if dtype == torch.bool:
        x = torch.rand(3, n) > 0.5
    else:
        info = torch.iinfo(dtype)
        x = torch.randint(info.min, info.max, (3, n), dtype=dtype)
        x[:, ::5] = torch.tensor([info.min, info.max, 0, -1 if info.min else 1, 1],
                                 dtype=dtype)[torch.randint(5, (n // 5 + (n % 5 > 0),))]
    check_against_eager(BothWays(), [x])


def test_sort_digits_every_item_shares_are_copies():
    """Small integers share their keys' high bytes, floats of one binade
    their exponent, a constant slice every digit: those digits' passes are
    copies, which must keep the items where the last pass left them."""
    small = torch.randint(0, 100, (4, 500), dtype=torch.int32)
    small[2] = 7
    binade = 1.0 + torch.rand(4, 500)
    binade[1] = 1.5
    check_against_eager(BothWays(), [small])
    check_against_eager(BothWays(), [binade])
