"""The shortest call of a compiled function: tensors in, fresh dense
tensors out.

In: a `JitFunction` (runtime/jit.py) after its `_plan_calls`.
Out: `plan(fn)`, a function of the positional arguments that runs the call
and returns its results rebuilt in the eager structure, or `SLOW` without
running anything when an argument is not a plain match (wrong type, dtype,
shape, device, layout, requires grad).  After the native call, when a
result is not a fresh dense buffer of the compiled code (a constant, an
argument's buffer, one buffer returned twice, an unexpected layout), the
results are taken by `JitFunction._take_results`, as before.  Results up
to `memref.COPY_LIMIT` are copied into new tensors, larger ones (static or
of run-time size) adopted (`_owning_buffer`).
`plan` returns None for a function it does not serve: run-time scalars,
in-place write-backs or scalar results.

Why: a call of `x + 1` on a 1x4 tensor cost ~8.6 us (thread CPU time)
against eager's ~5.3, most of it Python around three native calls (the
function, memmove, free).  Here everything a call needs is bound once in
the closure's locals, each argument is checked by a few identity and tuple
comparisons and written by one `pack_into` (only the pointers where the
shape is static: `_plan_calls` wrote its sizes and strides once), and the
results are read by one `unpack_from`.  The checks that decide `SLOW` are
`JitFunction._quick_check`'s (`argument_reader`), so every error message
still comes from the full `check`.

Where the results are static and the module has no run-time checks (no
error callback can fire), `add_copy_wrapper` also compiles
`_tsm_fast_<name>(results, args..., destinations...) -> i64` into it: it
calls the C interface, then, if every result is a fresh dense buffer (the
tests above), copies each into its destination (a tensor made before the
call) and frees it, and returns 1; else it returns 0 and touches nothing.
One native call instead of three and no Python over the results: x + 1 on
1x4 takes ~4.9 us.  With run-time checks the results of a failed call are
poison, which only the Python side knows (through the callback), so those
functions copy in Python.
"""
from __future__ import annotations

import ctypes
import functools
from math import prod
from typing import Any, Callable, Sequence

import torch
from mlir import ir

from ..dialects.types import DYN
from ..specs import TensorSpec
from . import memref

#: What a fast call returns when the general path must run instead.
SLOW = object()


WRAPPER_PREFIX = "_tsm_fast_"


def serves(specs: Sequence, result_types: Sequence, params: Sequence, writebacks: Sequence,
           scalar_results: dict) -> bool:
    """Whether a function of this signature gets a fast call: tensor
    arguments only (dynamic dims too; run-time parameters after them), no
    write-backs or scalar results."""
    return (not writebacks and not scalar_results
            and all(isinstance(s, TensorSpec) for s in specs))


def plan(fn) -> Callable[[tuple], Any] | None:
    """The fast call of `fn` (a JitFunction), or None if it does not apply."""
    if not serves(fn.specs, fn.result_types, fn.params, fn.writebacks, fn._scalar_results):
        return None
    wrapper = fn.engine.raw_lookup(WRAPPER_PREFIX + fn.name) if fn.result_types else 0
    if wrapper:
        return _make_native_copy_call(fn, wrapper)
    return _make_call(fn)


def _nbytes(t) -> int:
    return prod(t.shape) * t.dtype.itemsize


def argument_reader(guards: list) -> Callable[[tuple], list | None]:
    """For `JitFunction._guards` (per spec: (dtype, torch.Size or None,
    rank, [(dim, size)] of static dims), or the ScalarSpec): a function of
    the arguments that gives their data pointers (None for a scalar), or
    None unless each tensor is a plain CPU tensor of its spec's dtype and
    shape, contiguous, not requiring grad, and each scalar of its type."""
    count = len(guards)
    tensor, grad_enabled = torch.Tensor, torch.is_grad_enabled

    def read(args: tuple) -> list | None:
        if len(args) != count:
            return None
        ptrs = []
        for a, g in zip(args, guards):
            if g.__class__ is not tuple:  # a ScalarSpec
                if not g.accepts(a):
                    return None
                ptrs.append(None)
                continue
            dtype, size, rank, statics = g
            if a.__class__ is not tensor or a.dtype is not dtype or not a.is_cpu or \
                    not a.is_contiguous() or (a.requires_grad and grad_enabled()):
                return None
            if size is not None:
                if a.shape != size:
                    return None
            elif a.dim() != rank or statics and any(a.shape[d] != n for d, n in statics):
                return None
            ptrs.append(a.data_ptr())
        return ptrs

    return read


def _write_descriptors(writers: list, args: tuple, ptrs: list) -> None:
    """Each argument into its descriptor: the pointers, and for dynamic dims
    the offset, sizes and strides (`JitFunction._plan_calls`'s writers)."""
    for (desc, pack, static), a, p in zip(writers, args, ptrs):
        if static:
            pack(desc, 0, p, p)
        else:
            pack(desc, 0, p, p, 0, *a.shape, *a.stride())


def _parameter_writer(fn) -> Callable[[], tuple[list, list]]:
    """For run-time parameters (freeze=False): a function that writes their
    descriptors (the state dict's current tensors, sizes and strides) and
    gives the tensors and their data pointers."""
    names, state, writers, write = fn.params, fn._state, fn._param_writers, fn._write_args

    def write_parameters() -> tuple[list, list]:
        params = [state[p] for p in names]
        return params, write(writers, params)

    return write_parameters


@functools.lru_cache(maxsize=256)
def _owning_buffer(nbytes: int) -> type:
    """A ctypes array type over a result's `nbytes` that frees the buffer
    (its `allocated` pointer) when it dies: `torch.frombuffer` keeps it
    alive as long as any tensor on its storage.  One type per size (the
    sizes a dynamic result takes: cached)."""

    class OwnedBuffer(ctypes.c_byte * nbytes):
        def __del__(self):
            memref.free(self.allocated)

    return OwnedBuffer


def _make_call(fn) -> Callable[[tuple], Any]:
    """The call that copies the results in Python (`memmove`, `free`), or
    adopts one over COPY_LIMIT (a ctypes array that frees it, under
    `torch.frombuffer`: ~0.05 ms less than numpy's adoption on the
    elementwise bench's 16 MB result, whose 4 ms kernel leaves the caches
    cold for the Python that follows; a dynamic one too, session 21: a ReLU
    of a run-time batch of 64 x 32 x 32 floats had gone through the general
    path, 58 us a call against 27 with a static batch)."""
    data_pointers, writers = fn._read_arguments, fn._writers
    results = [(start, rank, dtype, itemsize, layout, template, nbytes,
                _owning_buffer(nbytes) if layout is not None and template is None else None)
               for start, rank, dtype, itemsize, layout, template, nbytes in fn._result_plan]
    lock, errors, native, packed = fn._lock, fn._errors, fn._fn, fn._packed_ptr
    unpack, struct = fn._results_struct.unpack_from, fn._results
    effects, rebuild, take_results = fn._effects, fn._rebuild, fn._take_results
    empty_like, empty_strided, frombuffer, is_contiguous = torch.empty_like, \
        torch.empty_strided, torch.frombuffer, memref.is_contiguous
    memmove, free, marker, limit = memref.memmove, memref.free, memref.GLOBAL_MARKER, \
        memref.COPY_LIMIT
    owning_buffer = _owning_buffer
    write_parameters = _parameter_writer(fn) if fn.params else None

    def call(args: tuple) -> Any:
        ptrs = data_pointers(args)
        if ptrs is None:
            return SLOW
        params = []
        with lock:
            _write_descriptors(writers, args, ptrs)
            if write_parameters is not None:  # results must not alias them either
                params, param_ptrs = write_parameters()
                ptrs = ptrs + param_ptrs
            errors.clear()
            native(packed)
            if errors:
                raise effects.error(errors[0])
            raw = unpack(struct)
            seen = set(ptrs)
            seen.add(marker)
            copies = []
            for start, rank, dtype, itemsize, layout, template, nbytes, owned in results:
                alloc, got = raw[start], raw[start + 3:start + 3 + 2 * rank]
                if layout is None:  # dynamic: dense this time? copied, or adopted if big
                    nbytes = itemsize
                    for n in got[:rank]:
                        nbytes *= n
                    dense = is_contiguous(got[:rank], got[rank:])
                    if nbytes > limit:
                        owned = owning_buffer(nbytes)
                else:
                    dense = got == layout
                if alloc in seen or not dense:  # then the general path takes them all
                    return rebuild(take_results(args, params, ptrs))
                seen.add(alloc)
                copies.append((alloc, (raw[start + 1] or 0) + raw[start + 2] * itemsize,
                               template, got, rank, dtype, nbytes, owned))
            flat = []
            for alloc, src, template, got, rank, dtype, nbytes, owned in copies:
                if owned is not None:
                    buffer = owned.from_address(src)
                    buffer.allocated = alloc
                    flat.append(frombuffer(buffer, dtype=dtype).view(got[:rank]))
                    continue
                out = empty_like(template) if template is not None else \
                    empty_strided(got[:rank], got[rank:], dtype=dtype)
                if nbytes:
                    memmove(out.data_ptr(), src, nbytes)
                free(alloc)
                flat.append(out)
        return rebuild(flat)

    return call


def _make_native_copy_call(fn, wrapper: int) -> Callable[[tuple], Any]:
    """The call through `_tsm_fast_<name>` (see `add_copy_wrapper`)."""
    data_pointers, writers = fn._read_arguments, fn._writers
    copied, adopted, destinations = [], [], []
    for i, (_, rank, dtype, _, layout, template, nbytes) in enumerate(fn._result_plan):
        destination = ctypes.c_void_p()
        if template is not None:  # its tensor's data pointer, each call
            copied.append((i, template, destination))
        else:  # where the wrapper writes the data and allocated pointers
            slots = (ctypes.c_int64 * 2)()
            destination.value = ctypes.addressof(slots)
            adopted.append((i, _owning_buffer(nbytes), slots, dtype, layout[:rank]))
        destinations.append(destination)
    ok = ctypes.c_int64()
    holders = fn._holders + destinations + [ok]  # the packed interface: a pointer to each
    packed = (ctypes.c_void_p * len(holders))(*[ctypes.addressof(h) for h in holders])
    native = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(wrapper)
    count = len(destinations)
    lock, rebuild, take_results = fn._lock, fn._rebuild, fn._take_results
    empty_like, frombuffer = torch.empty_like, torch.frombuffer
    write_parameters = _parameter_writer(fn) if fn.params else None

    def call(args: tuple) -> Any:
        ptrs = data_pointers(args)
        if ptrs is None:
            return SLOW
        flat = [None] * count
        params = []
        with lock:
            _write_descriptors(writers, args, ptrs)
            if write_parameters is not None:
                params, param_ptrs = write_parameters()
                ptrs = ptrs + param_ptrs
            for i, template, destination in copied:
                out = empty_like(template)
                destination.value = out.data_ptr()
                flat[i] = out
            native(packed)
            if not ok.value:
                flat = take_results(args, params, ptrs)
            else:
                for i, owned, slots, dtype, shape in adopted:
                    buffer = owned.from_address(slots[0])
                    buffer.allocated = slots[1]
                    flat[i] = frombuffer(buffer, dtype=dtype).view(shape)
        return rebuild(flat)

    call.holders = holders  # `packed` holds only their addresses
    return call


#: Results a compiled wrapper checks and copies at most: its checks grow with
#: the square of the count (each result against the arguments and the earlier
#: results), and LLVM spent minutes on 56 results (a type-promotion table).
MAX_WRAPPED_RESULTS = 16


def add_copy_wrapper(module: ir.Module, name: str, arg_count: int, result_types: Sequence) -> bool:
    """Add `_tsm_fast_<name>` (see the module doc) to `module`, an LLVM-dialect
    module whose `_mlir_ciface_<name>` takes the results' pointer and
    `arg_count` descriptor pointers (the arguments', then the parameters').  False (nothing added) where the entry
    does not have that form."""
    body = module.body
    ops = {ir.StringAttr(op.attributes["sym_name"]).value: op for op in body.operations
           if op.operation.name == "llvm.func"}
    entry = ops.get("_mlir_ciface_" + name)
    if entry is None or not result_types or len(result_types) > MAX_WRAPPED_RESULTS or \
            len(entry.regions[0].blocks[0].arguments) != 1 + arg_count or \
            any(DYN in t.shape for t in result_types):
        return False
    snippet = ir.Module.parse(_wrapper_source(name, arg_count, result_types))
    with ir.InsertionPoint(body):
        for op in snippet.body.operations:
            sym = ir.StringAttr(op.attributes["sym_name"]).value
            if sym == "free" and sym not in ops or sym.startswith(WRAPPER_PREFIX):
                op.operation.clone()
    return True


def _wrapper_source(name: str, arg_count: int, result_types: Sequence) -> str:
    """`_tsm_fast_<name>` in the LLVM dialect.  A result passes when its
    allocated pointer is not 0xdeadbeef (a constant), not an argument's,
    not an earlier result's, and its sizes and strides are the dense ones."""
    args = [f"%a{j}" for j in range(arg_count)]
    dests = [f"%d{i}" for i in range(len(result_types))]
    lines = [f"llvm.func @{WRAPPER_PREFIX}{name}(%res: !llvm.ptr, "
             + ", ".join(f"{v}: !llvm.ptr" for v in args + dests)
             + ") -> i64 attributes {llvm.emit_c_interface} {",  # the packed interface
             f"  llvm.call @_mlir_ciface_{name}(%res{''.join(', ' + a for a in args)}) : "
             f"({', '.join(['!llvm.ptr'] * (1 + arg_count))}) -> ()",
             "  %zero = llvm.mlir.constant(0 : i64) : i64",
             "  %one = llvm.mlir.constant(1 : i64) : i64",
             "  %ok0 = llvm.icmp \"ne\" %one, %zero : i64"]
    for j, a in enumerate(args):
        lines.append(f"  %in{j} = llvm.load {a} : !llvm.ptr -> i64")
    taken = [f"%in{j}" for j in range(arg_count)] + [str(memref.GLOBAL_MARKER)]
    ok, start, copies = "%ok0", 0, []
    for i, t in enumerate(result_types):
        rank = len(t.shape)
        field = lambda k: f"%r{i}f{k}"  # noqa: E731  (the k-th 8-byte field of result i)
        for k in range(3 + 2 * rank):
            lines.append(f"  {field(k)}p = llvm.getelementptr %res[{8 * (start + k)}] : "
                         "(!llvm.ptr) -> !llvm.ptr, i8")
            kind = "!llvm.ptr" if k == 1 else "i64"
            lines.append(f"  {field(k)} = llvm.load {field(k)}p : !llvm.ptr -> {kind}")
        dense = tuple(t.shape) + memref.contiguous_strides(t.shape)
        checks = [(field(0), "ne", other) for other in taken] + \
            [(field(3 + k), "eq", str(n)) for k, n in enumerate(dense)]
        for c, (value, pred, other) in enumerate(checks):
            if not other.startswith("%"):
                lines.append(f"  %r{i}k{c} = llvm.mlir.constant({other} : i64) : i64")
                other = f"%r{i}k{c}"
            lines.append(f"  %r{i}c{c} = llvm.icmp \"{pred}\" {value}, {other} : i64")
            lines.append(f"  %r{i}ok{c} = llvm.and {ok}, %r{i}c{c} : i1")
            ok = f"%r{i}ok{c}"
        taken.append(field(0))
        copies.append((i, t, field))
        start += 3 + 2 * rank
    lines.append(f"  llvm.cond_br {ok}, ^copy, ^keep")
    lines.append("^copy:")
    for i, t, field in copies:
        size = t.dtype.itemsize
        lines += [f"  %s{i}e = llvm.mlir.constant({size} : i64) : i64",
                  f"  %s{i}o = llvm.mul {field(2)}, %s{i}e : i64",
                  f"  %s{i} = llvm.getelementptr {field(1)}[%s{i}o] : (!llvm.ptr, i64) -> "
                  "!llvm.ptr, i8"]
        if _nbytes(t) > memref.COPY_LIMIT:  # adopted: its data and allocated pointers out
            lines += [f"  llvm.store %s{i}, %d{i} : !llvm.ptr, !llvm.ptr",
                      f"  %d{i}a = llvm.getelementptr %d{i}[8] : (!llvm.ptr) -> !llvm.ptr, i8",
                      f"  llvm.store {field(0)}, %d{i}a : i64, !llvm.ptr"]
            continue
        lines += [f"  %n{i} = llvm.mlir.constant({_nbytes(t)} : i64) : i64",
                  f"  \"llvm.intr.memcpy\"(%d{i}, %s{i}, %n{i}) <{{isVolatile = false}}> : "
                  "(!llvm.ptr, !llvm.ptr, i64) -> ()",
                  f"  %f{i} = llvm.inttoptr {field(0)} : i64 to !llvm.ptr",
                  f"  llvm.call @free(%f{i}) : (!llvm.ptr) -> ()"]
    lines += ["  llvm.return %one : i64", "^keep:", "  llvm.return %zero : i64", "}"]
    decls = [f"llvm.func @_mlir_ciface_{name}({', '.join(['!llvm.ptr'] * (1 + arg_count))})",
             "llvm.func @free(!llvm.ptr)"]
    return "\n".join(decls + lines)
