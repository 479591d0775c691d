"""Batch dimensions and broadcasting, against dense torch computations."""

import pytest
import torch

import kred.torch as kt
from helpers import assert_close

torch.manual_seed(0)
M, N, D = 6, 8, 3


def t(*shape):
    return torch.randn(*shape, dtype=torch.float64)


def test_batched_gaussian_sum_both_axes():
    B = 4
    x, y, b = t(B, M, 1, D), t(B, 1, N, D), t(B, 1, N, 2)
    x_i, y_j, b_j = kt.LazyTensor(x), kt.LazyTensor(y), kt.LazyTensor(b)
    K = (-((x_i - y_j) ** 2).sum(-1)).exp()
    assert K.shape == (B, M, N) and K.nbatchdims == 1
    Kd = torch.exp(-((x - y) ** 2).sum(-1))  # (B, M, N)
    out = (K * b_j).sum(dim=2)
    assert out.shape == (B, M, 2)
    assert_close(out, Kd @ b[:, 0], "float64")
    out0 = K.sum(dim=1)
    assert out0.shape == (B, N, 1)
    assert_close(out0, Kd.sum(1)[..., None], "float64")


def test_broadcast_batch_dims_and_batched_parameters():
    x = t(2, 1, M, 1, D)  # batch (2, 1)
    y = t(1, 3, 1, N, D)  # batch (1, 3)
    s = torch.rand(2, 3, 1, 1, 1, dtype=torch.float64) + 0.5  # batched parameter
    b = t(1, N, 1)  # no batch dims: broadcast to every batch
    x_i, y_j, s_p, b_j = kt.LazyTensor(x), kt.LazyTensor(y), kt.LazyTensor(s), kt.LazyTensor(b)
    assert s_p.axis == 2 and b_j.axis == 1
    F = (-s_p * ((x_i - y_j) ** 2).sum(-1)).exp() * b_j
    assert F.shape == (2, 3, M, N)
    Fd = torch.exp(-s[..., 0] * ((x - y) ** 2).sum(-1)) * b[None, None, :, :, 0]  # (2,3,M,N)
    assert_close(F.sum(dim=3), Fd.sum(-1)[..., None], "float64")
    assert_close(F.sum(dim=2), Fd.sum(-2)[..., None], "float64")
    assert_close(F.logsumexp(dim=3), torch.logsumexp(Fd, -1)[..., None], "float64")
    # selections per batch
    vals, idx = F.min_argmin(dim=3)
    mv, mi = Fd.min(-1)
    assert_close(vals, mv[..., None], "float64")
    assert_close(idx, mi[..., None], "float64")
    kv = F.Kmin(3, dim=2)
    assert kv.shape == (2, 3, N, 3)
    assert_close(kv, torch.sort(Fd, dim=-2).values[..., :3, :].transpose(-1, -2), "float64")
    ak = F.argKmin(2, dim=3)
    assert ak.dtype == torch.int64 and ak.shape == (2, 3, M, 2)
    assert_close(ak, torch.sort(Fd, dim=-1).indices[..., :2], "float64")


def test_batched_softmax_weight_vector_output():
    B = 3
    x, y, v = t(B, M, 1, D), t(B, 1, N, D), t(B, 1, N, 4)
    S = (kt.LazyTensor(x) | kt.LazyTensor(y))
    out = S.sumsoftmaxweight(kt.LazyTensor(v), dim=2)
    Sd = (x * y).sum(-1)  # (B, M, N)
    want = torch.softmax(Sd, -1) @ v[:, 0]
    assert_close(out, want, "float64")


@pytest.mark.parametrize("framework", ["numpy", "torch"])
def test_genred_with_batch_arguments(framework):
    import numpy as np

    B = 2
    x, y, p = t(B, M, D), t(B, N, D), torch.rand(B, 1, dtype=torch.float64) + 0.5
    want = torch.exp(-p[:, None, :] * ((x[:, :, None] - y[:, None]) ** 2).sum(-1)).sum(-1, keepdim=True)
    if framework == "numpy":
        import kred.numpy as b

        args = [a.numpy() for a in (x, y, p)]
    else:
        b = kt
        args = [x, y, p]
    g = b.Genred("Exp(-p*SqDist(x,y))", ["x = Vi(3)", "y = Vj(3)", "p = Pm(1)"], axis=1)
    out = g(*args)
    assert tuple(out.shape) == (B, M, 1)
    assert_close(out, want, "float64")
    # a parameter without batch dimension is shared by every batch
    out = g(args[0], args[1], args[2][0])
    want0 = torch.exp(-p[0] * ((x[:, :, None] - y[:, None]) ** 2).sum(-1)).sum(-1, keepdim=True)
    assert_close(out, want0, "float64")
    # non-contiguous batched inputs
    xt = args[0].transpose(0, 1) if framework == "torch" else np.swapaxes(args[0], 0, 1)
    xt = xt.transpose(0, 1) if framework == "torch" else np.swapaxes(xt, 0, 1)
    assert_close(g(xt, args[1], args[2]), want, "float64")


def test_incompatible_batch_dims_error():
    x, y = t(2, M, 1, D), t(3, 1, N, D)
    with pytest.raises(ValueError, match="batch"):
        kt.LazyTensor(x) - kt.LazyTensor(y)
    g = kt.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], axis=1)
    with pytest.raises(ValueError, match="argument 'y' \\(position 1"):
        g(t(2, M, D), t(3, N, D))
