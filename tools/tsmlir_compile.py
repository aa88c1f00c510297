"""tsmlir-compile: compile a saved TorchScript archive ahead of time into an
object file, a C header and a small C runtime (and a shared library).

    tsmlir-compile model.pt --input 1x3x64x64xf32 -o out/
    tsmlir-compile model.pt --input ?x784xf32 --name mnist --shared -o out/
    tsmlir-compile model.pt --input ?x784xf32 --target-cpu x86-64-v4 -o out/   # for an AVX-512 server
    tsmlir-compile model.pt --method forward --input 4xf32 --method encode --input ?x8xf32 -o out/

An --input spec is `<dims>x<element type>` (`?` for a dynamic dim; `f32` alone
for a 0-d tensor).  With one --method (default forward) every --input belongs to
it; with several, each belongs to the --method before it.  A user
error (bad spec, missing file, unsupported model, failed link) prints a
message on stderr and exits 1, never a traceback.  See docs/aot.md.
"""
from __future__ import annotations

import argparse
import sys

from tsmlir.errors import TsmlirError
from tsmlir.options import CompileOptions
from tsmlir.runtime.aot import EntryPoint, compile_aot, parse_input_spec


class _Ordered(argparse.Action):
    """Keeps --method and --input in command-line order (inputs group by method)."""

    def __call__(self, parser, namespace, values, option_string=None):
        namespace.ordered = [*(getattr(namespace, "ordered", None) or []), (self.dest, values)]


def _entries(ordered) -> list[EntryPoint]:
    methods = [v for kind, v in ordered if kind == "method"]
    if len(methods) <= 1:
        return [EntryPoint(methods[0] if methods else "forward",
                           [parse_input_spec(v) for kind, v in ordered if kind == "input"])]
    entries = [EntryPoint(m, []) for m in methods]
    current = -1
    for kind, v in ordered:
        if kind == "method":
            current += 1
        else:
            entries[max(current, 0)].specs.append(parse_input_spec(v))
    return entries


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tsmlir-compile", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("archive", help="a torch.jit.save'd TorchScript archive (.pt)")
    parser.add_argument("--input", dest="input", action=_Ordered, metavar="SPEC",
                        help="the shape and element type of the next tensor argument, "
                             "e.g. 1x3x64x64xf32 or ?x784xf32")
    parser.add_argument("--method", dest="method", action=_Ordered, metavar="NAME",
                        help="an entry point to compile (default: forward; repeatable)")
    parser.add_argument("--name", help="prefix of the files and C functions "
                                       "(default: the archive's file name)")
    parser.add_argument("-o", "--output-dir", required=True, metavar="DIR",
                        help="where <name>.o, <name>.h and <name>_runtime.c are written")
    parser.add_argument("--shared", action="store_true",
                        help="also link <name>.so with the system C compiler")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--portable", action="store_true",
                        help="generate code for any x86-64-v2 CPU instead of this host's CPU")
    target.add_argument("--target-cpu", metavar="CPU",
                        help="generate code for this CPU (an LLVM name: x86-64-v4, "
                             "sapphirerapids, znver4, ...) instead of this host's CPU")
    parser.add_argument("-O", dest="opt_level", type=int, choices=range(4),
                        default=CompileOptions().opt_level, help="LLVM optimization level")
    parser.add_argument("--dump-dir", metavar="DIR",
                        help="write the IR of every stage and the LLVM IR there")
    parser.add_argument("--cc", default="cc", help="C compiler used to link --shared (default: cc)")
    args = parser.parse_args(argv)

    try:
        entries = _entries(getattr(args, "ordered", None) or [])
        options = CompileOptions(opt_level=args.opt_level)
        if args.dump_dir:
            options.dump_dir = args.dump_dir
        result = compile_aot(args.archive, entries, args.output_dir, name=args.name,
                             shared=args.shared, portable=args.portable,
                             target_cpu=args.target_cpu, options=options,
                             cc=args.cc)
    except TsmlirError as e:
        print(f"tsmlir-compile: {e}", file=sys.stderr)  # `e` renders as "[loc: ]error: ..."
        return 1
    for path in (result.object_file, result.header, result.runtime_source, result.shared_library):
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
