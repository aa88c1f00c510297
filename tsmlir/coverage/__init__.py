"""What tsmlir supports, and what a given program needs that it does not.

    python -m tsmlir.coverage            # the supported aten schemas and their count
    tsmlir.check_support(model, [x])     # the unsupported ops of one program, as data

In: the importer's aten table and the tsm op registry; for `check_support`, a
module (nn.Module, ScriptModule or .pt path) with example inputs or input specs.
Out: text listings (shared with `tsmlir-opt --list-supported-ops`), or a list
of `UnsupportedOp` (schema and source location), empty when the program
imports.  Other import errors (an unsupported dtype, a bad argument) raise.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SourceLoc, UnsupportedOpError


@dataclass(frozen=True)
class UnsupportedOp:
    """One use of an unsupported op: its schema (`aten::name.overload`) and
    where the user's code calls it."""
    schema: str
    loc: SourceLoc | None

    def __str__(self) -> str:
        return f"{self.loc}: {self.schema}" if self.loc else self.schema


def supported_schemas() -> list[str]:
    """The aten schemas the importer translates, sorted."""
    from ..importer.aten import supported_schemas as schemas
    return schemas()


def report(with_tsm_ops: bool = True) -> str:
    """The supported aten schemas with their count (and the tsm ops they map to)."""
    from ..dialects import REGISTRY
    schemas = supported_schemas()
    lines = [f"{len(schemas)} supported aten schemas:"] + [f"  {s}" for s in schemas]
    if with_tsm_ops:
        lines.append(f"{len(REGISTRY)} tsm ops:")
        lines += [f"  {d.full_name:24s} {d.doc}" for d in REGISTRY.values()]
    return "\n".join(lines)


def check_support(module, example_inputs=None, *, input_specs=None,
                  method: str = "forward") -> list[UnsupportedOp]:
    """Every unsupported op use of `module.<method>` for these inputs, with
    its location; an empty list when the whole program is supported."""
    from ..compiler import resolve_specs, to_tsm
    specs = resolve_specs(example_inputs, input_specs)
    try:
        to_tsm(module, specs, method)
    except UnsupportedOpError as e:
        return [UnsupportedOp(kind, loc) for kind, loc in e.unsupported]
    return []


README_MARKERS = ("<!-- coverage -->", "<!-- /coverage -->")


def readme_sentence() -> str:
    return f"**{len(supported_schemas())} aten schemas** are supported"


def update_readme(path: str) -> None:
    """Rewrite the text between the coverage markers of a README."""
    with open(path) as f:
        text = f.read()
    begin, end = README_MARKERS
    head, sep, rest = text.partition(begin)
    _, sep2, tail = rest.partition(end)
    if not (sep and sep2):
        raise SystemExit(f"{path}: no {begin}...{end} markers")
    with open(path, "w") as f:
        f.write(head + begin + readme_sentence() + end + tail)


def main(argv: list[str] | None = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(prog="python -m tsmlir.coverage", description=__doc__.split("\n")[0])
    parser.add_argument("--count", action="store_true", help="print only the number of supported schemas")
    parser.add_argument("--tsm-ops", action="store_true", help="also list the tsm ops")
    parser.add_argument("--update-readme", metavar="PATH",
                        help="write the count between the coverage markers of PATH")
    args = parser.parse_args(argv)
    if args.update_readme:
        update_readme(args.update_readme)
        return 0
    print(len(supported_schemas()) if args.count else report(with_tsm_ops=args.tsm_ops))
    return 0
