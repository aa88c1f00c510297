"""tsm-accumulate-in-place: matmuls accumulate their addends, pointwise ops
write over their producer.

In: linalg on tensors, where `a @ b + y` is a `linalg.matmul` into a fresh
zero `linalg.fill` and a pointwise `linalg.generic` adding y (what the
matmul and elementwise lowerings leave for `tanh(x @ W + h @ U + b)`), and
pointwise generics that write a fresh `tensor.empty`.
Out:
- the matmul accumulates into y instead of zeros (y broadcast first where
  the generic broadcasts it) and the generic no longer reads y: one fill,
  one pass and one buffer less per addend.  `tanh(x @ W + h @ U + b)`
  becomes `tanh` over `matmul(x, W, outs = matmul(h, U, outs = broadcast(b)))`.
- a pointwise generic with an input that a linalg op produced for it alone
  takes that tensor as its destination (`outs`) instead of an empty one, so
  bufferization computes it in place rather than in a new buffer.
- a residual added to a matmul that starts from a broadcast bias (or
  zeros), directly or through the reshape of a convolution's im2col
  product (`relu(conv(x) + identity)`): the matmul starts from
  `residual + bias` instead (one pass writing it over the residual, which
  the matmul kernel folds into its first k block: see matmul_bias), and the
  pointwise op no longer reads the residual.
Float element types only (the fold reassociates the additions, as
PyTorch's addmm does).
"""
from __future__ import annotations

from mlir import ir
from mlir.dialects import arith, linalg, tensor

from .ir_walk import as_op as _op, collect, indexing_maps, is_identity_map, use_count
from .ir_walk import owner_op as _owner_op
from .passes import register

#: Producers whose result is their own destination buffer after bufferization
#: (writing over it in place touches nothing else).
_DPS_PRODUCERS = ("linalg.matmul", "linalg.generic", "linalg.fill")


def _pointwise(g: ir.Operation) -> bool:
    """A linalg.generic with one float tensor result, only parallel loops and
    an identity-mapped destination."""
    if g.name != "linalg.generic" or len(g.results) != 1 or len(g.operands) < 2:
        return False
    t = g.results[0].type
    if not isinstance(t, ir.RankedTensorType) or not isinstance(t.element_type, ir.FloatType):
        return False
    return (all("parallel" in str(it) for it in ir.ArrayAttr(g.attributes["iterator_types"]))
            and is_identity_map(indexing_maps(g)[-1]))


def _zero_fill(v: ir.Value) -> bool:
    op = _owner_op(v)
    if op is None or op.name != "linalg.fill":
        return False
    value = _owner_op(op.operands[0])
    if value is None or value.name != "arith.constant":
        return False
    attr = value.attributes["value"]
    return isinstance(attr, ir.FloatAttr) and attr.value == 0.0


def _accumulation_chain(v: ir.Value) -> list[ir.Operation] | None:
    """The matmuls accumulating into each other down to a zero fill, root
    first (each result used by the next only); None if v is no such chain."""
    chain = []
    while True:
        op = _owner_op(v)
        if op is None or op.name != "linalg.matmul" or use_count(v) != 1:
            return None
        chain.insert(0, op)
        v = op.operands[2]
        if _zero_fill(v):
            return chain


def _rebuild(g: ir.Operation, drop: int, init: ir.Value) -> ir.Operation:
    """g without input `drop` (whose block argument has no uses left), with
    `init` as its destination; the body block moves over unchanged."""
    maps = indexing_maps(g)
    n_in = len(g.operands) - 1
    keep = [i for i in range(n_in) if i != drop]
    with ir.InsertionPoint(g), g.location:
        new = linalg.GenericOp(
            result_tensors=[g.results[0].type],
            inputs=[g.operands[i] for i in keep], outputs=[init],
            indexing_maps=ir.ArrayAttr.get(
                [ir.AffineMapAttr.get(maps[i]) for i in keep + [n_in]]),
            iterator_types=g.attributes["iterator_types"])
    for name in ("library_call", "doc"):
        if name in g.attributes:
            new.attributes[name] = g.attributes[name]
    block = g.regions[0].blocks[0]
    block.erase_argument(drop)
    block.append_to(new.regions[0])
    g.results[0].replace_all_uses_with(new.results[0])
    g.erase()
    return _op(new)


def protect_arguments(op: ir.Operation) -> None:
    """Mark every argument of op's function read-only for bufferization: an
    op now writing into a tensor that may be (a view of) an argument must
    write into a copy, never into the caller's tensor."""
    func = op.parent
    while func is not None and func.name != "func.func":
        func = func.parent
    if func is None:
        return
    n = len(func.regions[0].blocks[0].arguments)
    attrs = list(ir.ArrayAttr(func.attributes["arg_attrs"])) if "arg_attrs" in func.attributes \
        else [ir.DictAttr.get({})] * n
    new = []
    for a in attrs:
        entries = {named.name: named.attr for named in ir.DictAttr(a)}
        entries["bufferization.writable"] = ir.BoolAttr.get(False)
        new.append(ir.DictAttr.get(entries))
    func.attributes["arg_attrs"] = ir.ArrayAttr.get(new)


def _fresh(v: ir.Value) -> bool:
    """v is computed by linalg ops into a tensor.empty (its buffer is new)."""
    op = _owner_op(v)
    while op is not None and op.name in _DPS_PRODUCERS:
        op = _owner_op(op.operands[len(op.operands) - 1])
    return op is not None and op.name == "tensor.empty"


def _broadcast_to(y: ir.Value, m: ir.AffineMap, like: ir.Value) -> ir.Value:
    """y read through map m, in a tensor of like's type: y itself where the
    map is the identity (bufferization copies it first if it is read later
    or is an argument: see protect_arguments), else a broadcast of y."""
    t = ir.RankedTensorType(like.type)
    if is_identity_map(m) and y.type == like.type:
        return y
    sizes = [tensor.dim(like, _index(i)) if t.is_dynamic_dim(i) else s
             for i, s in enumerate(t.shape)]
    init = tensor.EmptyOp(sizes, t.element_type)
    new = linalg.GenericOp(
        result_tensors=[t], inputs=[y], outputs=[init.result],
        indexing_maps=ir.ArrayAttr.get([ir.AffineMapAttr.get(m),
                                        ir.AffineMapAttr.get(ir.AffineMap.get_identity(t.rank))]),
        iterator_types=ir.ArrayAttr.get(
            [ir.Attribute.parse("#linalg.iterator_type<parallel>")] * t.rank))
    block = new.regions[0].blocks.append(ir.RankedTensorType(y.type).element_type,
                                         t.element_type)
    with ir.InsertionPoint(block):
        linalg.YieldOp([block.arguments[0]])
    return new.results[0]


def _index(i: int) -> ir.Value:
    return arith.constant(ir.IndexType.get(), i)


def _single_use_adds(g: ir.Operation):
    """(i, j, the addf) for each `addf(arg_i, arg_j)` in g's body, in body
    order and both ways round, where i and j are distinct inputs of g
    used only there."""
    block = g.regions[0].blocks[0]
    n_in = len(g.operands) - 1
    for op in block.operations:
        op = _op(op)
        if op.name != "arith.addf":
            continue
        args = [ir.BlockArgument(a) for a in op.operands
                if isinstance(a.owner, ir.Block) and a.owner == block]
        if len(args) != 2 or args[0] == args[1]:
            continue
        for a, other in (args, args[::-1]):
            i, j = a.arg_number, other.arg_number
            if i < n_in and j < n_in and use_count(a) == 1 and use_count(other) == 1:
                yield i, j, op


def _foldable_add(g: ir.Operation):
    """(matmul input i, addend input j, the addf) for the first
    `addf(arg_i, arg_j)` in g's body where input i is a zero-based matmul
    chain of g's result type and neither argument has another use."""
    maps = indexing_maps(g)
    for i, j, op in _single_use_adds(g):
        x = g.operands[i]
        if (x.type == g.results[0].type and is_identity_map(maps[i])
                and _accumulation_chain(x) is not None):
            return i, j, op
    return None


def fold_addend(g: ir.Operation) -> ir.Operation | None:
    """g = f(..., mm + y, ...) -> f(..., mm', ...) with mm' accumulating into
    y.  Returns the rebuilt generic, None if nothing folds."""
    found = _foldable_add(g)
    if found is None:
        return None
    i, j, add = found
    chain = _accumulation_chain(g.operands[i])
    for op in chain:  # after y's definition: y must dominate the chain's root
        op.move_before(g)
    with ir.InsertionPoint(chain[0]), g.location:  # the zero fill has g's shape
        acc = _broadcast_to(g.operands[j], indexing_maps(g)[j], chain[0].operands[2])
    chain[0].operands[2] = acc
    if acc == g.operands[j] and not _fresh(acc):
        protect_arguments(g)  # the matmul now writes into y itself
    block = g.regions[0].blocks[0]
    add.results[0].replace_all_uses_with(block.arguments[i])
    add.erase()
    return _rebuild(g, j, g.operands[-1])


def write_in_place(g: ir.Operation) -> ir.Operation | None:
    """g's destination becomes an identity-mapped input of its type that a
    linalg op produced for g alone; None if g has no such input or reads its
    current destination."""
    block = g.regions[0].blocks[0]
    out_arg = block.arguments[len(block.arguments) - 1]
    dest = _owner_op(g.operands[-1])
    if use_count(out_arg) or dest is None or dest.name != "tensor.empty":
        return None
    maps = indexing_maps(g)
    for i, x in enumerate(list(g.operands)[:-1]):
        producer = _owner_op(x)
        if (producer is None or producer.name not in _DPS_PRODUCERS or use_count(x) != 1
                or x.type != g.results[0].type or not is_identity_map(maps[i])
                or producer.parent != g.parent):
            continue
        block.arguments[i].replace_all_uses_with(out_arg)
        return _rebuild(g, i, x)
    return None


def _bias_broadcast(v: ir.Value) -> ir.Operation | None:
    """The generic that v is, if it broadcasts one input into a fresh
    tensor (a matmul's bias init) and v has no other use."""
    g = _owner_op(v)
    if g is None or g.name != "linalg.generic" or len(g.operands) != 2 or use_count(v) != 1:
        return None
    dest = _owner_op(g.operands[1])
    block = g.regions[0].blocks[0]
    body = [_op(o) for o in block.operations]
    if dest is None or dest.name != "tensor.empty" or len(body) != 1 \
            or body[0].operands[0] != block.arguments[0]:
        return None
    return g


def _residual_target(x: ir.Value, g: ir.Operation):
    """(the matmuls accumulating into each other, root first; their
    reshape or None) if x is the result of such a chain (or of its
    expand_shape), each result used once, in g's block, whose root starts
    from a bias broadcast or a zero fill."""
    expand = _owner_op(x)
    if expand is not None and expand.name == "tensor.expand_shape" and use_count(x) == 1:
        x = expand.operands[0]
    else:
        expand = None
    chain = []
    while True:
        mm = _owner_op(x)
        if mm is None or mm.name != "linalg.matmul" or use_count(x) != 1 or mm.parent != g.parent:
            return None
        chain.insert(0, mm)
        x = mm.operands[2]
        if _bias_broadcast(x) is not None:
            return chain, expand
        if _zero_fill(x):  # (without a reshape: fold_addend's)
            return (chain, expand) if expand is not None else None


def _foldable_residual(g: ir.Operation):
    """(matmul input i, residual input j, the addf, (chain, reshape)) for
    the first `addf(arg_i, arg_j)` in g's body where input i is a matmul
    (see _residual_target), input j a tensor of g's result type, both read
    through identity maps and used only there."""
    maps = indexing_maps(g)
    for i, j, op in _single_use_adds(g):
        x, y = g.operands[i], g.operands[j]
        if not (is_identity_map(maps[i]) and is_identity_map(maps[j])
                and x.type == g.results[0].type == y.type):
            continue
        target = _residual_target(x, g)
        if target is not None:
            return i, j, op, target
    return None


def _add_into(bias_init: ir.Operation, dest: ir.Value) -> ir.Value:
    """dest + the broadcast of bias_init's input (bias_init's maps)."""
    new = linalg.GenericOp(result_tensors=[dest.type], inputs=[bias_init.operands[0]],
                           outputs=[dest], indexing_maps=bias_init.attributes["indexing_maps"],
                           iterator_types=bias_init.attributes["iterator_types"])
    block = new.regions[0].blocks.append(ir.ShapedType(bias_init.operands[0].type).element_type,
                                         ir.RankedTensorType(dest.type).element_type)
    with ir.InsertionPoint(block):
        linalg.YieldOp([arith.addf(block.arguments[1], block.arguments[0])])
    return new.results[0]


def fold_residual(g: ir.Operation) -> ir.Operation | None:
    """g = f(..., mm + y, ...) -> f(..., mm', ...) with mm' starting from
    y + its bias (y collapsed to mm's shape where mm is reshaped).  Returns
    the rebuilt generic, None if nothing folds."""
    found = _foldable_residual(g)
    if found is None:
        return None
    i, j, add, (chain, expand) = found
    y = g.operands[j]
    old_init = _owner_op(chain[0].operands[2])
    with ir.InsertionPoint(g), g.location:
        y2 = y if expand is None else tensor.CollapseShapeOp(
            chain[0].results[0].type, y, expand.attributes["reassociation"]).result
        acc = y2 if old_init.name == "linalg.fill" else _add_into(old_init, y2)
    for mm in chain:  # after y's definition: y must dominate the chain's root
        mm.move_before(g)
    if expand is not None:
        expand.move_before(g)
    chain[0].operands[2] = acc
    if old_init.name == "linalg.generic":
        old_init.erase()
    if not _fresh(y):
        protect_arguments(g)  # the matmul now writes into y itself
    block = g.regions[0].blocks[0]
    add.results[0].replace_all_uses_with(block.arguments[i])
    add.erase()
    return _rebuild(g, j, g.operands[-1])


@register("tsm-accumulate-in-place",
          "Matmuls accumulate their addends; pointwise generics write over their producer")
def accumulate_in_place(module_op: ir.Operation) -> None:
    for g in collect(module_op, _pointwise):
        while (folded := fold_addend(g)) is not None:
            g = folded
        while (folded := fold_residual(g)) is not None:
            g = folded
        write_in_place(g)
