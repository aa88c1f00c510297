"""The functions compiled code calls back: `print` and failed checks / raises.

In: a lowered module whose code calls the print callbacks declared by the
importer (`tsmlir/importer/side_effects.py`) and the error callback of
`tsm-asserts-to-errors` (whose module attributes give each error's message,
source location and, for a `raise`/`assert` of the program, its exception
class).
Out:
- the TorchScript text format of values (`format_value`, `format_float`),
  used at import to fold compile-time parts of a print and at run time;
- `JitCallbacks`: ctypes callbacks registered in an ExecutionEngine that
  write to Python's `sys.stdout` (where TorchScript's own `print` goes) and
  turn the error id of a failed call into the Python exception to raise;
- `c_source(prefix)`: the same callbacks in C for the ahead-of-time runtime
  (stdout through stdio; tensors in the layout of ATen's `print`).

Calling convention (all arguments i64/f64/pointers, no struct by value):
  tsmlir_print_text(const char *text)          text known at compile time
  tsmlir_print_i64(int64_t), tsmlir_print_f64(double), tsmlir_print_bool(int64_t)
  tsmlir_print_tensor_<elem>(int64_t dtype_code, int64_t rank, void *descriptor)
  tsmlir_print_to_error(int64_t on)   the writes between on=1 and on=0 are the
                                      message of the `raise` that follows
  tsmlir_print_warning(const char *where)  like on=1, but at on=0 the message
                                      is a UserWarning (`warnings.warn`) at where
(an unranked memref argument lowers to its rank and a pointer to the ranked
descriptor).  A print statement is a sequence of these calls; nothing is
called, and no Python runs, while the program prints nothing.
"""
from __future__ import annotations

import builtins
import ctypes
import functools
import math
import sys
import warnings

import torch
from mlir import ir

from ..errors import SourceLoc, TsmlirError
from ..lowering.runtime_errors import CLASSES_ATTR, LOCATIONS_ATTR
from . import memref

PRINT_TEXT = "tsmlir_print_text"
PRINT_SCALARS = {"i64": "tsmlir_print_i64", "f64": "tsmlir_print_f64", "bool": "tsmlir_print_bool"}
# Tensors are passed in the element type they are stored in (bool as i8).
TENSOR_ELEMENTS = ("f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8")
PRINT_TENSOR = {e: f"tsmlir_print_tensor_{e}" for e in TENSOR_ELEMENTS}
PRINT_TO_ERROR = "tsmlir_print_to_error"
PRINT_WARNING = "tsmlir_print_warning"
SYMBOLS = (PRINT_TEXT, *PRINT_SCALARS.values(), *PRINT_TENSOR.values(), PRINT_TO_ERROR,
           PRINT_WARNING)

# dtype_code -> (dtype, ATen type name used by its tensor printer).
DTYPE_CODES = ((torch.float32, "Float"), (torch.float64, "Double"), (torch.float16, "Half"),
               (torch.bfloat16, "BFloat16"), (torch.int64, "Long"), (torch.int32, "Int"),
               (torch.int16, "Short"), (torch.int8, "Char"), (torch.bool, "Bool"))
DTYPE_CODE = {d: i for i, (d, _) in enumerate(DTYPE_CODES)}



# -- the TorchScript text format ------------------------------------------------
def format_float(d: float) -> str:
    """A float as TorchScript prints it: `1.` for integral values that fit an
    int64, else 17 significant digits (`0.10000000000000001`)."""
    if math.isfinite(d) and -2.0 ** 63 <= d < 2.0 ** 63 and d == int(d):
        return f"{int(d)}."
    if math.isnan(d):
        return "-nan" if math.copysign(1.0, d) < 0 else "nan"
    return "%.17g" % d


def format_value(v) -> str:
    """A compile-time value as TorchScript's `print`/`str`/`format` write it
    (strings unquoted, even inside lists)."""
    if v is None:
        return "None"
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return format_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, list):
        return "[" + ", ".join(format_value(x) for x in v) + "]"
    if isinstance(v, tuple):
        inner = ", ".join(format_value(x) for x in v)
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(v, torch.device):
        return str(v)
    if isinstance(v, torch.Tensor):
        return format_tensor(v)
    raise TypeError(f"cannot print a value of type {type(v).__name__}")


_TENSOR_FORMATTER = None


def format_tensor(t: torch.Tensor) -> str:
    """ATen's tensor printer (what TorchScript's print writes), run by TorchScript itself."""
    global _TENSOR_FORMATTER
    if _TENSOR_FORMATTER is None:
        _TENSOR_FORMATTER = torch.jit.script(_tensor_text)
    return _TENSOR_FORMATTER(t)


def _tensor_text(t: torch.Tensor) -> str:
    return "{}".format(t)


# -- JIT ---------------------------------------------------------------------------
_TEXT = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_I64 = ctypes.CFUNCTYPE(None, ctypes.c_int64)
_F64 = ctypes.CFUNCTYPE(None, ctypes.c_double)
_TENSOR = ctypes.CFUNCTYPE(None, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p)


# Element types read directly for a 0-d tensor.
_SCALAR_CTYPES = {torch.float32: ctypes.c_float, torch.float64: ctypes.c_double,
                  torch.int64: ctypes.c_int64, torch.int32: ctypes.c_int32,
                  torch.int16: ctypes.c_int16, torch.int8: ctypes.c_int8, torch.bool: ctypes.c_int8}


@functools.lru_cache(maxsize=None)
def _descriptor(rank: int) -> type[ctypes.Structure]:
    return memref.descriptor_type(rank)


def format_scalar_tensor(value: float, dtype: torch.dtype) -> str:
    """A 0-d tensor as ATen prints it, from its value: the shortest digits that
    read back as the same double (Python's repr, without a trailing ".0")."""
    text = repr(value)
    text = text[:-2] if text.endswith(".0") else text
    if math.isnan(value):
        text = "-nan" if math.copysign(1.0, value) < 0 else "nan"
    return f"{text}\n[ CPU{DTYPE_CODES[DTYPE_CODE[dtype]][1]}Type{{}} ]"


def _print_tensor(write, code: int, rank: int, desc: int) -> None:
    dtype = DTYPE_CODES[code][0]
    d = _descriptor(rank).from_address(desc)
    if rank == 0 and dtype in _SCALAR_CTYPES:  # e.g. h.mean(): no torch call
        value = _SCALAR_CTYPES[dtype].from_address(d.aligned + d.offset * dtype.itemsize).value
        write(format_scalar_tensor(float(value), dtype))
        return
    sizes = list(d.sizes) if rank else []
    strides = list(d.strides) if rank else []
    span = 1 + sum((s - 1) * st for s, st in zip(sizes, strides)) if all(sizes) else 0
    if span == 0:  # no element to read
        write(format_tensor(torch.empty(sizes, dtype=dtype)))
        return
    storage = torch.int8 if dtype == torch.bool else dtype
    base = memref._borrow(d.aligned or 0, d.offset + span, storage, storage.itemsize)
    view = torch.as_strided(base, sizes, strides, d.offset)
    write(format_tensor(view.view(torch.bool) if dtype == torch.bool else view))


class JitCallbacks:
    """The callbacks of one JIT-compiled function."""

    def __init__(self, engine, module: ir.Module, messages: list[str]):
        self.messages = messages
        attrs = module.operation.attributes
        self.locations = _strings(attrs, LOCATIONS_ATTR)
        self.classes = _strings(attrs, CLASSES_ATTR)
        declared = {ir.StringAttr(op.attributes["sym_name"]).value
                    for op in module.body.operations if "sym_name" in op.attributes}
        # The message of a raise being written (None: writes go to stdout).
        self._message: list[str] | None = None
        self._raise_message: str | None = None
        self._warning_at: str | None = None  # the message being written is a warning
        write = self._write
        functions = {
            PRINT_TEXT: _TEXT(lambda p: write(p.decode("utf-8", "replace"))),
            PRINT_SCALARS["i64"]: _I64(lambda v: write(str(v))),
            PRINT_SCALARS["f64"]: _F64(lambda v: write(format_float(v))),
            PRINT_SCALARS["bool"]: _I64(lambda v: write("True" if v else "False")),
            PRINT_TO_ERROR: _I64(self._to_error),
            PRINT_WARNING: _TEXT(self._warning),
            **{name: _TENSOR(lambda *a: _print_tensor(write, *a)) for name in PRINT_TENSOR.values()},
        }
        self._keep = []  # the ctypes thunks must outlive the engine's code
        for name, fn in functions.items():
            if name in declared:
                self._keep.append(fn)
                engine.raw_register_runtime(name, ctypes.cast(fn, ctypes.c_void_p))

    def _write(self, text: str) -> None:
        if self._message is None:
            sys.stdout.write(text)
        else:
            self._message.append(text)

    def _to_error(self, on: int) -> None:
        if on:
            self._message = []
            return
        message, self._message = "".join(self._message or []), None
        if self._warning_at is None:
            self._raise_message = message
            return
        loc, self._warning_at = _parse_loc(self._warning_at), None
        if loc is None:
            warnings.warn(message, UserWarning)
        else:
            warnings.warn_explicit(message, UserWarning, loc.file, loc.line)

    def _warning(self, where: bytes) -> None:
        self._warning_at = where.decode("utf-8", "replace")
        self._message = []

    def error(self, error_id: int) -> Exception:
        """The exception for the first failed check / raise of a call."""
        from .jit import RuntimeCheckError  # jit imports this module
        message = self.messages[error_id] if error_id < len(self.messages) \
            else "run-time check failed"
        cls = self.classes[error_id] if error_id < len(self.classes) else ""
        if cls and self._raise_message is not None:  # written just before the raise
            message = self._raise_message
        self._raise_message = self._message = None
        loc = _parse_loc(self.locations[error_id]) if error_id < len(self.locations) else None
        if not cls:
            return RuntimeCheckError(message, loc)
        return _raised_class(cls)(message, loc)


def _strings(attrs, name: str) -> list[str]:
    return [ir.StringAttr(a).value for a in attrs[name]] if name in attrs else []


def _parse_loc(text: str) -> SourceLoc | None:
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return SourceLoc(parts[0], int(parts[1]), int(parts[2]))


class ScriptRaisedError(TsmlirError, RuntimeError):
    """The compiled program raised an exception (`raise ...` or a failed
    `assert`).  Also an instance of the raised builtin class (ValueError,
    AssertionError, ...), so `except ValueError` works as in eager mode."""

    def __str__(self) -> str:  # not KeyError's quoting or SyntaxError's fields
        return str(self.args[0]) if self.args else ""


_RAISED: dict[str, type] = {}


def _raised_class(name: str) -> type:
    if name not in _RAISED:
        from .jit import RuntimeCheckError
        base = getattr(builtins, name, None)
        bases = (ScriptRaisedError, RuntimeCheckError)
        if isinstance(base, type) and issubclass(base, Exception) and \
                not issubclass(RuntimeCheckError, base):
            bases += (base,)
        try:
            _RAISED[name] = type(f"Script{name}", bases, {"__module__": __name__})
        except TypeError:  # incompatible layouts (e.g. OSError): no builtin base
            _RAISED[name] = type(f"Script{name}", bases[:2], {"__module__": __name__})
    return _RAISED[name]


# -- AOT -----------------------------------------------------------------------------
_C_SOURCE = r"""
/* Print callbacks of the compiled code (TorchScript's print format). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#define PFX_HIDDEN __attribute__((visibility("hidden")))

/* While the message of a `raise` is written: stderr (the status message keeps
   "{}" where the values go). */
static _Thread_local int PFX_to_error_;
static FILE *PFX_out_(void) { return PFX_to_error_ ? stderr : stdout; }
PFX_HIDDEN void PFX_print_to_error(int64_t on) {
  PFX_to_error_ = (int)on;
  if (!on)
    fputc('\n', stderr);
}
PFX_HIDDEN void PFX_print_warning(const char *where) {
  PFX_to_error_ = 1;
  fprintf(stderr, "%s: UserWarning: ", where);
}

PFX_HIDDEN void PFX_print_text(const char *text) { fputs(text, PFX_out_()); }
PFX_HIDDEN void PFX_print_i64(int64_t v) { fprintf(PFX_out_(), "%" PRId64, v); }
PFX_HIDDEN void PFX_print_bool(int64_t v) { fputs(v ? "True" : "False", PFX_out_()); }

PFX_HIDDEN void PFX_print_f64(double d) {
  if (isfinite(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
      d == (double)(int64_t)d)
    fprintf(PFX_out_(), "%" PRId64 ".", (int64_t)d);
  else
    fprintf(PFX_out_(), "%.17g", d);
}

static const char *const PFX_type_names_[] = {"Float", "Double", "Half", "BFloat16", "Long",
                                              "Int", "Short", "Char", "Bool"};

/* An element of any stored type as a double. */
static double PFX_load_(const char *p, int64_t code) {
  switch (code) {
  case 0: return *(const float *)p;
  case 1: return *(const double *)p;
  case 2: { /* IEEE half */
    uint16_t h = *(const uint16_t *)p;
    int e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return h & 0x8000 ? -v : v;
  }
  case 3: { /* bfloat16: the high half of a float */
    uint32_t bits = (uint32_t)*(const uint16_t *)p << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
  }
  case 4: return (double)*(const int64_t *)p;
  case 5: return *(const int32_t *)p;
  case 6: return *(const int16_t *)p;
  default: return *(const int8_t *)p; /* int8, bool */
  }
}

static const int64_t PFX_elem_size_[] = {4, 8, 2, 2, 8, 4, 2, 1, 1};

/* How ATen's printer lays out a block of values: the column width, a common
   scale factor and the notation (0: %g, 1: %.4e, 2: %.4f). */
typedef struct { int64_t width; double scale; int notation; } PFX_layout_;

static PFX_layout_ PFX_layout_of_(const double *v, int64_t n) {
  PFX_layout_ f = {0, 1.0, 0};
  if (n == 0)
    return f;
  int integral = 1;
  for (int64_t i = 0; i < n && integral; ++i)
    if (isfinite(v[i]) && v[i] != ceil(v[i]))
      integral = 0;
  int64_t first = 0;
  while (first < n && !isfinite(v[first]))
    ++first;
  double lo = 1, hi = 1;
  if (first < n) {
    lo = hi = fabs(v[first]);
    for (int64_t i = first; i < n; ++i) {
      double a = fabs(v[i]);
      if (!isfinite(a))
        continue;
      if (a < lo)
        lo = a;
      if (a > hi)
        hi = a;
    }
    lo = lo != 0 ? floor(log10(lo)) + 1 : 1;
    hi = hi != 0 ? floor(log10(hi)) + 1 : 1;
  }
  if (integral) {
    if (hi > 9)
      f.width = 11, f.notation = 1;
    else
      f.width = (int64_t)hi + 1, f.notation = 0;
  } else if (hi - lo > 4) {
    f.width = fabs(hi) > 99 || fabs(lo) > 99 ? 12 : 11;
    f.notation = 1;
  } else if (hi > 5 || hi < 0) {
    f.width = 7, f.scale = pow(10, hi - 1), f.notation = 2;
  } else {
    f.width = hi == 0 ? 7 : (int64_t)hi + 6, f.notation = 2;
  }
  return f;
}

static void PFX_put_(double x, const PFX_layout_ *f) {
  int w = (int)f->width;
  if (f->notation == 1)
    fprintf(PFX_out_(), "%*.4e", w, x);
  else if (f->notation == 2)
    fprintf(PFX_out_(), "%*.4f", w, x);
  else
    fprintf(PFX_out_(), "%*g", w, x);
}

/* A double in the shortest form that reads back as itself, scientific for
   exponents < -4 or >= 16 (how ATen prints a 0-d tensor). */
static void PFX_put_shortest_(double x) {
  if (!isfinite(x)) {
    fprintf(PFX_out_(), "%g", x);
    return;
  }
  char buf[40];
  int digits = 1;
  for (; digits < 17; ++digits) {
    snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
    if (strtod(buf, NULL) == x)
      break;
  }
  snprintf(buf, sizeof buf, "%.*e", digits - 1, x);
  int exponent = atoi(strchr(buf, 'e') + 1);
  if (exponent < -4 || exponent >= 16) {
    /* the mantissa without trailing zeros (%.*e kept exactly `digits` digits) */
    fputs(buf, PFX_out_());
  } else {
    int decimals = digits - 1 - exponent;
    fprintf(PFX_out_(), "%.*f", decimals > 0 ? decimals : 0, x);
  }
}

static void PFX_indent_(int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    fputc(' ', PFX_out_());
}

/* A rows x cols matrix (row-major values), 80 columns per line. */
static void PFX_matrix_(const double *v, int64_t rows, int64_t cols, int64_t indent) {
  PFX_layout_ f = PFX_layout_of_(v, rows * cols);
  int64_t per_line = (80 - indent) / (f.width + 1);
  for (int64_t first = 0, last; first < cols; first = last + 1) {
    last = first + per_line <= cols ? first + per_line - 1 : cols - 1;
    if (per_line < cols) {
      if (first != 0)
        fputc('\n', PFX_out_());
      fprintf(PFX_out_(), "Columns %" PRId64 " to %" PRId64, first + 1, last + 1);
      PFX_indent_(indent);
    }
    if (f.scale != 1) {
      fprintf(PFX_out_(), "%g *\n", f.scale);
      PFX_indent_(indent);
    }
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = first; c <= last; ++c) {
        PFX_put_(v[r * cols + c] / f.scale, &f);
        if (c != last) {
          fputc(' ', PFX_out_());
          continue;
        }
        fputc('\n', PFX_out_());
        if (r != rows - 1) {
          PFX_indent_(indent);
          if (f.scale != 1)
            fputc(' ', PFX_out_());
        }
      }
  }
}

/* Copies the strided elements into a row-major array of doubles. */
static void PFX_gather_(double *out, int64_t *k, const char *p, const int64_t *sizes,
                        const int64_t *strides, int64_t rank, int64_t d, int64_t code) {
  if (d == rank) {
    out[(*k)++] = PFX_load_(p, code);
    return;
  }
  for (int64_t i = 0; i < sizes[d]; ++i)
    PFX_gather_(out, k, p + i * strides[d] * PFX_elem_size_[code], sizes, strides, rank, d + 1,
                code);
}

static void PFX_print_tensor_(int64_t code, int64_t rank, void *descriptor) {
  /* allocated, aligned, offset, sizes[rank], strides[rank] */
  char *const *ptrs = (char *const *)descriptor;
  const int64_t *ints = (const int64_t *)descriptor + 2;
  const int64_t *sizes = ints + 1, *strides = ints + 1 + rank;
  int64_t n = 1;
  for (int64_t d = 0; d < rank; ++d)
    n *= sizes[d];
  double *v = malloc((size_t)(n ? n : 1) * sizeof(double));
  if (!v) {
    fputs("[ tensor: out of memory ]", PFX_out_());
    return;
  }
  int64_t k = 0;
  PFX_gather_(v, &k, ptrs[1] + ints[0] * PFX_elem_size_[code], sizes, strides, rank, 0, code);
  if (rank == 0) {
    PFX_put_shortest_(v[0]);
    fputc('\n', PFX_out_());
  } else if (rank == 1 && n) {
    PFX_layout_ f = PFX_layout_of_(v, n);
    if (f.scale != 1)
      fprintf(PFX_out_(), "%g *\n", f.scale);
    for (int64_t i = 0; i < n; ++i) {
      PFX_put_(v[i] / f.scale, &f);
      fputc('\n', PFX_out_());
    }
  } else if (rank == 2 && n) {
    PFX_matrix_(v, sizes[0], sizes[1], 0);
  } else if (rank > 2 && n) {
    /* ATen counts the leading dims with dim 0 fastest. */
    int64_t rows = sizes[rank - 2], cols = sizes[rank - 1], outer = n / (rows * cols);
    for (int64_t m = 0; m < outer; ++m) {
      if (m)
        fputc('\n', PFX_out_());
      fputc('(', PFX_out_());
      int64_t start = 0;
      for (int64_t d = 0, rest = m; d < rank - 2; ++d) {
        int64_t below = rows * cols;
        for (int64_t e = d + 1; e < rank - 2; ++e)
          below *= sizes[e];
        fprintf(PFX_out_(), "%" PRId64 ",", rest % sizes[d] + 1);
        start += rest % sizes[d] * below;
        rest /= sizes[d];
      }
      fputs(".,.) = \n", PFX_out_());
      PFX_matrix_(v + start, rows, cols, 1);
    }
  }
  fprintf(PFX_out_(), "[ CPU%sType{", PFX_type_names_[code]);
  for (int64_t d = 0; d < rank; ++d)
    fprintf(PFX_out_(), d ? ",%" PRId64 : "%" PRId64, sizes[d]);
  fputs("} ]", PFX_out_());
  free(v);
}
"""


def c_source(prefix: str) -> str:
    """C definitions of the print callbacks, named `<prefix>print_*` (see
    `aot_symbol`); needs <stdint.h>, <stdlib.h>, <string.h> included before."""
    text = _C_SOURCE.replace("PFX_", prefix)
    for elem in TENSOR_ELEMENTS:
        text += (f"{prefix}HIDDEN void {prefix}print_tensor_{elem}(int64_t code, int64_t rank, "
                 f"void *descriptor) {{\n  {prefix}print_tensor_(code, rank, descriptor);\n}}\n")
    return text


def aot_symbol(symbol: str, prefix: str) -> str:
    """The name a callback symbol takes in an AOT object (`tsmlir_print_x` -> `<prefix>print_x`)."""
    return prefix + symbol[len("tsmlir_"):]
