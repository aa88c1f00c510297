"""The JIT call path (tsmlir/runtime/jit.py): arguments checked and written
into reused descriptors, results copied (small) or adopted (large).

Pins: repeated calls give fresh, correct results that alias neither each
other's storage across calls nor the arguments; dynamic sizes (empty, 1,
odd, beyond the copy limit) on one compiled function; constants returned
stay intact; bad arguments raise the same messages on the fast path; a
tensor subclass (Parameter) takes the full check and still runs.
"""
import threading

import pytest
import torch

import tsmlir
from tsmlir import ScalarSpec, TensorSpec
from tsmlir.runtime import memref


class Affine(torch.nn.Module):
    """Two results from one input: a new buffer and a reduction."""

    def forward(self, x):
        y = x * 2.0 + 1.0
        return y, y.sum()


class IntAffine(torch.nn.Module):
    def forward(self, x):
        y = x * 2 + 1
        return y, y.sum()


class Passthrough(torch.nn.Module):
    """Results that the compiled code may return as its argument's buffer
    (identity), a view of it (transpose) or a constant (buffer)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.arange(6.0).reshape(2, 3))

    def forward(self, x):
        return x, x.t(), self.table


class Scaled(torch.nn.Module):
    def forward(self, x, n: int):
        return x * n, x + 1


@pytest.fixture(scope="module")
def affine_dyn():
    return tsmlir.compile_module(Affine(), input_specs=[TensorSpec((-1,))])


def test_repeated_calls_give_fresh_results(affine_dyn):
    x = torch.arange(5.0)
    first, total = affine_dyn(x)
    second, _ = affine_dyn(x + 10.0)
    assert first.data_ptr() != second.data_ptr()
    torch.testing.assert_close(first, x * 2.0 + 1.0)  # untouched by the second call
    torch.testing.assert_close(total, (x * 2.0 + 1.0).sum())
    torch.testing.assert_close(second, (x + 10.0) * 2.0 + 1.0)
    first.add_(100.0)  # results are the caller's to mutate
    torch.testing.assert_close(affine_dyn(x)[0], x * 2.0 + 1.0)


@pytest.mark.parametrize("n", [0, 1, 7, 3 * memref.COPY_LIMIT // 4 + 1])
def test_dynamic_sizes_on_one_function(affine_dyn, n):
    """Sizes below and above the copy limit (the last one is adopted)."""
    x = torch.randn(n)
    for _ in range(3):
        y, total = affine_dyn(x)
        assert y.shape == (n,) and y.is_contiguous()
        torch.testing.assert_close(y, x * 2.0 + 1.0)
        torch.testing.assert_close(total, (x * 2.0 + 1.0).sum(), rtol=1e-4, atol=1e-3)


def test_large_adopted_results_outlive_later_calls(affine_dyn):
    n = memref.COPY_LIMIT  # 4 bytes each: adopted, not copied
    xs = [torch.full((n,), float(i)) for i in range(3)]
    ys = [affine_dyn(x)[0] for x in xs]
    for i, y in enumerate(ys):
        torch.testing.assert_close(y, torch.full((n,), 2.0 * i + 1.0))


def test_static_shapes_and_integer_dtypes():
    compiled = tsmlir.compile_module(IntAffine(), [torch.zeros(3, 1, dtype=torch.int64)])
    for _ in range(2):
        x = torch.tensor([[4], [-7], [0]])
        y, total = compiled(x)
        assert torch.equal(y, x * 2 + 1) and y.dtype == torch.int64
        assert torch.equal(total, (x * 2 + 1).sum())


def test_zero_dim_input():
    compiled = tsmlir.compile_module(Affine(), [torch.tensor(1.5, dtype=torch.float64)])
    y, total = compiled(torch.tensor(-2.0, dtype=torch.float64))
    assert y.shape == () and torch.equal(y, torch.tensor(-3.0, dtype=torch.float64))
    assert torch.equal(total, y)


@pytest.mark.parametrize("specs", [None, [TensorSpec((-1, -1))]], ids=["static", "dynamic"])
def test_results_never_alias_arguments_or_constants(specs):
    module = Passthrough()
    x = torch.arange(6.0).reshape(2, 3)
    compiled = tsmlir.compile_module(module, [x]) if specs is None else \
        tsmlir.compile_module(module, input_specs=specs)
    same, transposed, table = compiled(x)
    torch.testing.assert_close(same, x)
    torch.testing.assert_close(transposed, x.t())
    torch.testing.assert_close(table, module.table)
    for r in (same, transposed, table):
        assert r.data_ptr() != x.data_ptr()
        r.mul_(0.0)
    torch.testing.assert_close(x, torch.arange(6.0).reshape(2, 3))
    again = compiled(x)  # the compiled constant was not overwritten
    torch.testing.assert_close(again[2], module.table)


def test_scalar_arguments():
    compiled = tsmlir.compile_module(
        Scaled(), input_specs=[TensorSpec((2,)), ScalarSpec(int)])
    x = torch.tensor([1.0, -2.0])
    for n in (3, 0, -5):
        product, plus = compiled(x, n)
        torch.testing.assert_close(product, x * n)
        torch.testing.assert_close(plus, x + 1)
    with pytest.raises(tsmlir.InputError, match=r"argument 1: expected a Python int, got float"):
        compiled(x, 2.5)


@pytest.mark.parametrize("args, message", [
    ((), r"forward\(\) takes 1 argument\(s\), got 0"),
    ((torch.zeros(2), torch.zeros(2)), r"takes 1 argument\(s\), got 2"),
    ((3.0,), r"argument 0: expected a torch.Tensor, got float"),
    ((torch.zeros(2, dtype=torch.float64),), r"expected dtype torch.float32, got torch.float64"),
    ((torch.zeros(2, 2),), r"expected rank 1 \(shape TensorSpec"),
    ((torch.zeros(4, 2)[:, 0],), r"expected a contiguous tensor"),
    ((torch.zeros(2, device="meta"),), r"expected a CPU tensor, got device meta"),
])
def test_bad_arguments_keep_their_messages(affine_dyn, args, message):
    with pytest.raises(tsmlir.InputError, match=message):
        affine_dyn(*args)
    torch.testing.assert_close(affine_dyn(torch.ones(2))[0], torch.full((2,), 3.0))


def test_static_dim_mismatch_message():
    compiled = tsmlir.compile_module(Affine(), [torch.zeros(2, 3)])
    with pytest.raises(tsmlir.InputError,
                       match=r"argument 0: dim 1 must be 3 .* got shape \(2, 4\)"):
        compiled(torch.zeros(2, 4))


def test_requires_grad_and_parameters(affine_dyn):
    w = torch.nn.Parameter(torch.arange(3.0))
    with pytest.raises(tsmlir.InputError, match="requiring grad"):
        affine_dyn(w)
    with torch.no_grad():  # a tensor subclass passes the full check and runs
        torch.testing.assert_close(affine_dyn(w)[0], torch.arange(3.0) * 2.0 + 1.0)


def test_run_time_parameters_follow_load_state_dict():
    lin = torch.nn.Linear(3, 2).eval()
    compiled = tsmlir.compile_module(lin, [torch.zeros(1, 3)], freeze=False)
    x = torch.randn(1, 3)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), lin(x))
        compiled.load_state_dict({"weight": torch.ones(2, 3), "bias": torch.zeros(2)})
        torch.testing.assert_close(compiled(x), x.sum(1, keepdim=True).expand(1, 2))


def test_concurrent_calls(affine_dyn):
    """The descriptors are shared by calls: a lock keeps threads apart."""
    failures = []

    def worker(i):
        x = torch.full((i + 1,), float(i))
        for _ in range(200):
            if not torch.equal(affine_dyn(x)[0], x * 2.0 + 1.0):
                failures.append(i)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


class BigIntermediates(torch.nn.Module):
    """Intermediate buffers of 4 MB each, several alive at once, freed inside every call."""

    def forward(self, x):
        a = torch.softmax(x, dim=1)
        b = torch.softmax(a * 2.0, dim=0)
        c = torch.softmax(a + b, dim=1)
        d = torch.softmax(c - b, dim=0)
        return (a * b + c * d).sum()


def test_calls_reuse_freed_memory_without_page_faults():
    """The C allocator keeps freed buffers (runtime.native_libs.keep_freed_memory):
    calls after the first fault (almost) no pages in, where glibc's defaults
    returned the freed heap top to the kernel and faulted it in again (about
    4,000 faults per call)."""
    import resource
    x = torch.randn(1024, 1024)
    compiled = tsmlir.compile_module(BigIntermediates(), [x], threads=1)
    torch.testing.assert_close(compiled(x), BigIntermediates()(x), rtol=1e-3, atol=1e-2)
    for _ in range(3):
        compiled(x)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        compiled(x)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    assert faults < 200, f"{faults} page faults in 5 calls"


class SharedResult(torch.nn.Module):
    """One buffer returned twice, and a result that keeps a size-1 dim."""

    def forward(self, x):
        y = x * 3.0
        return y, y, (x - 1.0).sum(1, keepdim=True)


@pytest.fixture(scope="module")
def affine_static():
    return tsmlir.compile_module(Affine(), [torch.zeros(3, 5)])


def test_tensor_functions_take_the_fast_call(affine_static, affine_dyn):
    """runtime/fast_call.py serves tensor signatures; results are copied by
    compiled code where their shapes are static."""
    from tsmlir.runtime.fast_call import WRAPPER_PREFIX
    for compiled, wrapped in ((affine_static, True), (affine_dyn, False)):
        fn = compiled.functions["forward"]
        assert fn._fast is not None
        assert bool(fn.engine.raw_lookup(WRAPPER_PREFIX + "forward")) == wrapped
    scaled = tsmlir.compile_module(Scaled(), input_specs=[TensorSpec((2,)), ScalarSpec(int)])
    assert scaled.functions["forward"]._fast is None


def test_fast_call_results_are_fresh(affine_static):
    x = torch.randn(3, 5)
    first, total = affine_static(x)
    second, _ = affine_static(x + 1.0)
    assert first.data_ptr() != second.data_ptr() and first.data_ptr() != x.data_ptr()
    torch.testing.assert_close(first, x * 2.0 + 1.0)
    torch.testing.assert_close(total, (x * 2.0 + 1.0).sum())
    torch.testing.assert_close(second, (x + 1.0) * 2.0 + 1.0)
    assert first.is_contiguous() and first.shape == (3, 5) and total.shape == ()
    first.zero_()  # the next call's result is not this buffer
    torch.testing.assert_close(affine_static(x)[0], x * 2.0 + 1.0)


@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (1, 9), (5, 13)])
def test_fast_call_one_buffer_returned_twice(shape):
    """The second result repeats the first's buffer: the general path takes
    both (not two copies and two frees of one buffer)."""
    compiled = tsmlir.compile_module(SharedResult(), [torch.zeros(*shape)])
    assert compiled.functions["forward"]._fast is not None
    for _ in range(3):
        x = torch.randn(*shape)
        a, b, s = compiled(x)
        torch.testing.assert_close(a, x * 3.0)
        torch.testing.assert_close(b, x * 3.0)
        torch.testing.assert_close(s, (x - 1.0).sum(1, keepdim=True))


@pytest.mark.parametrize("args, message", [
    ((), r"forward\(\) takes 1 argument\(s\), got 0"),
    ((torch.zeros(3, 5), torch.zeros(3, 5)), r"takes 1 argument\(s\), got 2"),
    ((3.0,), r"argument 0: expected a torch.Tensor, got float"),
    ((torch.zeros(3, 5, dtype=torch.float64),), r"expected dtype torch.float32, got torch.float64"),
    ((torch.zeros(3, 6),), r"argument 0: dim 1 must be 5"),
    ((torch.zeros(5, 3).t(),), r"expected a contiguous tensor"),
    ((torch.zeros(3, 5, device="meta"),), r"expected a CPU tensor, got device meta"),
    ((torch.zeros(3, 5, requires_grad=True),), r"requiring grad"),
])
def test_fast_call_bad_arguments_keep_their_messages(affine_static, args, message):
    with pytest.raises(tsmlir.InputError, match=message):
        affine_static(*args)
    torch.testing.assert_close(affine_static(torch.ones(3, 5))[0], torch.full((3, 5), 3.0))


def test_fast_call_keyword_argument(affine_static):
    x = torch.randn(3, 5)
    torch.testing.assert_close(affine_static(x=x)[0], x * 2.0 + 1.0)


class RaiseWhenBig(torch.nn.Module):
    def forward(self, x):
        y = x * 2.0
        if x.sum() > 100.0:
            raise ValueError("too big")
        return y


def test_fast_call_copies_in_compiled_code_without_run_time_checks(affine_static):
    """Without run-time checks the results are copied by `_tsm_fast_forward`;
    with them (poison results on failure) the copy stays in Python."""
    from tsmlir.runtime.fast_call import WRAPPER_PREFIX
    assert affine_static.functions["forward"].engine.raw_lookup(WRAPPER_PREFIX + "forward")
    checked = tsmlir.compile_module(RaiseWhenBig(), [torch.zeros(2, 3)])
    fn = checked.functions["forward"]
    assert fn._fast is not None and not fn.engine.raw_lookup(WRAPPER_PREFIX + "forward")
    for _ in range(2):
        with pytest.raises(ValueError, match="too big"):
            checked(torch.full((2, 3), 50.0))
        x = torch.randn(2, 3)
        torch.testing.assert_close(checked(x), x * 2.0)


class RowScale(torch.nn.Module):
    """A dynamic result and a static one from one dynamic argument."""

    def forward(self, x):
        return x * 2.0 - 1.0, x.sum()


@pytest.mark.parametrize("shape", [(0, 3), (1, 3), (5, 3), (1, 1)])
def test_fast_call_dynamic_dims(shape):
    compiled = tsmlir.compile_module(RowScale(), input_specs=[TensorSpec((-1, -1))])
    assert compiled.functions["forward"]._fast is not None
    for _ in range(2):
        x = torch.randn(*shape)
        y, total = compiled(x)
        assert y.shape == shape and y.is_contiguous()
        assert x.numel() == 0 or y.data_ptr() != x.data_ptr()
        torch.testing.assert_close(y, x * 2.0 - 1.0)
        torch.testing.assert_close(total, x.sum())
    with pytest.raises(tsmlir.InputError, match=r"expected rank 2"):
        compiled(torch.zeros(3))


class Scale(torch.nn.Module):
    def forward(self, x):
        return x * 0.5


def test_fast_call_adopts_big_static_results():
    """A static result over COPY_LIMIT is adopted without a copy: it outlives
    later calls and the compiled module, and each call's is its own."""
    import gc
    shape = (3, memref.COPY_LIMIT // 4 // 3 + 7)  # > COPY_LIMIT bytes, odd sizes
    compiled = tsmlir.compile_module(Scale(), [torch.zeros(shape)])
    assert compiled.functions["forward"]._fast is not None
    xs = [torch.randn(shape) for _ in range(3)]
    ys = [compiled(x) for x in xs]
    assert len({y.data_ptr() for y in ys}) == 3
    ys[0].fill_(7.0)
    del compiled
    gc.collect()
    for x, y in zip(xs[1:], ys[1:]):
        assert y.shape == shape and y.is_contiguous()
        torch.testing.assert_close(y, x * 0.5)
    assert bool((ys[0] == 7.0).all())


def _assert_adopted_results_freed(compiled, x):
    """60 calls of a 4 MB result do not hold 240 MB: each adopted buffer is
    freed with its tensor."""
    import resource
    for _ in range(3):
        compiled(x)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(60):
        y = compiled(x)
    del y
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 60, f"max RSS grew by {grown_mb:.0f} MB"


def test_fast_call_frees_adopted_results():
    x = torch.randn(1024, 1024)
    _assert_adopted_results_freed(tsmlir.compile_module(Scale(), [x]), x)


class BigMixed(torch.nn.Module):
    """A big result returned twice, a small one, and the argument itself."""

    def forward(self, x):
        y = x * 0.5
        return y, x[0] + 1.0, y, x


def test_fast_call_big_results_shared_or_aliased():
    shape = (2, memref.COPY_LIMIT // 4 // 2 + 5)
    compiled = tsmlir.compile_module(BigMixed(), [torch.zeros(shape)])
    for _ in range(3):
        x = torch.randn(shape)
        y, row, y2, same = compiled(x)
        torch.testing.assert_close(y, x * 0.5)
        torch.testing.assert_close(y2, x * 0.5)
        torch.testing.assert_close(row, x[0] + 1.0)
        torch.testing.assert_close(same, x)
        assert same.data_ptr() != x.data_ptr()


def test_fast_call_big_and_small_results():
    """One result adopted and one copied by the same compiled wrapper."""
    shape = (memref.COPY_LIMIT // 4 // 5 + 3, 5)
    compiled = tsmlir.compile_module(Affine(), [torch.zeros(shape)])
    for _ in range(3):
        x = torch.randn(shape)
        y, total = compiled(x)
        torch.testing.assert_close(y, x * 2.0 + 1.0)
        torch.testing.assert_close(total, (x * 2.0 + 1.0).sum(), rtol=1e-4, atol=1e-2)


class ParamOut(torch.nn.Module):
    """A result computed from a run-time parameter and the parameter itself."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(4, 3))

    def forward(self, x):
        return x @ self.weight.t() + 1.0, self.weight


@pytest.mark.parametrize("specs", [None, [TensorSpec((-1, 3))]], ids=["static", "dynamic"])
def test_fast_call_run_time_parameters(specs):
    module = ParamOut().eval()
    compiled = tsmlir.compile_module(module, [torch.zeros(2, 3)], freeze=False) \
        if specs is None else tsmlir.compile_module(module, input_specs=specs, freeze=False)
    assert compiled.functions["forward"]._fast is not None
    x = torch.randn(2, 3)
    for weight in (module.weight.detach().clone(), torch.ones(4, 3)):
        compiled.load_state_dict({"weight": weight})
        y, w = compiled(x)
        torch.testing.assert_close(y, x @ weight.t() + 1.0)
        torch.testing.assert_close(w, weight)
        assert w.data_ptr() != compiled.state_dict()["weight"].data_ptr()
        w.zero_()  # the caller's copy, not the module's parameter
        torch.testing.assert_close(compiled.state_dict()["weight"], weight)


class ManyResults(torch.nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, a, b):
        return [a + b * float(i) for i in range(self.n)]


def test_many_results_take_no_compiled_wrapper():
    """The wrapper's checks grow with the square of the result count (LLVM
    took minutes on 56 results): beyond MAX_WRAPPED_RESULTS the results
    are taken by Python."""
    from tsmlir.runtime import fast_call
    a, b = torch.randn(2, 3), torch.randn(2, 3)
    for n, wrapped in ((fast_call.MAX_WRAPPED_RESULTS, True),
                       (fast_call.MAX_WRAPPED_RESULTS + 1, False)):
        m = torch.jit.trace(ManyResults(n), (a, b), check_trace=False)
        compiled = tsmlir.compile_module(m, [a, b])
        fn = compiled.functions["forward"]
        assert bool(fn.engine.raw_lookup(fast_call.WRAPPER_PREFIX + "forward")) == wrapped
        for got, want in zip(compiled(a, b), m(a, b)):
            torch.testing.assert_close(got, want)


def test_fast_call_adopts_big_dynamic_results(monkeypatch):
    """A result of run-time size over COPY_LIMIT is adopted by the fast call
    (not the general path's numpy adoption), for each size it takes; the
    tensors outlive later calls and the module, and are freed with them."""
    import gc
    compiled = tsmlir.compile_module(Scale(), input_specs=[TensorSpec((-1, 1000))])
    assert compiled.functions["forward"]._fast is not None

    def general_path(*args):
        raise AssertionError("the general path took a dense dynamic result")
    monkeypatch.setattr(memref, "to_tensor", general_path)
    xs = [torch.randn(rows, 1000) for rows in (40, 33, 40, 257)]  # 160 KB and up
    ys = [compiled(x) for x in xs]
    assert len({y.data_ptr() for y in ys}) == len(ys)
    ys[0].fill_(7.0)
    del compiled
    gc.collect()
    for x, y in zip(xs[1:], ys[1:]):
        assert y.shape == x.shape and y.is_contiguous()
        torch.testing.assert_close(y, x * 0.5)
    assert bool((ys[0] == 7.0).all())
    _assert_adopted_results_freed(
        tsmlir.compile_module(Scale(), input_specs=[TensorSpec((-1, 1024))]),
        torch.randn(1024, 1024))
