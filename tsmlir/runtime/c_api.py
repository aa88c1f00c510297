"""C source of the ahead-of-time API: the header and the C runtime.

In: the lowered entry points of one model (`LoweredEntry`: names, result
types, output structure, run-time check messages).
Out: the text of `<name>.h` (memref descriptor structs, one function per
entry point, error messages, free) and `<name>_runtime.c` (argument checks,
the run-time error callback, the print callbacks, ownership of the outputs).  See aot.py for how
they are compiled and linked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch

from ..dialects.types import DYN, TensorT
from ..specs import TensorSpec
from .callbacks import c_source as print_callbacks_source

#: Element type spelling (as in MLIR and in `--input` specs) -> (dtype, C type).
ELEMENT_TYPES = {
    "f32": (torch.float32, "float"), "f64": (torch.float64, "double"),
    "f16": (torch.float16, "uint16_t"), "bf16": (torch.bfloat16, "uint16_t"),
    "i64": (torch.int64, "int64_t"), "i32": (torch.int32, "int32_t"),
    "i16": (torch.int16, "int16_t"), "i8": (torch.int8, "int8_t"),
    "ui8": (torch.uint8, "uint8_t"), "i1": (torch.bool, "uint8_t"),
}
_BY_DTYPE = {dtype: (name, ctype) for name, (dtype, ctype) in ELEMENT_TYPES.items()}
_C_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if "
    "inline int long register restrict return short signed sizeof static struct switch typedef "
    "union unsigned void volatile while bool true false".split())
# Status codes every generated API shares (status = index + 1); entry points
# number theirs after these.
_STATUS_MESSAGES = ["out of memory while copying an output",
                    "a descriptor pointer argument is NULL"]
_OUT_OF_MEMORY, _NULL_POINTER = 1, 2
_HELPERS = frozenset({"error_message", "free"})  # <name>_<helper>() in every API
@dataclass
class LoweredEntry:
    entry: Any  # aot.EntryPoint
    arg_names: list[str]
    result_types: list[TensorT]
    structure: Any
    messages: list[str]
    llvm_ir: str  # path of the .ll file


def spec_text(t: TensorSpec | TensorT) -> str:
    dims = ["?" if d == DYN else str(d) for d in t.shape]
    return "x".join(dims + [_BY_DTYPE[t.dtype][0]])


def _memref_type(t: TensorSpec | TensorT) -> str:
    return f"tsmlir_memref_{_BY_DTYPE[t.dtype][0]}_{len(t.shape)}d"


def _memref_typedef(t: TensorSpec | TensorT) -> list[str]:
    elem, ctype = _BY_DTYPE[t.dtype]
    rank, type_name = len(t.shape), _memref_type(t)
    guard = type_name.upper() + "_DEFINED"
    index = "".join(f"[i{d}]" for d in range(rank))
    address = " + ".join(["offset"] + [f"i{d} * strides[{d}]" for d in range(rank)])
    lines = [f"#ifndef {guard}", f"#define {guard}",
             f"/* A rank-{rank} {elem} tensor (an MLIR memref descriptor): element {index or '[]'} is",
             f"   aligned[{address}]. */",
             "typedef struct {",
             f"  {ctype} *allocated;  /* the malloc'ed block (what to free) */",
             f"  {ctype} *aligned;    /* the data */",
             "  int64_t offset;"]
    if rank:
        lines += [f"  int64_t sizes[{rank}];", f"  int64_t strides[{rank}];"]
    return lines + [f"}} {type_name};", "#endif", ""]


def _signature(name: str, lw: LoweredEntry) -> str:
    params = [f"const {_memref_type(s)} *{n}" for s, n in zip(lw.entry.specs, lw.arg_names)]
    params += [f"{_memref_type(t)} *out{i}" for i, t in enumerate(lw.result_types)]
    head = f"int {name}_{lw.entry.method}("
    one_line = head + (", ".join(params) or "void") + ")"
    if len(one_line) <= 100:
        return one_line
    return head + (",\n" + " " * len(head)).join(params) + ")"


def _structure_text(structure) -> str:
    if isinstance(structure, int):
        return f"out{structure}"
    inner = ", ".join(_structure_text(s) for s in structure)
    return f"[{inner}]" if isinstance(structure, list) else \
        f"({inner}{',' if len(structure) == 1 else ''})"


def header_source(name: str, lowered: Sequence[LoweredEntry], archive: str, target: str) -> str:
    """The text of `<name>.h`."""
    guard = f"{name.upper()}_H_"
    out = [f"/* {name}.h: C API of {archive}, compiled by tsmlir-compile for {target}.",
           " *",
           f" * Link {name}.o and {name}_runtime.c (cc main.c {name}_runtime.c {name}.o -lm),",
           f" * or {name}.so if it was built (--shared).  No Python is needed at run time.",
           " *",
           " * Every function returns 0 on success.  Otherwise it returns a status (a bad",
           " * argument, or a failed run-time check such as mismatched dynamic sizes) that",
           f" * {name}_error_message() explains, and its outputs are zeroed.",
           " * Inputs: contiguous row-major tensors (sizes >= 0; the first element at",
           " * aligned + offset); only read.  Outputs: contiguous row-major with offset 0, each",
           f" * owned by the caller: release with {name}_free(out.allocated).",
           " * Calls may run concurrently from several threads.",
           " */",
           f"#ifndef {guard}", f"#define {guard}", "",
           "#include <stdint.h>", "",
           "#ifdef __cplusplus", 'extern "C" {', "#endif", ""]
    seen = set()
    for lw in lowered:
        for t in [*lw.entry.specs, *lw.result_types]:
            if _memref_type(t) not in seen:
                seen.add(_memref_type(t))
                out += _memref_typedef(t)
    for lw in lowered:
        ins = ", ".join(f"{n}: {spec_text(s)}" for s, n in zip(lw.entry.specs, lw.arg_names))
        outs = ", ".join(f"out{i}: {spec_text(t)}" for i, t in enumerate(lw.result_types))
        out += [f"/* {lw.entry.method}({ins}) -> ({outs})",
                f"   TorchScript returns {_structure_text(lw.structure)}. */",
                _signature(name, lw) + ";", ""]
    out += ["/* The message of a status returned by the functions above (\"success\" for 0). */",
            f"const char *{name}_error_message(int64_t status);", "",
            "/* Releases an output (pass out.allocated); NULL is ignored. */",
            f"void {name}_free(void *allocated);", "",
            "#ifdef __cplusplus", "}", "#endif", f"#endif /* {guard} */", ""]
    return "\n".join(out)


def _c_string(text: str) -> str:
    out = []
    for b in text.encode():
        c = chr(b)
        if c in '"\\' or (c == "?" and out and out[-1] == "?"):  # "??" could start a trigraph
            out.append("\\" + c)
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


# Helpers shared by every wrapper; `NAME` is replaced by the API name.
_RUNTIME_HELPERS = r"""
/* The allocated pointer of a returned constant (never to be freed). */
#define TSMLIR_CONSTANT_ ((void *)(uintptr_t)0xdeadbeef)

/* The status of the current call on this thread (0: no check failed). */
static _Thread_local int NAME_status_;

const char *NAME_error_message(int64_t status) {
  if (status == 0)
    return "success";
  if (status < 0 || status > (int64_t)(sizeof NAME_messages_ / sizeof NAME_messages_[0]))
    return "unknown status";
  return NAME_messages_[status - 1];
}

void NAME_free(void *allocated) { free(allocated); }

/* Sizes >= 0 and the strides of a contiguous row-major layout (any stride
   for a dim of size 1). */
static inline int NAME_row_major_(const int64_t *sizes, const int64_t *strides, int rank) {
  int64_t expected = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (sizes[d] < 0 || (sizes[d] != 1 && strides[d] != expected))
      return 0;
    expected *= sizes[d];
  }
  return 1;
}

static inline void NAME_set_row_major_(const int64_t *sizes, int64_t *strides, int rank) {
  int64_t stride = 1;
  for (int d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    stride *= sizes[d];
  }
}

/* One returned descriptor, whatever its element type. */
typedef struct {
  void *allocated;
  const char *aligned;
  int64_t offset;
  const int64_t *sizes, *strides;
  int rank;
  int64_t elem_size;
} NAME_view_;

static inline char *NAME_gather_(char *dst, const char *src, const NAME_view_ *v, int d) {
  if (d == v->rank) {
    memcpy(dst, src, (size_t)v->elem_size);
    return dst + v->elem_size;
  }
  if (d == v->rank - 1 && v->strides[d] == 1) {
    memcpy(dst, src, (size_t)(v->sizes[d] * v->elem_size));
    return dst + v->sizes[d] * v->elem_size;
  }
  for (int64_t i = 0; i < v->sizes[d]; ++i)
    dst = NAME_gather_(dst, src + i * v->strides[d] * v->elem_size, v, d + 1);
  return dst;
}

/* A fresh contiguous copy of a view (NULL when out of memory). */
static inline void *NAME_copy_(const NAME_view_ *v) {
  int64_t count = 1;
  for (int d = 0; d < v->rank; ++d)
    count *= v->sizes[d];
  char *dst = malloc(count ? (size_t)(count * v->elem_size) : 1);
  if (dst)
    NAME_gather_(dst, v->aligned + v->offset * v->elem_size, v, 0);
  return dst;
}

/* Whether output i is the first to hold a buffer the compiled code malloc'ed. */
static inline int NAME_owns_(const NAME_view_ *v, int i, void *const *inputs, int n_inputs) {
  if (!v[i].allocated || v[i].allocated == TSMLIR_CONSTANT_)
    return 0;
  for (int k = 0; k < n_inputs; ++k)
    if (v[i].allocated == inputs[k])
      return 0;
  for (int j = 0; j < i; ++j)
    if (v[j].allocated == v[i].allocated)
      return 0;
  return 1;
}

/* Hands every output to the caller: copies[i] is a fresh copy of output i, or
   NULL when its buffer is handed over as it is.  Frees the buffers of the
   compiled code that no output keeps. */
static inline int NAME_take_outputs_(const NAME_view_ *v, int n, void *const *inputs, int n_inputs,
                                     void **copies) {
  int ok = 1;
  for (int i = 0; i < n; ++i) {
    int keep = NAME_owns_(v, i, inputs, n_inputs) && v[i].offset == 0 &&
               NAME_row_major_(v[i].sizes, v[i].strides, v[i].rank);
    copies[i] = keep ? NULL : NAME_copy_(&v[i]);
    ok &= keep || copies[i] != NULL;
  }
  for (int i = 0; i < n; ++i)
    if (NAME_owns_(v, i, inputs, n_inputs) && (copies[i] || !ok))
      free(v[i].allocated);
  if (ok)
    return 0;
  for (int i = 0; i < n; ++i) {
    free(copies[i]);
    copies[i] = NULL;
  }
  return 1; /* out of memory */
}
"""


def _openmp_defaults(name: str) -> list[str]:
    """A load-time constructor applying native_libs.OPENMP_SETTINGS through
    kmp_set_defaults (libiomp5; a weak reference, a no-op with another OpenMP
    runtime), each unless the environment sets it, as the JIT does."""
    from .native_libs import OPENMP_SETTINGS
    out = ["/* The OpenMP runtime's settings for this code (see tsmlir.runtime.native_libs),",
           "   each unless the environment sets it; applied when the program or library",
           "   loads, before the first parallel loop. */",
           "extern void kmp_set_defaults(const char *) __attribute__((weak));",
           f"__attribute__((constructor)) static void {name}_openmp_defaults_(void) {{",
           "  if (!kmp_set_defaults) return;"]
    out += [f'  if (!getenv("{key}")) kmp_set_defaults("{key}={value}");'
            for key, value in OPENMP_SETTINGS]
    return out + ["}", ""]


def runtime_source(name: str, lowered: Sequence[LoweredEntry], *, openmp: bool = False) -> str:
    """The text of `<name>_runtime.c` (`openmp`: the code has parallel loops)."""
    messages = list(_STATUS_MESSAGES)
    wrappers = []
    for lw in lowered:
        wrappers.append(_wrapper(name, lw, messages))
    out = [f"/* {name}_runtime.c: generated by tsmlir-compile; implements {name}.h. */",
           f'#include "{name}.h"', "",
           "#include <stdint.h>", "#include <stdlib.h>", "#include <string.h>", "",
           "/* Indexed by status - 1. */",
           f"static const char *const {name}_messages_[] = {{"]
    out += [f"    {_c_string(m)}," for m in messages]
    out += ["};", _RUNTIME_HELPERS.replace("NAME", name), print_callbacks_source(f"_tsmlir_{name}_")]
    if openmp:
        out += _openmp_defaults(name)
    for w in wrappers:
        out += w
    return "\n".join(out)


def _wrapper(name: str, lw: LoweredEntry, messages: list[str]) -> list[str]:
    """The C function of one entry point; appends its status messages."""
    method, specs, results = lw.entry.method, lw.entry.specs, lw.result_types
    fn = f"{name}_{method}"

    def status(message: str) -> int:
        messages.append(f"{fn}: {message}")
        return len(messages)

    body = [f"{_signature(name, lw)} {{"]
    res_type = f"{fn}_results_"
    outs = [f"out{i}" for i in range(len(results))]
    if outs:
        body.append(f"  {res_type} res;")
    for i, s in enumerate(specs):
        body.append(f"  {_memref_type(s)} in{i};")
    if outs:
        body.append(f"  if ({' || '.join('!' + o for o in outs)})")
        body.append(f"    return {_NULL_POINTER};")
        body += [f"  memset({o}, 0, sizeof *{o});" for o in outs]
    if specs:
        body.append(f"  if ({' || '.join('!' + n for n in lw.arg_names)})")
        body.append(f"    return {_NULL_POINTER};")
    for i, (s, n) in enumerate(zip(specs, lw.arg_names)):
        where = f"argument '{n}' (input {i}, compiled for {spec_text(s)})"
        for d, size in enumerate(s.shape):
            if size != DYN:
                body.append(f"  if ({n}->sizes[{d}] != {size})")
                body.append(f"    return {status(f'{where} must have size {size} in dim {d}')};")
        if s.shape:
            body.append(f"  if (!{name}_row_major_({n}->sizes, {n}->strides, {len(s.shape)}))")
            body.append(f"    return {status(f'{where} must be contiguous (row-major strides, sizes >= 0)')};")
        body += [f"  in{i} = *{n};",
                 f"  in{i}.aligned += in{i}.offset;",
                 f"  in{i}.offset = 0;"]
    check_base = len(messages)
    messages.extend(f"{fn}: {m}" for m in lw.messages)
    call_args = (["&res"] if outs else []) + [f"&in{i}" for i in range(len(specs))]
    body += [f"  {name}_status_ = 0;",
             f"  _tsmlir_{fn}({', '.join(call_args)});",
             f"  if ({name}_status_)",
             f"    return {name}_status_;"]
    if outs:
        n_in = max(len(specs), 1)
        inputs = ", ".join(f"{n}->allocated" for n in lw.arg_names) or "NULL"
        body += [f"  {name}_view_ views[{len(outs)}] = {{"]
        for i, t in enumerate(results):
            r, rank = f"res.r{i}", len(t.shape)
            sizes = f"{r}.sizes, {r}.strides" if rank else "NULL, NULL"
            body.append(f"      {{{r}.allocated, (const char *){r}.aligned, {r}.offset, {sizes}, "
                        f"{rank}, sizeof *{r}.aligned}},")
        body += ["  };",
                 f"  void *const inputs[{n_in}] = {{{inputs}}};",
                 f"  void *copies[{len(outs)}];",
                 f"  if ({name}_take_outputs_(views, {len(outs)}, inputs, {len(specs)}, copies))",
                 f"    return {_OUT_OF_MEMORY};"]
        for i, t in enumerate(results):
            o, rank = outs[i], len(t.shape)
            body += [f"  *{o} = res.r{i};",
                     f"  if (copies[{i}]) {{",
                     f"    {o}->allocated = {o}->aligned = copies[{i}];",
                     f"    {o}->offset = 0;"]
            if rank:
                body.append(f"    {name}_set_row_major_({o}->sizes, {o}->strides, {rank});")
            body.append("  }")
    body += ["  return 0;", "}", ""]

    decl = []
    if outs:
        decl += ["typedef struct {"]
        decl += [f"  {_memref_type(t)} r{i};" for i, t in enumerate(results)]
        decl += [f"}} {res_type};", ""]
    params = ([f"{res_type} *"] if outs else []) + [f"{_memref_type(s)} *" for s in specs]
    decl += [f"/* The C interface of the compiled {method} (in {name}.o). */",
             f"void _tsmlir_{fn}({', '.join(params) or 'void'});", "",
             f"/* Called by the compiled {method} when a run-time check fails: the first",
             "   failure of a call is its status. */",
             f'__attribute__((visibility("hidden"))) void _tsmlir_{fn}_error(int64_t id);',
             f"void _tsmlir_{fn}_error(int64_t id) {{",
             f"  if (!{name}_status_)",
             f"    {name}_status_ = {check_base + 1} + (int)id;",
             "}", ""]
    return decl + body
