"""tsmlir-opt: run tsmlir and upstream MLIR passes over a .mlir file (like mlir-opt).

    tsmlir-opt input.mlir --tsm-lower-elementwise --canonicalize -o out.mlir
    tsmlir-opt --pass-pipeline='builtin.module(tsm-to-linalg,cse)' input.mlir
    tsmlir-opt --list-passes | --list-supported-ops
    tsmlir-opt input.mlir --target-cpu x86-64-v3 --tsm-cpu-pipeline

Passes that pick code by the CPU (the matmul register tiles: 8 x 32 with
AVX-512, 6 x 16 with AVX2) target this host, unless the module sets
`tsm.target_avx512` or `--target-cpu` names the CPU (an LLVM name, as for
tsmlir-compile); tests that pin such code name one, so that they pass on
any host.

Pass flags run in command-line order.  A user error (bad IR, failing pass,
unknown pass) prints diagnostics on stderr and exits 1, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

from mlir import ir

import tsmlir.lowering  # noqa: F401  (registers passes)
from tsmlir.context import new_context
from tsmlir.diagnostics import format_diagnostic
from tsmlir.lowering.passes import PASSES
from tsmlir.lowering.pipelines import DESCRIPTIONS, PIPELINES, STAGES, pass_manager
from tsmlir.lowering.target import (AMX_BF16_CPUS, TARGET_AMX_ATTR, TARGET_AVX512_ATTR,
                                    set_target_amx_bf16, set_target_avx512)
from tsmlir.runtime.llvm_tools import ToolError, cpu_has_avx512

SPLIT_MARKER = "// -----"
_EXPECTED = re.compile(r"//\s*expected-(error|warning|remark|note)\s*(@[+-]?\d+)?\s*\{\{(.*?)\}\}")
_LINE = re.compile(r'[:"](\d+):(\d+)')


def _split_top_level(text: str) -> list[str]:
    items, depth, cur = [], 0, ""
    for ch in text:
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return items


def parse_pipeline(text: str) -> list[str]:
    text = text.strip()
    if text.startswith("builtin.module(") and text.endswith(")"):
        text = text[len("builtin.module("):-1]
    return _split_top_level(text)


def pass_flag_to_item(flag: str) -> str:
    """`--name`, `--name=opts` or `--name{opts}` -> pipeline item text."""
    body = flag.lstrip("-")
    if "=" in body and "{" not in body:
        name, opts = body.split("=", 1)
        return f"{name}{{{opts.strip(chr(34) + chr(39))}}}"
    return body


def list_passes() -> str:
    lines = ["tsmlir passes:"]
    for name, p in sorted(PASSES.items()):
        lines.append(f"  --{name:32s} {p.description}")
    lines.append("tsmlir stages and pipelines:")
    for name in [*STAGES, *PIPELINES]:
        lines.append(f"  --{name:32s} {DESCRIPTIONS.get(name, '')}")
    lines.append("upstream MLIR passes (any of them can be used by name):")
    mlir_opt = os.path.join(os.path.dirname(ir.__file__), "bin", "mlir-opt")
    try:
        help_text = subprocess.run([mlir_opt, "--help"], capture_output=True, text=True,
                                   timeout=30).stdout
        for line in help_text.splitlines():
            m = re.match(r"\s{6}--([a-z0-9-]+)\s+-\s+(.*)", line)
            if m:
                lines.append(f"  --{m.group(1):32s} {m.group(2)}")
    except (OSError, subprocess.SubprocessError):
        lines.append("  (mlir-opt not found: see the MLIR pass documentation)")
    return "\n".join(lines)


def list_supported_ops() -> str:
    from tsmlir.coverage import report
    return report()


def check_expected(source: str, diagnostics: list[tuple[int | None, str, str]]) -> list[str]:
    """Compare diagnostics (line, severity, message) with expected-* comments."""
    problems, expected = [], []
    for lineno, line in enumerate(source.splitlines(), start=1):
        for sev, offset, msg in _EXPECTED.findall(line):
            target = lineno + int(offset[1:]) if offset else lineno
            expected.append((target, sev, msg))
    remaining = list(diagnostics)
    for target, sev, msg in expected:
        hit = next((d for d in remaining if d[0] == target and d[1] == sev and msg in d[2]), None)
        if hit is None:
            problems.append(f"line {target}: expected {sev} '{msg}' was not produced")
        else:
            remaining.remove(hit)
    for line, sev, msg in remaining:
        if sev == "error":
            problems.append(f"line {line}: unexpected error: {msg}")
    return problems


def run_chunk(text: str, passes: list[str], args):
    """Parse and transform one input.

    Returns (ok, output IR, diagnostics as (line, severity, message), rendered messages).
    """
    ctx = new_context()
    raw: list[tuple[int | None, str, str]] = []
    rendered: list[str] = []

    def on_diag(d):
        m = _LINE.search(str(d.location))
        raw.append((int(m.group(1)) if m else None, str(d.severity).rsplit(".", 1)[-1].lower(),
                    str(d.message)))
        rendered.append(format_diagnostic(d))
        return True

    with ctx:
        handler = ctx.attach_diagnostic_handler(on_diag)
        try:
            module = ir.Module.parse(text)
            if args.target_avx512 is not None and \
                    TARGET_AVX512_ATTR not in module.operation.attributes:
                set_target_avx512(module.operation, args.target_avx512)
            if args.target_cpu not in (None, "native") and \
                    TARGET_AMX_ATTR not in module.operation.attributes:
                set_target_amx_bf16(module.operation, args.target_cpu in AMX_BF16_CPUS)
            # Like MLIR's verifier after parsing: tsm ops must follow their type rules.
            if not args.no_tsm_verify and not PASSES["tsm-verify"].run(module.operation):
                return False, "", raw, rendered
            if passes:
                pm = pass_manager(passes, print_after_all=args.mlir_print_ir_after_all)
                pm.run(module.operation)
            out = module.operation.get_asm(enable_debug_info=args.mlir_print_debuginfo)
            return True, out, raw, rendered
        except ir.MLIRError as e:
            for d in e.error_diagnostics:
                m = _LINE.search(str(d.location))
                raw.append((int(m.group(1)) if m else None, "error", d.message))
                rendered.append(format_diagnostic(d))
            return False, "", raw, rendered or [f"error: {e}"]
        except ValueError as e:  # unknown pass or malformed pipeline text
            return False, "", raw, [f"error: {e}"]
        finally:
            handler.detach()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tsmlir-opt", description=__doc__.split("\n\n")[0],
        epilog="Any other --flag is a pass (tsmlir or upstream), run in order.")
    parser.add_argument("input", nargs="?", default="-", help="input .mlir file ('-' = stdin)")
    parser.add_argument("-o", dest="output", default="-", help="output file")
    parser.add_argument("--pass-pipeline", help="textual pipeline, e.g. 'builtin.module(a,b)'")
    parser.add_argument("--split-input-file", action="store_true")
    parser.add_argument("--verify-diagnostics", action="store_true")
    parser.add_argument("--mlir-print-ir-after-all", action="store_true")
    parser.add_argument("--mlir-print-debuginfo", action="store_true")
    parser.add_argument("--no-tsm-verify", action="store_true",
                        help="do not check tsm type rules after parsing")
    parser.add_argument("--target-cpu", metavar="CPU",
                        help="the CPU that CPU-specific passes generate code for (an LLVM name: "
                             "x86-64-v3, x86-64-v4, znver3, ...); default: this host")
    parser.add_argument("--list-passes", action="store_true")
    parser.add_argument("--list-supported-ops", action="store_true")
    args, rest = parser.parse_known_args(argv)

    if args.list_passes:
        print(list_passes())
        return 0
    if args.list_supported_ops:
        print(list_supported_ops())
        return 0
    args.target_avx512 = None
    if args.target_cpu:
        try:
            args.target_avx512 = cpu_has_avx512(args.target_cpu)
        except ToolError as e:  # its message starts with "error: "
            print(f"tsmlir-opt: {e}", file=sys.stderr)
            return 1
    passes = parse_pipeline(args.pass_pipeline) if args.pass_pipeline else []
    for flag in rest:
        if not flag.startswith("-"):
            parser.error(f"unexpected argument '{flag}'")
        passes.append(pass_flag_to_item(flag))

    try:
        text = sys.stdin.read() if args.input == "-" else open(args.input).read()
    except OSError as e:
        print(f"tsmlir-opt: error: cannot read '{args.input}': {e.strerror}", file=sys.stderr)
        return 1
    chunks = text.split(SPLIT_MARKER) if args.split_input_file else [text]
    outputs, failed, first_line = [], False, 0
    for chunk in chunks:
        ok, out, raw, messages = run_chunk(chunk, passes, args)
        if args.verify_diagnostics:
            problems = check_expected(chunk, raw)
            for p in problems:  # chunk-relative line numbers -> file line numbers
                p = re.sub(r"^line (\d+)", lambda m: f"line {int(m.group(1)) + first_line}", p)
                print(f"{args.input}: {p}", file=sys.stderr)
            failed |= bool(problems)
        else:
            for m in messages:
                print(m, file=sys.stderr)
            failed |= not ok
        if ok:
            outputs.append(out)
        first_line += chunk.count("\n")
    result = ("\n" + SPLIT_MARKER + "\n").join(outputs)
    if args.output == "-":
        sys.stdout.write(result)
    else:
        with open(args.output, "w") as f:
            f.write(result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
