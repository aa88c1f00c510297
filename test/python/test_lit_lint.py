"""A lit file whose CHECK lines are never fed to filecheck tests nothing: catch it."""
import pathlib
import re

import pytest

LIT_ROOT = pathlib.Path(__file__).resolve().parents[1] / "lit"
FILES = sorted(p for p in LIT_ROOT.rglob("*") if p.suffix in (".mlir", ".py") and "Output" not in p.parts)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(LIT_ROOT)))
def test_check_lines_reach_filecheck(path):
    text = path.read_text()
    runs = re.findall(r"RUN:(.*)", text)
    assert runs, "a lit file without a RUN line"
    prefixes = {"CHECK"}
    for run in runs:
        prefixes |= set(re.findall(r"--check-prefix[= ](\w+)", run))
    used = {p for p in prefixes if re.search(rf"\b{p}(-[A-Z]+)?:", text.replace("RUN:", ""))}
    if used and not any("filecheck" in r for r in runs):
        pytest.fail(f"{path.name} has CHECK lines but no RUN line pipes into filecheck")
    for p in prefixes - {"CHECK"}:
        assert p in used, f"{path.name}: --check-prefix={p} has no {p}: lines"


def test_lint_sees_the_files():
    assert len(FILES) > 10
