"""The row ends of the shared row copies and fills (lowering/row_copy.py):
rows of a vector or more end in an overlapping unmasked vector, narrower
rows in a whole vector that runs into the next rows of a dense block (the
last rows of the block, and rows of a block with gaps, masked).  Checked
against eager for row widths around the vector width (8 floats, 4
doubles), into dense buffers, into views with gaps between rows
(concatenation along the row), and through convolutions whose im2col rows
are 1 to 14 wide."""
import pytest
import torch

from conftest import check_against_eager


class SliceCopy(torch.nn.Module):
    """x[..., 1:1+w] * 1 into a new dense buffer, and the same rows
    concatenated along the row (a destination with gaps)."""
    def __init__(self, w):
        super().__init__()
        self.w = w

    def forward(self, x):
        s = x[:, :, 1:1 + self.w]
        return s.contiguous() + 0.0, torch.cat([s, s * 2.0], 2)


@pytest.mark.parametrize("w", [1, 2, 3, 5, 7, 8, 9, 13, 15, 17])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_row_copy_widths(w, dtype):
    check_against_eager(SliceCopy(w), [torch.randn(3, 5, w + 3, dtype=dtype)])


class Conv(torch.nn.Module):
    def __init__(self, c, f):
        super().__init__()
        self.conv = torch.nn.Conv2d(c, f, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x))


@pytest.mark.parametrize("h,w", [(4, 1), (3, 2), (4, 4), (6, 5), (2, 7), (5, 9), (14, 14)])
def test_conv_rows_narrow_im2col(h, w):
    """Kernel-row convolutions (64 channels: conv_rows) copy rows of the
    output's width into the im2col."""
    check_against_eager(Conv(64, 32), [torch.randn(1, 64, h, w)], rtol=1e-4, atol=1e-4)
