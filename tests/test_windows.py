import numpy as np
import torch

from rnnlab.data.text.windows import ContiguousStreams, IndependentWindows


def test_independent_windows_target_is_the_input_shifted_by_one():
    ids = np.arange(100, dtype=np.uint8)
    windows = IndependentWindows(ids, seq_len=10)
    assert len(windows) == 9
    x, y = windows[[0, 3]]
    assert x.dtype == torch.int64 and x.shape == (2, 10)
    assert x[1].tolist() == list(range(30, 40)) and y[1].tolist() == list(range(31, 41))


def test_contiguous_streams_continue_row_by_row_across_batches():
    ids = np.arange(1000, dtype=np.int64)
    streams = ContiguousStreams(ids, batch_size=4, seq_len=8)
    x0, y0 = streams[0]
    x1, _ = streams[1]
    assert x0.shape == (4, 8)
    assert torch.equal(x1[:, 0], y0[:, -1])  # each row picks up where it stopped
    assert torch.equal(y0[:, :-1], x0[:, 1:])
    rows = torch.cat([streams[i][0] for i in range(len(streams))], dim=1)
    assert torch.equal(rows[1, :10], torch.arange(249, 259))  # stream length (1000 - 1) // 4
