"""Shape ops (data movement): reshape, permute, squeeze, cat.

Views of a tensor (view/reshape/flatten/unsqueeze/squeeze.dim, transpose/t)
reach these ops as value semantics: a result never aliases its operand at
this level; the lowering picks the ops that bufferize to views where it can.

`tsm.reshape` spells a dynamic result dim as -1 in `shape`; `from_dims` says
where its run-time size comes from: dim d (>= 0) of the optional operand
`sizes_of` (of the input itself when absent; `y.view(x.size(0), -1)`
passes x) or, for at most one dim (-1), the element count divided by the
product of the other dims.
"""
import math

import torch

from ..opdef import Attr, OpDef, define
from ..types import DYN, TensorT


def _reshape(x: TensorT, sizes_of: TensorT | None = None, *, shape, from_dims) -> list[TensorT]:
    shape, from_dims = tuple(shape), tuple(from_dims)
    src_t = sizes_of or x
    if len(from_dims) != len(shape):
        raise ValueError(f"from_dims has {len(from_dims)} entries but shape has {len(shape)}")
    free = 0
    for i, (size, src) in enumerate(zip(shape, from_dims)):
        if size < DYN:
            raise ValueError(f"invalid size {size} at result dim {i}")
        if src == DYN:
            free += size == DYN
            continue
        if size != DYN:
            raise ValueError(f"result dim {i} is static ({size}) but takes its size from input dim {src}")
        if not 0 <= src < src_t.rank or src_t.shape[src] != DYN:
            raise ValueError(f"result dim {i} takes its size from dim {src}, "
                             f"which is not a dynamic dim of {src_t}")
    if free > 1:
        raise ValueError("at most one result dim may be inferred from the element count")
    if DYN not in x.shape:
        if DYN in shape:
            raise ValueError(f"the reshape of a static tensor {x} must have a static shape")
        if math.prod(x.shape) != math.prod(shape):
            raise ValueError(f"cannot reshape {x} ({math.prod(x.shape)} elements) to "
                             f"shape {list(shape)} ({math.prod(shape)} elements)")
    return [TensorT(shape, x.dtype)]


def _permute(x: TensorT, *, perm) -> list[TensorT]:
    if sorted(perm) != list(range(x.rank)):
        raise ValueError(f"perm {list(perm)} is not a permutation of the {x.rank} dims of {x}")
    return [TensorT(tuple(x.shape[p] for p in perm), x.dtype)]


def _squeeze(x: TensorT) -> list[TensorT]:
    return [TensorT(tuple(d for d in x.shape if d != 1), x.dtype)]


def _cat(lhs: TensorT, rhs: TensorT, *, dim) -> list[TensorT]:
    inputs = [lhs, rhs]
    rank = inputs[0].rank
    if rank == 0:
        raise ValueError("zero-dimensional tensors cannot be concatenated")
    if any(t.rank != rank for t in inputs):
        raise ValueError(f"inputs must have the same rank, got {', '.join(map(str, inputs))}")
    if not 0 <= dim < rank:
        raise ValueError(f"dim {dim} out of range for rank {rank}")
    shape = []
    for i in range(rank):
        sizes = [t.shape[i] for t in inputs]
        if i == dim:
            shape.append(DYN if DYN in sizes else sum(sizes))
            continue
        static = set(sizes) - {DYN}
        if len(static) > 1:
            raise ValueError(f"sizes of dim {i} differ: {', '.join(map(str, inputs))}")
        shape.append(static.pop() if static else DYN)
    dtype = inputs[0].dtype
    for t in inputs[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return [TensorT(tuple(shape), dtype)]


OPS = define("shape", [
    OpDef("reshape", ("x", "sizes_of?"), _reshape,
          attrs=(Attr("shape", "ints"), Attr("from_dims", "ints")),
          aten=("aten::view(Tensor(a) self, SymInt[] size) -> Tensor(a)",
                "aten::reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)",
                "aten::flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) -> Tensor(a)",
                "aten::unsqueeze(Tensor(a) self, int dim) -> Tensor(a)",
                "aten::squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)",
                "aten::squeeze.dims(Tensor(a) self, int[] dim) -> Tensor(a)"),
          doc="Same elements in row-major order, new shape; a dynamic result dim (-1) takes "
              "the size of dim from_dims[i] of sizes_of (x when absent), or (from_dims[i] = -1, "
              "at most one) the element count over the other dims."),
    OpDef("permute", ("x",), _permute, attrs=(Attr("perm", "ints"),),
          aten=("aten::permute(Tensor(a) self, int[] dims) -> Tensor(a)",
                "aten::transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
                "aten::t(Tensor(a) self) -> Tensor(a)"),
          doc="Result dim i is input dim perm[i]."),
    OpDef("squeeze", ("x",), _squeeze,
          aten=("aten::squeeze(Tensor(a) self) -> Tensor(a)",),
          doc="Drops every static size-1 dim; a dynamic dim stays and must not be 1 at run time "
              "(checked), since that would change the rank."),
    # Binary, not variadic: IRDL binds one constraint variable per variadic
    # group, which would force every input to have the same type.  The
    # importer chains it; the lowering fuses a chain into one result.
    OpDef("cat", ("lhs", "rhs"), _cat, attrs=(Attr("dim", "int"),),
          aten=("aten::cat(Tensor[] tensors, int dim=0) -> Tensor",),
          doc="Concatenation of two tensors along dim (non-negative) with dtype promotion."),
])
