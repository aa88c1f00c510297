"""Matmul ops: torch.matmul's contraction, linear layers and addmm.

`tsm.matmul` carries the whole `torch.matmul` rank logic (1-D operands are
vectors, leading dims are batch dims that broadcast), so aten::mm, aten::bmm
and aten::matmul all import to it.  All operands share one dtype (PyTorch
does not promote here); bool is rejected, as in PyTorch.  A contraction size
that is dynamic on either side is checked at run time by the lowering.
"""
import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT, broadcast_shapes


def _same_dtype(*ts: TensorT) -> torch.dtype:
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:
        raise TypeError(f"expected operands of one dtype, got {', '.join(map(str, ts))}")
    (dtype,) = dtypes
    if dtype == torch.bool:
        raise TypeError(f"bool tensors are not supported, got {ts[0]}")
    return dtype


def _check_contraction(lhs: tuple[int, ...], rhs: tuple[int, ...], k_lhs: int, k_rhs: int):
    if DYN not in (k_lhs, k_rhs) and k_lhs != k_rhs:
        raise ValueError(f"shapes {lhs} and {rhs} cannot be multiplied ({k_lhs} != {k_rhs})")


def matmul_shape(lhs: tuple[int, ...], rhs: tuple[int, ...]) -> tuple[int, ...]:
    """torch.matmul's result shape (batch dims broadcast; a 1-D operand
    contributes no batch, row or column dim)."""
    if not lhs or not rhs:
        raise ValueError(f"both operands need at least 1 dimension, got {lhs} and {rhs}")
    k_rhs = rhs[-2] if len(rhs) >= 2 else rhs[0]
    _check_contraction(lhs, rhs, lhs[-1], k_rhs)
    batch = broadcast_shapes(lhs[:-2], rhs[:-2])
    rows = lhs[-2:-1]
    cols = rhs[-1:] if len(rhs) >= 2 else ()
    return batch + rows + cols


def _matmul(lhs: TensorT, rhs: TensorT) -> list[TensorT]:
    return [TensorT(matmul_shape(lhs.shape, rhs.shape), _same_dtype(lhs, rhs))]


def _fits(addend: TensorT, out: tuple[int, ...], what: str):
    """`addend` must broadcast to `out` without growing it; where either side
    is dynamic the sizes are checked at run time."""
    aligned = zip(addend.shape, out[len(out) - addend.rank:])
    if addend.rank > len(out) or not all(a in (1, o, DYN) or o == DYN for a, o in aligned):
        raise ValueError(f"{what} of shape {addend.shape} does not broadcast to the result "
                         f"shape {out}")


def _linear(x: TensorT, weight: TensorT, bias: TensorT | None) -> list[TensorT]:
    if x.rank < 1:
        raise ValueError(f"input needs at least 1 dimension, got {x}")
    if weight.rank != 2:
        raise ValueError(f"weight must be 2-D (out_features, in_features), got {weight}")
    _check_contraction(x.shape, weight.shape, x.shape[-1], weight.shape[1])
    dtype = _same_dtype(x, weight, *([] if bias is None else [bias]))
    out = x.shape[:-1] + weight.shape[:1]
    if bias is not None:
        _fits(bias, out, "bias")
    return [TensorT(out, dtype)]


# (mat1, mat2) ranks addmm takes: addmm, baddbmm, addmv.
_ADDMM_RANKS = ((2, 2), (3, 3), (2, 1))


def _addmm(self: TensorT, mat1: TensorT, mat2: TensorT, *, beta: float,
           alpha: float) -> list[TensorT]:
    if (mat1.rank, mat2.rank) not in _ADDMM_RANKS:
        raise ValueError(f"mat1 and mat2 must be 2-D and 2-D, 3-D and 3-D or 2-D and 1-D, "
                         f"got {mat1} and {mat2}")
    if mat1.rank == 3 and DYN not in (mat1.shape[0], mat2.shape[0]) \
            and mat1.shape[0] != mat2.shape[0]:
        raise ValueError(f"batch sizes of mat1 and mat2 differ: {mat1} and {mat2}")
    dtype = _same_dtype(self, mat1, mat2)
    if not dtype.is_floating_point and not (float(beta).is_integer() and float(alpha).is_integer()):
        raise TypeError(f"beta and alpha must be integers for {dtype} tensors, "
                        f"got beta={beta}, alpha={alpha}")
    out = matmul_shape(mat1.shape, mat2.shape)
    _fits(self, out, "self")
    return [TensorT(out, dtype)]


def parse_einsum(equation: str) -> tuple[list[str], str]:
    """'ij,jk->ik' -> (['ij', 'jk'], 'ik'): the explicit form the importer
    writes (letters only, no spaces or ellipsis)."""
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if not arrow or not all(t.isalpha() or t == "" for t in terms + [output]):
        raise ValueError(f"equation {equation!r} is not of the form 'ab,bc->ac' "
                         "(letters, one or two operands, an explicit output)")
    if len(set(output)) != len(output):
        raise ValueError(f"output subscript {output!r} repeats a letter")
    missing = set(output) - set("".join(terms))
    if missing:
        raise ValueError(f"output subscript {''.join(sorted(missing))!r} does not appear in "
                         f"the operands of {equation!r}")
    return terms, output


def einsum_sizes(terms: list[str], operands: list[TensorT]) -> dict[str, int]:
    """Each letter's size: the static size other than 1 that operands give it,
    else DYN if some operand's dim is dynamic, else 1.  A static 1 broadcasts
    (as in torch.einsum); dynamic sizes must agree at run time."""
    seen: dict[str, set[int]] = {}
    for term, t in zip(terms, operands):
        if len(term) != t.rank:
            raise ValueError(f"subscript {term!r} has {len(term)} letters for operand {t} "
                             f"of rank {t.rank}")
        for letter, size in zip(term, t.shape):
            seen.setdefault(letter, set()).add(size)
    sizes = {}
    for letter, found in seen.items():
        static = found - {1, DYN}
        if len(static) > 1:
            raise ValueError(f"subscript {letter!r} has sizes {sorted(static)} that do not "
                             f"broadcast (operands {', '.join(map(str, operands))})")
        sizes[letter] = static.pop() if static else DYN if DYN in found else 1
    return sizes


def _einsum(lhs: TensorT, rhs: TensorT | None = None, *, equation: str) -> list[TensorT]:
    operands = [lhs] + ([] if rhs is None else [rhs])
    terms, output = parse_einsum(equation)
    if len(terms) != len(operands):
        raise ValueError(f"equation {equation!r} names {len(terms)} operands, "
                         f"got {len(operands)}")
    sizes = einsum_sizes(terms, operands)
    return [TensorT(tuple(sizes[c] for c in output), _same_dtype(*operands))]


OPS = define("matmul", [
    OpDef("matmul", ("lhs", "rhs"), _matmul,
          aten=("aten::matmul(Tensor self, Tensor other) -> Tensor",
                "aten::mm(Tensor self, Tensor mat2) -> Tensor",
                "aten::bmm(Tensor self, Tensor mat2) -> Tensor"),
          doc="Matrix product with torch.matmul's rules: 1-D operands are vectors, "
              "leading dims are broadcasting batch dims."),
    OpDef("linear", ("x", "weight", "bias?"), _linear,
          aten=("aten::linear(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor",),
          doc="x @ weight.T + bias over the last dim of x; weight is "
              "(out_features, in_features), bias broadcasts to the result."),
    OpDef("addmm", ("self", "mat1", "mat2"), _addmm,
          attrs=(Attr("beta", "float", 1.0), Attr("alpha", "float", 1.0)),
          aten=("aten::addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
                "Scalar alpha=1) -> Tensor",
                "aten::baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
                "Scalar alpha=1) -> Tensor",
                "aten::addmv(Tensor self, Tensor mat, Tensor vec, *, Scalar beta=1, "
                "Scalar alpha=1) -> Tensor"),
          doc="beta * self + alpha * (mat1 @ mat2) for 2-D mat1, mat2 (addmm), 3-D ones "
              "(baddbmm, batch sizes equal) or a matrix and a vector (addmv); self broadcasts; "
              "beta = 0 ignores self (NaNs in it do not propagate)."),
    # One or two operands: the importer contracts longer einsums pairwise.
    OpDef("einsum", ("lhs", "rhs?"), _einsum, attrs=(Attr("equation", "str"),),
          aten=("aten::einsum(str equation, Tensor[] tensors, *, int[]? path=None) -> Tensor",),
          doc="Sum of products over the letters of `equation` ('ij,jk->ik', explicit output, "
              "no ellipsis) missing from the output; a repeated letter in one operand reads "
              "its diagonal."),
])
