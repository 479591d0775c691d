"""kred reductions as a torch.library custom op: torch.compile(fullgraph=True), torch.func, gradcheck.

torch.compile is slow on small machines: few compiled functions, tiny sizes, the aot_eager backend
(Dynamo + AOTAutograd, which is where graph breaks, fake shapes and the traced backward are decided)
except for one inductor run.
"""

import pytest
import torch

from kred.torch import Genred, LazyTensor
from kred.torch._library import spec_key, use_custom_op

torch.manual_seed(0)


def _dense_gauss(x, y, b):
    return torch.exp(-((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)) @ b


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _no_graph_breaks(fn, *args):
    """Dynamo's explanation of fn: one graph, no break."""
    ex = torch._dynamo.explain(fn)(*args)
    assert ex.graph_break_count == 0, ex.break_reasons
    assert ex.graph_count == 1
    return ex


def test_spec_key_round_trip():
    from kred.torch._library import call_for

    g = Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="ArgKMin", axis=1, opt_arg=2)
    key = spec_key(g.spec, "CPU", 0)
    call = call_for(key)
    assert (call.spec.formula, call.spec.aliases, call.spec.reduction, call.spec.axis, call.spec.opt_arg) == (
        "SqDist(x,y)", g.spec.aliases, "ArgKMin", 1, 2)
    assert (call.backend, call.device_id) == ("CPU", 0) and call_for(key) is call
    assert call.spec.fast_math is True and call.run.reduction == "ArgKMin"
    g2 = Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="KMin", axis=0, opt_arg=2, use_fast_math=False)
    call2 = call_for(spec_key(g2.spec))
    assert call2.spec.fast_math is False and call2.spec.axis == 0 and call2.run.reduction == "KMin_ArgKMin"


def test_compile_genred_sum_logsumexp_argkmin_fullgraph():
    """Genred Sum, LogSumExp and ArgKMin in one compiled function (built outside and inside it)."""
    x, y, b = torch.randn(7, 3, dtype=torch.float64), torch.randn(9, 3, dtype=torch.float64), torch.randn(9, 2,
                                                                                                           dtype=torch.float64)
    gsum = Genred("Exp(-SqDist(x,y))*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"], axis=1)
    knn = Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="ArgKMin", axis=1, opt_arg=3)

    def f(x, y, b):
        lse = Genred("-SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="LogSumExp", axis=1)
        return gsum(x, y, b) * 2.0, lse(x, y), knn(x, y)

    _no_graph_breaks(f, x, y, b)
    s, l, k = torch.compile(f, fullgraph=True, backend="aot_eager")(x, y, b)
    D = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
    torch.testing.assert_close(s, 2.0 * _dense_gauss(x, y, b), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(l, torch.logsumexp(-D, dim=1, keepdim=True), rtol=1e-12, atol=1e-12)
    assert k.dtype == torch.int64 and k.shape == (7, 3)
    assert torch.equal(k, D.argsort(dim=1)[:, :3])


def test_compile_lazytensor_gaussian_forward_and_backward():
    """A LazyTensor Gaussian kernel product and its gradient in one graph: same values as eager."""
    x = torch.randn(6, 3, requires_grad=True)
    y = torch.randn(8, 3, requires_grad=True)
    b = torch.randn(8, 2)

    def f(x, y, b):
        x_i, y_j = LazyTensor(x[:, None, :]), LazyTensor(y[None, :, :])
        K = (-((x_i - y_j) ** 2).sum(-1)).exp()
        a = (K * LazyTensor(b[None, :, :])).sum(dim=1)  # K @ b: Dynamo breaks the graph on `LazyTensor @ Tensor`
        gx, gy = torch.autograd.grad((a**2).sum(), [x, y], create_graph=False)
        return a.detach(), gx, gy

    with torch._dynamo.config.patch(trace_autograd_ops=True):  # torch.autograd.grad inside the graph
        _no_graph_breaks(f, x, y, b)
        a, gx, gy = torch.compile(f, fullgraph=True, backend="aot_eager")(x, y, b)
    a0, gx0, gy0 = f(x, y, b)  # eager, through GenredAutograd
    xd, yd = x.detach().double().requires_grad_(), y.detach().double().requires_grad_()
    ad = _dense_gauss(xd, yd, b.double())
    gxd, gyd = torch.autograd.grad((ad**2).sum(), [xd, yd])
    for got, eager, ref in [(a, a0, ad), (gx, gx0, gxd), (gy, gy0, gyd)]:
        torch.testing.assert_close(got, eager, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(got.double(), ref, rtol=1e-4, atol=1e-5)


def test_compile_inductor():
    """The default backend (inductor) calls the op from its generated code; the result feeds inductor's kernels."""
    x, y, b = torch.randn(6, 3), torch.randn(8, 3), torch.randn(8, 2)
    g = Genred("Exp(-SqDist(x,y))*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"], axis=1)

    @torch.compile(fullgraph=True)
    def f(x, y, b):
        return torch.tanh(g(x, y, b)) + 1.0

    torch.testing.assert_close(f(x, y, b), torch.tanh(_dense_gauss(x, y, b)) + 1.0, rtol=1e-5, atol=1e-6)


def test_compile_backward_outside_the_compiled_function():
    """loss.backward() on the output of a compiled function runs kred's backward reductions (AOTAutograd)."""
    x = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    y = torch.randn(6, 2, dtype=torch.float64)
    g = Genred("Exp(-SqDist(x,y))", ["x=Vi(2)", "y=Vj(2)"], reduction_op="LogSumExp", axis=1)

    @torch.compile(fullgraph=True, backend="aot_eager")
    def f(x, y):
        return g(x, y).sum()

    f(x, y).backward()
    xd = x.detach().clone().requires_grad_()
    torch.logsumexp(torch.exp(-((xd[:, None, :] - y[None]) ** 2).sum(-1)), dim=1).sum().backward()
    torch.testing.assert_close(x.grad, xd.grad, rtol=1e-10, atol=1e-12)


def test_compile_gradients_of_selections_and_softmax():
    """Min, KMin (gradients through the selected pairs), SumSoftMaxWeight and Max_SumShiftExp: one graph,
    gradients equal to eager and (Min, KMin) to dense float64 torch."""
    x = torch.randn(5, 2, dtype=torch.float64, requires_grad=True)
    y = torch.randn(7, 2, dtype=torch.float64, requires_grad=True)
    al = ["x=Vi(2)", "y=Vj(2)"]
    gmin = Genred("SqDist(x,y)", al, reduction_op="Min", axis=1)
    gkmin = Genred("SqDist(x,y)", al, reduction_op="KMin", axis=1, opt_arg=3)
    gsoft = Genred("-SqDist(x,y)", al, reduction_op="SumSoftMaxWeight", axis=1, formula2="y")
    gshift = Genred("-SqDist(x,y)", al, reduction_op="Max_SumShiftExp", axis=0)

    def f(x, y):
        return ((gmin(x, y) ** 2).sum() + (gkmin(x, y) ** 2).sum(), (gsoft(x, y) ** 2).sum() + (gshift(x, y) ** 2).sum())

    _no_graph_breaks(f, x, y)
    cf = torch.compile(f, fullgraph=True, backend="aot_eager")
    for k in range(2):
        got = torch.autograd.grad(cf(x, y)[k], [x, y])
        want = torch.autograd.grad(f(x, y)[k], [x, y])
        for a, b in zip(got, want):
            torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)
        if k == 0:
            D = ((x[:, None, :] - y[None]) ** 2).sum(-1)
            dense = (D.min(1).values ** 2).sum() + (D.topk(3, dim=1, largest=False).values ** 2).sum()
            for a, b in zip(got, torch.autograd.grad(dense, [x, y])):
                torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


# --- torch.func and gradcheck through the custom op (eager) ----------------------------------


def _gauss_sum():
    return Genred("Exp(-SqDist(x,y)*s)*b", ["x=Vi(2)", "y=Vj(2)", "b=Vj(1)", "s=Pm(1)"], axis=1)


def _dense_sum(x, y, b, s):
    return torch.exp(-((x[:, None, :] - y[None]) ** 2).sum(-1) * s) @ b


def test_gradcheck_and_gradgradcheck_float64():
    g = _gauss_sum()
    x, y, b = (torch.randn(4, 2, dtype=torch.float64, requires_grad=True),
               torch.randn(5, 2, dtype=torch.float64, requires_grad=True),
               torch.randn(5, 1, dtype=torch.float64, requires_grad=True))
    s = torch.tensor([0.7], dtype=torch.float64, requires_grad=True)
    with use_custom_op():
        assert torch.autograd.gradcheck(g, (x, y, b, s))
        assert torch.autograd.gradgradcheck(g, (x, y, b, s))
        lse = Genred("-SqDist(x,y)", ["x=Vi(2)", "y=Vj(2)"], reduction_op="LogSumExp", axis=0)
        assert torch.autograd.gradcheck(lse, (x, y))
        assert torch.autograd.gradgradcheck(lse, (x, y))


def test_torch_func_grad_vmap_jacrev():
    """torch.func through kred reductions (with use_custom_op, transforms keep the GenredAutograd path:
    torch.func refuses custom ops' autograd formulas)."""
    g = _gauss_sum()
    x, y, b = torch.randn(4, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64), torch.randn(
        5, 1, dtype=torch.float64)
    s = torch.tensor([0.7], dtype=torch.float64)
    with use_custom_op():
        gx = torch.func.grad(lambda x: g(x, y, b, s).sum())(x)
        J = torch.func.jacrev(lambda y: g(x, y, b, s))(y)
        xs = torch.randn(3, 4, 2, dtype=torch.float64)
        v = torch.func.vmap(lambda x: g(x, y, b, s))(xs)
        gv = torch.func.vmap(torch.func.grad(lambda x: g(x, y, b, s).sum()))(xs)
    torch.testing.assert_close(gx, torch.func.grad(lambda x: _dense_sum(x, y, b, s).sum())(x))
    torch.testing.assert_close(J, torch.func.jacrev(lambda y: _dense_sum(x, y, b, s))(y))
    torch.testing.assert_close(v, torch.stack([_dense_sum(xi, y, b, s) for xi in xs]))
    torch.testing.assert_close(gv, torch.func.vmap(torch.func.grad(lambda x: _dense_sum(x, y, b, s).sum()))(xs))


def test_fake_shapes_match_real_ones():
    """The fake implementation's shapes (batch dimensions, K, index outputs) are those the kernel returns."""
    from torch._subclasses.fake_tensor import FakeTensorMode

    cases = [
        (Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="KMin_ArgKMin", axis=1, opt_arg=2),
         (torch.randn(2, 1, 4, 3), torch.randn(1, 3, 5, 3))),
        (Genred("x*y", ["x=Vi(2)", "y=Vj(2)", "p=Pm(2)"], reduction_op="Max_ArgMax", axis=0),
         (torch.randn(4, 2), torch.randn(6, 2), torch.randn(2))),
    ]
    for g, args in cases:
        key = spec_key(g.spec)
        real = torch.ops.kred.genred(key, list(args))
        with FakeTensorMode() as mode:
            fake = torch.ops.kred.genred(key, [mode.from_tensor(a) for a in args])
        assert [tuple(t.shape) for t in fake] == [tuple(t.shape) for t in real]
        assert [t.dtype for t in fake] == [t.dtype for t in real]


# --- DLPack ------------------------------------------------------------------------------------


class _Producer:
    """A foreign array that only speaks DLPack (as jax or cupy arrays do)."""

    def __init__(self, a):
        self._a = a

    def __dlpack__(self, **kwargs):
        return self._a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_dlpack_in_and_out():
    import numpy as np

    from kred.numpy import Genred as NGenred

    x, y, b = np.random.rand(5, 3), np.random.rand(6, 3), np.random.rand(6, 2)
    ref = np.exp(-((x[:, None, :] - y[None]) ** 2).sum(-1)) @ b
    f, al = "Exp(-SqDist(x,y))*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"]
    tg, ng = Genred(f, al, axis=1), NGenred(f, al, axis=1)
    # kred.torch takes numpy arrays and DLPack-only producers (zero copy), and returns torch tensors
    for args in [(x, y, b), tuple(_Producer(a) for a in (x, y, b)), (torch.from_numpy(x), y, _Producer(b))]:
        out = tg(*args)
        assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    # kred.numpy takes torch CPU tensors and DLPack-only producers
    tx, ty, tb = (torch.from_numpy(a) for a in (x, y, b))
    for args in [(tx, ty, tb), tuple(_Producer(a) for a in (x, y, b))]:
        out = ng(*args)
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, ref, rtol=1e-12)
    # DLPack out: the results go to the other framework without a copy
    out = tg(tx, ty, tb)
    back = np.from_dlpack(out)
    assert back.ctypes.data == out.data_ptr()
    # still refused: objects that are no arrays at all
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        tg([[0.0] * 3] * 5, ty, tb)


def test_vmap_rule_of_the_op():
    """torch.func.vmap of the op itself: the vmapped dimension becomes a batch dimension of one reduction."""
    g = _gauss_sum()
    key = spec_key(g.spec)
    y, b = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 1, dtype=torch.float64)
    s = torch.tensor([0.7], dtype=torch.float64)
    xs, ss = torch.randn(3, 4, 2, dtype=torch.float64), torch.rand(3, 1, dtype=torch.float64)
    v = torch.func.vmap(lambda x: torch.ops.kred.genred(key, [x, y, b, s])[0])(xs)
    torch.testing.assert_close(v, torch.stack([_dense_sum(xi, y, b, s) for xi in xs]))
    v2 = torch.func.vmap(lambda x, s: torch.ops.kred.genred(key, [x, y, b, s])[0], in_dims=(1, 0))(
        xs.transpose(0, 1), ss)
    torch.testing.assert_close(v2, torch.stack([_dense_sum(xi, y, b, si) for xi, si in zip(xs, ss)]))


def test_compile_dynamic_shapes_one_graph():
    """The fake implementation works with symbolic sizes: one graph serves every M and N."""
    from torch._dynamo.utils import counters

    g = Genred("Exp(-SqDist(x,y))*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(2)"], axis=1)
    knn = Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="ArgKMin", axis=1, opt_arg=3)
    counters.clear()

    @torch.compile(fullgraph=True, dynamic=True, backend="aot_eager")
    def f(x, y, b):
        return g(x, y, b).sum(1), knn(x, y)

    for M, N in [(5, 7), (9, 4), (13, 20)]:
        x, y, b = torch.randn(M, 3, dtype=torch.float64), torch.randn(N, 3, dtype=torch.float64), torch.randn(
            N, 2, dtype=torch.float64)
        s, k = f(x, y, b)
        D = ((x[:, None] - y[None]) ** 2).sum(-1)
        torch.testing.assert_close(s, (torch.exp(-D) @ b).sum(1), rtol=1e-12, atol=1e-12)
        assert torch.equal(k, D.argsort(dim=1)[:, :3])
    assert counters["stats"]["unique_graphs"] == 1
