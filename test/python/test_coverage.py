"""The coverage report (`python -m tsmlir.coverage`) and `tsmlir.check_support`."""
import subprocess
import sys

import torch

import tsmlir
from tsmlir.coverage import report, supported_schemas


class Unsupported(torch.nn.Module):
    def forward(self, x):
        y = torch.special.bessel_j0(x)  # unsupported
        z = torch.relu(x)
        return torch.special.bessel_y0(z), y  # unsupported, downstream of nothing unsupported


def _line_of(text: str) -> int:
    import inspect
    lines, start = inspect.getsourcelines(Unsupported.forward)
    return start + next(i for i, line in enumerate(lines) if text in line)


def test_check_support_lists_every_unsupported_op_with_its_location():
    found = tsmlir.check_support(Unsupported(), [torch.randn(3, 4)])
    assert [u.schema for u in found] == ["aten::special_bessel_j0", "aten::special_bessel_y0"]
    assert [u.loc.line for u in found] == [_line_of("bessel_j0"), _line_of("bessel_y0")]
    assert all(u.loc.file == __file__ for u in found)
    assert str(found[0]).startswith(f"{__file__}:{_line_of('bessel_j0')}")


def test_check_support_of_a_supported_program_is_empty():
    class Fine(torch.nn.Module):
        def forward(self, x):
            return torch.clamp(x * 2, min=0.0).sqrt()
    assert tsmlir.check_support(Fine(), input_specs=[tsmlir.TensorSpec((-1, 4))]) == []


def test_report_and_command_agree():
    schemas = supported_schemas()
    assert schemas == sorted(schemas) and "aten::where.self" in schemas
    text = report(with_tsm_ops=False)
    assert text.splitlines()[0] == f"{len(schemas)} supported aten schemas:"
    out = subprocess.run([sys.executable, "-m", "tsmlir.coverage", "--count"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == str(len(schemas)) and not out.stderr


def test_readme_count_is_generated():
    """The README's count comes from the coverage command, never typed by hand."""
    import pathlib

    from tsmlir.coverage import README_MARKERS, readme_sentence
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    begin, end = README_MARKERS
    assert begin + readme_sentence() + end in readme, \
        "README is stale: run `python -m tsmlir.coverage --update-readme README.md`"


def test_dialect_reference_is_generated():
    import pathlib

    from tsmlir.dialects.docs import markdown
    doc = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "tsm-dialect.md").read_text()
    assert doc.strip() == markdown().strip(), \
        "docs/tsm-dialect.md is stale: run `python -m tsmlir.dialects.docs > docs/tsm-dialect.md`"
