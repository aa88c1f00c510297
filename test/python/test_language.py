"""The TorchScript language against eager: scalar arguments and results,
Optional arguments, NamedTuples and TorchScript classes, compile-time
containers (lists of numbers, lists of tuples, dicts with str keys), module
attributes, loops unrolled over compile-time lists, outputs that are inputs."""
from typing import Dict, List, NamedTuple, Optional, Tuple

import pytest
import torch

import tsmlir
from tsmlir import ScalarSpec, Static, TensorSpec


def assert_same(got, expected, exact_types=True):
    """Compiled vs eager: same structure and Python types; tensors close,
    ints/bools exact.  (Scripted modules return NamedTuples of a class of
    their own: `exact_types=False` compares those by field names.)"""
    if exact_types or not hasattr(type(expected), "_fields"):
        assert type(got) is type(expected), (type(got), type(expected))
    else:
        assert got._fields == expected._fields
    if isinstance(expected, dict):
        assert list(got) == list(expected)
        for k in expected:
            assert_same(got[k], expected[k], exact_types)
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e, exact_types)
    elif isinstance(expected, torch.Tensor):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-6, abs=1e-6)  # float32 sums
    else:
        assert got == expected


def check(module, examples, runs=(), **kwargs):
    module = module.eval()
    compiled = tsmlir.compile_module(module, examples, **kwargs)
    scripted = torch.jit.script(module)
    specs = (TensorSpec, ScalarSpec, Static)
    for args in ([] if any(isinstance(a, specs) for a in examples) else [examples]) + list(runs):
        args = [a.value if isinstance(a, Static) else a for a in args]
        with torch.no_grad():
            assert_same(compiled(*args), module(*args))
            assert_same(compiled(*args), scripted(*args), exact_types=False)
    return compiled


# -- scalars as arguments and results ---------------------------------------------
class ScalarArgs(torch.nn.Module):
    def forward(self, x, n: int, alpha: float, flag: bool):
        y = x * alpha + n
        if flag:
            y = y - 1.0
        return y, n * 2 + 1, alpha / 2.0, not flag, float(y.sum()) > 0.0


def test_scalar_arguments_and_results():
    x = torch.randn(2, 3)
    compiled = check(ScalarArgs(), [x, 3, 0.5, True],
                     runs=[(x, -7, 2.0, False), (-x * 5, 0, -1.25, True)])
    assert compiled.input_specs[1:] == [ScalarSpec(int), ScalarSpec(float), ScalarSpec(bool)]
    assert "forward(x: TensorSpec((2, 3), torch.float32), n: ScalarSpec(int)" in repr(compiled)


def test_scalar_specs_and_int_example_for_a_float_argument():
    x = torch.randn(4)
    compiled = check(ScalarArgs(), [TensorSpec((-1,)), ScalarSpec(int), 2, ScalarSpec(bool)],
                     runs=[(x, 1, 2.5, True), (x[:1], 5, 3, False)])
    assert compiled.input_specs[2] == ScalarSpec(float)


class ScalarOnly(torch.nn.Module):
    def forward(self, a: int, b: int):
        return a // b, a % b, max(a, b), a == b


def test_scalar_only_program():
    check(ScalarOnly(), [7, 2], runs=[(-7, 2), (7, -3), (4, 4)])


class Returned(torch.nn.Module):
    def forward(self, x, k: int):
        return x, k, 3, None, x.view(-1), x.clone(), (x, x)


def test_output_is_input_and_literal_results():
    """Results that are (views of) inputs come back as copies, consistently:
    never a buffer the caller can still write through."""
    x = torch.randn(3, 2)
    compiled = check(Returned(), [x, 2])
    y, k, three, none, flat, cloned, (a, b) = compiled(x, 5)
    assert (k, three, none) == (5, 3, None)
    before = [t.clone() for t in (y, flat, cloned, a, b)]
    x.add_(1.0)  # writing the input changes no result
    for t, t0 in zip((y, flat, cloned, a, b), before):
        assert t.data_ptr() != x.data_ptr()
        torch.testing.assert_close(t, t0)


def test_static_argument_is_folded_and_checked():
    x = torch.randn(2, 3)
    compiled = check(ScalarArgs(), [x, Static(4), 0.5, Static(False)])
    assert compiled.input_specs[1] == Static(4)
    with pytest.raises(tsmlir.InputError, match=r"argument 1: compiled for Static\(4\), got 5"):
        compiled(x, 5, 0.5, False)


@pytest.mark.parametrize("args, message", [
    ((torch.zeros(2, 3), 1.5, 0.5, True), "argument 1: expected a Python int, got float"),
    ((torch.zeros(2, 3), True, 0.5, True), "argument 1: expected a Python int, got bool"),
    ((torch.zeros(2, 3), 1, "a", True), "argument 2: expected a Python float, got str"),
    ((torch.zeros(2, 3), 1, 0.5, 1), "argument 3: expected a Python bool, got int"),
    ((torch.zeros(2, 3), 1, 0.5), r"takes 4 argument\(s\), got 3"),
    ((1, 1, 0.5, True), "argument 0: expected a torch.Tensor, got int"),
])
def test_wrong_scalar_arguments_are_rejected(args, message):
    compiled = _scalar_args_compiled()
    with pytest.raises(tsmlir.InputError, match=message):
        compiled(*args)


_CACHE = {}


def _scalar_args_compiled():
    if "scalar" not in _CACHE:
        _CACHE["scalar"] = tsmlir.compile_module(ScalarArgs(), [torch.zeros(2, 3), 1, 0.5, True])
    return _CACHE["scalar"]


def test_specs_must_match_the_signature():
    with pytest.raises(tsmlir.TorchScriptImportError, match="argument 'n' .*cannot be given "
                                                            "TensorSpec"):
        tsmlir.compile_module(ScalarArgs(), [torch.zeros(2), torch.zeros(2), 0.5, True])
    with pytest.raises(tsmlir.TorchScriptImportError, match="argument 'x' .*not Optional"):
        tsmlir.compile_module(ScalarArgs(), [None, 1, 0.5, True])


# -- Optional arguments --------------------------------------------------------
class OptionalArgs(torch.nn.Module):
    def forward(self, x, bias: Optional[torch.Tensor], k: Optional[int] = None):
        if bias is not None:
            x = x + bias
        if k is None:
            return x
        return x * k


def test_optional_arguments_specialize_on_none():
    x, b = torch.randn(2, 3), torch.randn(3)
    with_bias = check(OptionalArgs(), [x, b, 2], runs=[(x, -b, 5)])
    no_bias = check(OptionalArgs(), [x, None, None], runs=[(-x, None, None)])
    default_k = check(OptionalArgs(), [x, b], runs=[(x * 2, b)])
    assert no_bias.input_specs[1:] == [None, None]
    assert default_k.input_specs[2] is None
    with pytest.raises(tsmlir.InputError, match="argument 1: compiled for None, got Tensor"):
        no_bias(x, b, None)
    with pytest.raises(tsmlir.InputError,
                       match=r"argument 1: compiled for TensorSpec\(\(3,\), torch.float32\), got None"):
        with_bias(x, None, 2)
    with pytest.raises(tsmlir.InputError, match=r"argument 2: compiled for ScalarSpec\(int\), got None"):
        with_bias(x, b, None)


# -- NamedTuples and TorchScript classes -------------------------------------
class Stats(NamedTuple):
    mean: torch.Tensor
    count: int
    scale: float


@torch.jit.script
class Affine:
    def __init__(self, w: torch.Tensor, b: float):
        self.w = w
        self.b = b

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.w + self.b


class UsesValues(torch.nn.Module):
    def forward(self, x, s: float) -> Stats:
        a = Affine(x.mean(0), s)
        a.b = a.b * 2.0
        y = a.apply(x)
        st = Stats(y.mean(1), x.size(0), a.b)
        if float(y.sum()) > 0.0:  # a NamedTuple joined across a run-time branch
            st = Stats(st.mean * 2.0, st.count + 1, st.scale)
        return st


def test_namedtuple_output_and_script_class_values():
    x = torch.randn(4, 3)
    compiled = check(UsesValues(), [x, 0.5], runs=[(-x, 1.5), (x.abs(), -2.0)])
    out = compiled(x, 0.5)
    assert isinstance(out, Stats) and out._fields == ("mean", "count", "scale")


# -- compile-time containers -----------------------------------------------------
class ScalarLists(torch.nn.Module):
    def forward(self, x, n: int):
        sizes: List[int] = []
        for i in range(4):
            sizes.append(i * 2 + 1)
        total = 0
        for s in sizes:
            total += s
        k = 0
        while len(sizes) < 6:  # a while loop over a compile-time list
            sizes.append(total + k)
            k += 1
        scaled: List[float] = [float(v) * 0.5 for v in sizes]
        y = x * scaled[2] + sizes[len(sizes) - 1]
        return y, sizes, len(scaled), (n + sizes[0], total)


def test_lists_of_scalars():
    x = torch.randn(3)
    check(ScalarLists(), [x, 4], runs=[(x, -1)])


class Beam(torch.nn.Module):
    """A beam-search-like loop over a Python list of (score, state) tuples."""

    def forward(self, x):
        beams: List[Tuple[float, torch.Tensor]] = [(0.0, x), (-1.0, x * 0.5)]
        for step in range(3):
            grown: List[Tuple[float, torch.Tensor]] = []
            for score, state in beams:
                nxt = torch.tanh(state + float(step))
                grown.append((score + float(nxt.sum()), nxt))
            best = grown[0]
            for cand in grown:
                if cand[0] > best[0]:
                    best = cand
            beams = [best, (grown[1][0] - 1.0, grown[1][1])]
        return beams[0][1], beams[0][0], beams


def test_beam_search_over_a_list_of_tuples():
    x = torch.randn(5)
    check(Beam(), [x], runs=[(-x,), (x * 3,)])


class StrDict(torch.nn.Module):
    def forward(self, x):
        d: Dict[str, torch.Tensor] = {"a": x + 1, "b": x * 2}
        d["c"] = d["a"] - d["b"]
        total = x * 0
        for k, v in d.items():
            if k != "c":
                total = total + v
        return d["c"], len(d), "a" in d, {"sum": total, "n": len(d)}, d.get("z", x), len(d.keys())


def test_dict_with_str_keys():
    check(StrDict(), [torch.randn(3)])


# -- module attributes and loops over modules --------------------------------------
class Block(torch.nn.Module):
    def __init__(self, scale: float):
        super().__init__()
        self.lin = torch.nn.Linear(4, 4)
        self.scale = scale

    def forward(self, x):
        return torch.relu(self.lin(x)) * self.scale


class Attributes(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([Block(0.5), Block(2.0), Block(1.0)])
        self.seq = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())
        self.repeats = 2
        self.offsets = [0.25, -0.5]
        self.use_seq = True
        self.table = torch.arange(4.0)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        for i in range(self.repeats):  # a module called inside a counted loop
            if self.use_seq:
                x = self.seq(x) + self.offsets[i]
        if self.training:
            x = x * 0.0
        return x + self.table, len(self.offsets), self.training


def test_module_attributes_module_lists_and_training_flag():
    check(Attributes(), [torch.randn(3, 4)], runs=[(torch.randn(3, 4),)])


# -- unsupported constructs ------------------------------------------------------------
def _forked(x: torch.Tensor) -> torch.Tensor:
    return x * 2


class Unsupported(torch.nn.Module):
    def forward(self, x):
        d: Dict[int, torch.Tensor] = {1: x}  # int keys
        fut = torch.jit.fork(_forked, x)  # fork
        y = torch.jit.wait(fut)
        return d[1] + y


def test_unsupported_constructs_are_reported_together():
    with pytest.raises(tsmlir.UnsupportedOpError) as info:
        tsmlir.compile_module(Unsupported(), [torch.zeros(2)])
    kinds = {k.split(" ")[0]: loc for k, loc in info.value.unsupported}
    assert set(kinds) >= {"prim::DictConstruct", "prim::fork"}, kinds
    assert all(loc.file == __file__ for loc in kinds.values())
    assert "{1: x}  # int keys" in str(info.value) and "# fork" in str(info.value)


# -- arguments mutated in place ----------------------------------------------------------
class Helper(torch.nn.Module):
    def forward(self, acc, x):
        acc.add_(x)  # mutates the caller's tensor
        return acc.sum()


class MutatesArguments(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.helper = Helper()

    def forward(self, x, acc, n: int):
        x.mul_(2.0)
        total = self.helper(acc, x)
        return acc * n, total


def test_in_place_updates_of_arguments_reach_the_caller():
    x, acc = torch.randn(3), torch.randn(3)
    compiled = tsmlir.compile_module(MutatesArguments(), [x, acc, 2])
    ex, eacc = x.clone(), acc.clone()
    expected = MutatesArguments()(ex, eacc, 3)
    got = compiled(x, acc, 3)
    assert_same(got, expected)
    torch.testing.assert_close(x, ex)  # the arguments changed as in eager
    torch.testing.assert_close(acc, eacc)


# -- tuple and list arguments --------------------------------------------------------------
class Containers(torch.nn.Module):
    def forward(self, pair: Tuple[torch.Tensor, int], xs: List[torch.Tensor], ws: List[float]):
        x, k = pair
        acc = x * k
        for i in range(len(xs)):
            acc = acc + xs[i] * ws[i]
        return acc, (k, len(xs)), [w * 2.0 for w in ws]


def test_tuple_and_list_arguments():
    x = torch.randn(3)
    xs = [torch.randn(3), torch.randn(3)]
    compiled = check(Containers(), [(x, 2), xs, [0.5, -1.0]],
                     runs=[((-x, 3), [xs[1], xs[0]], [2.0, 1.0])])
    assert compiled.input_specs[0] == (TensorSpec((3,)), ScalarSpec(int))
    with pytest.raises(tsmlir.InputError, match=r"argument 1: expected a list of 2 item\(s\)"):
        compiled((x, 2), xs[:1], [0.5, 1.0])
    with pytest.raises(tsmlir.InputError, match=r"argument 0\[1\]: expected a Python int"):
        compiled((x, 2.5), xs, [0.5, 1.0])


class Counter(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = 1.0

    def forward(self, x):
        self.scale = 3.0  # read back below within the same call
        return x * self.scale


def test_module_attribute_written_then_read():
    check(Counter(), [torch.randn(2)])


class Sizes(torch.nn.Module):
    def forward(self, st: Stats):
        n = st.mean.size(0)
        if float(st.mean.sum()) > 0.0:
            k = n * st.count
        else:
            k = -1
        return n, k, st.scale * 2.0


def test_namedtuple_argument_and_scalar_results_of_runtime_values():
    compiled = tsmlir.compile_module(Sizes(), input_specs=[(TensorSpec((-1,)), ScalarSpec(int),
                                                            ScalarSpec(float))])
    for st in [Stats(torch.ones(3), 2, 0.5), Stats(-torch.ones(5), 4, 1.5)]:
        assert_same(compiled(st), Sizes()(st))
    check(Sizes(), [Stats(torch.ones(4), 3, 0.25)])


class UnsupportedInUnrolled(torch.nn.Module):
    def forward(self, x):
        ys: List[torch.Tensor] = [x]
        for i in range(5):
            ys.append(torch.fft.fft(ys[i]).abs())  # unsupported, in an unrolled loop
        return ys[5]


def test_unsupported_op_in_an_unrolled_loop_is_reported_once():
    with pytest.raises(tsmlir.UnsupportedOpError) as info:
        tsmlir.compile_module(UnsupportedInUnrolled(), [torch.zeros(2)])
    assert [k for k, _ in info.value.unsupported] == ["aten::fft_fft"]
    assert info.value.unsupported[0][1].line > 0


def test_keyword_arguments_and_string_examples():
    compiled = _scalar_args_compiled()
    x = torch.randn(2, 3)
    assert_same(compiled(x, flag=True, alpha=0.5, n=2), ScalarArgs()(x, 2, 0.5, True))
    with pytest.raises(tsmlir.InputError, match="unexpected keyword argument 'm'"):
        compiled(x, 1, 0.5, True, m=3)
    with pytest.raises(tsmlir.InputError, match="multiple values for argument 'x'"):
        compiled(x, x=x)
    with pytest.raises(tsmlir.InputError, match=r"missing argument\(s\): alpha"):
        compiled(x, n=1, flag=True)
    mode = tsmlir.compile_module(Mode(), [x, "double"])
    torch.testing.assert_close(mode(x, "double"), x * 2)
    with pytest.raises(tsmlir.InputError, match="compiled for Static\\('double'\\), got 'half'"):
        mode(x, "half")


class Mode(torch.nn.Module):
    def forward(self, x, mode: str):
        if mode == "double":
            return x * 2
        return x / 2


class Generator(torch.nn.Module):
    def forward(self, xs: List[torch.Tensor]):
        return sum(x * 2 for x in xs)  # a generator expression


def test_constructs_torchscript_rejects_are_reported_with_the_line():
    with pytest.raises(tsmlir.TsmlirError, match="torch.jit.script failed on Generator") as info:
        tsmlir.compile_module(Generator(), [[torch.zeros(2)]])
    assert "a generator expression" in str(info.value)  # the user's source line


class HoldsObject(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.affine = Affine(torch.tensor([1.0, -2.0, 0.5]), 0.25)

    def forward(self, x):
        return self.affine.apply(x) + self.affine.b


def test_script_class_instance_as_module_attribute():
    check(HoldsObject(), [torch.randn(2, 3)])


class ReturnsObject(torch.nn.Module):
    def forward(self, x):
        return Affine(x, 1.0)  # an object cannot be returned


def test_returning_an_object_is_reported_at_the_return():
    with pytest.raises(tsmlir.TorchScriptImportError, match="can be returned, got an object of "
                                                            "class .*Affine") as info:
        tsmlir.compile_module(ReturnsObject(), [torch.zeros(2)])
    assert info.value.loc.file == __file__ and "cannot be returned" in str(info.value)


class ListMethods(torch.nn.Module):
    def forward(self, x, y: Optional[torch.Tensor], n: int):
        if isinstance(y, torch.Tensor):  # left to run time by TorchScript: folds here
            x = x + y
        xs = [x, x * 2]
        xs.insert(0, x * 3)
        xs.reverse()
        last = xs.pop()
        first = xs.pop(0)
        counts = [1, n, 3]
        total = sum(counts)
        counts.clear()
        return last + first + xs[0], total, len(counts), sum([0.5, 1.5])


def test_list_methods_and_isinstance():
    x = torch.randn(3)
    check(ListMethods(), [x, None, 2], runs=[(x * 2, None, -4)])
    check(ListMethods(), [x, x, 2])


class ReduceOver(torch.nn.Module):
    def forward(self, x, d: int):
        return x.sum(d)


def test_a_runtime_number_where_a_constant_is_needed_suggests_static():
    """Ahead of time (no compiler at run time) the refusal stands; the JIT
    compiles per value instead (test_specialize)."""
    from tsmlir.compiler import lower_module
    x = torch.randn(2, 3)
    with pytest.raises(tsmlir.StaticValueRequired) as info:
        lower_module(ReduceOver(), [x, 1])
    text = str(info.value)
    assert "<a number known only at run time>" in text and "tsmlir.Static(value)" in text
    assert info.value.loc.file == __file__ and "OpResult" not in text
    check(ReduceOver(), [x, Static(1)])


class AssignsInBranch(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.last = torch.zeros(2)

    def forward(self, x):
        if float(x.sum()) > 0.0:
            self.last = x * 2.0
        return x + self.last


def test_module_attribute_assigned_in_a_runtime_branch_and_read_is_reported():
    with pytest.raises(tsmlir.TorchScriptImportError, match=r"self.last is assigned inside a "
                                                            r"run-time branch") as info:
        tsmlir.compile_module(AssignsInBranch(), [torch.zeros(2)])
    assert info.value.loc.file == __file__
