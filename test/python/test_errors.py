"""Bad inputs give clear errors that name the argument (alias and position)."""

import numpy as np
import pytest
import torch

import kred.numpy as kn
import kred.torch as kt
from conftest import FAKE

F = "Exp(-p*SqDist(x,y))*b"
A = ["x = Vi(3)", "y = Vj(3)", "b = Vj(2)", "p = Pm(1)"]
M, N = 5, 7


def args(dtype=np.float32):
    r = np.random.default_rng(0)
    return [
        r.standard_normal((M, 3)).astype(dtype),
        r.standard_normal((N, 3)).astype(dtype),
        r.standard_normal((N, 2)).astype(dtype),
        np.ones(1, dtype),
    ]


def g(**kw):
    return kn.Genred(F, A, axis=1, **kw)


def test_wrong_number_of_arguments():
    x, y, b, p = args()
    with pytest.raises(ValueError, match=r"expected 4 arguments \('x' \(position 0, Vi\(3\)\), 'y'.*got 3"):
        g()(x, y, b)


def test_wrong_dimension_names_the_alias():
    x, y, b, p = args()
    with pytest.raises(ValueError, match=r"argument 'y' \(position 1, Vj\(3\)\).*last dimension should be 3.*\(7, 2\)"):
        g()(x, y[:, :2], b, p)
    with pytest.raises(ValueError, match=r"argument 'p' \(position 3, Pm\(1\)\).*last dimension should be 1"):
        g()(x, y, b, np.ones(2, np.float32))
    with pytest.raises(ValueError, match=r"argument 'x' \(position 0, Vi\(3\)\).*shape \(M, 3\)"):
        g()(x[:, 0].copy(), y, b, p)


def test_mismatched_rows():
    x, y, b, p = args()
    with pytest.raises(ValueError, match=r"argument 'b' \(position 2, Vj\(2\)\) has 6 rows but argument 'y' \(position 1, Vj\(3\)\) has 7"):
        g()(x, y, b[:6], p)
    G = kn.Genred("SqDist(x,z)*a", ["x = Vi(3)", "z = Vj(3)", "a = Vi(1)"], axis=1)
    with pytest.raises(ValueError, match=r"argument 'a' \(position 2, Vi\(1\)\) has 4 rows but argument 'x'"):
        G(x, y, np.ones((4, 1), np.float32))


def test_dtype_mix_names_the_argument():
    x, y, b, p = args()
    with pytest.raises(TypeError, match=r"argument 'b' \(position 2, Vj\(2\)\) has dtype float64, but argument 'x'.*float32"):
        g()(x, y, b.astype(np.float64), p)
    with pytest.raises(TypeError, match=r"argument 'x' \(position 0, Vi\(3\)\) has dtype int64"):
        g()(x.astype(np.int64), y.astype(np.int64), b.astype(np.int64), p.astype(np.int64))
    xt = torch.zeros(M, 3)
    with pytest.raises(TypeError, match=r"argument 'y' \(position 1, Vj\(3\)\) has dtype float64"):
        kt.Genred(F, A, axis=1)(xt, torch.zeros(N, 3, dtype=torch.float64), torch.zeros(N, 2), torch.ones(1))


def test_wrong_array_type():
    x, y, b, p = args()
    # Arrays of another framework come in through DLPack (docs/python.md): the same result, no copy.
    want = kt.Genred(F, A, axis=1)(*(torch.from_numpy(a) for a in (x, y, b, p)))
    got = kt.Genred(F, A, axis=1)(torch.from_numpy(x), y, torch.from_numpy(b), torch.from_numpy(p))
    assert isinstance(got, torch.Tensor) and torch.equal(got, want)
    np.testing.assert_array_equal(g()(torch.from_numpy(x), y, b, p), want.numpy())
    # Anything that is neither the front-end's array nor a DLPack producer is refused, naming it.
    with pytest.raises(TypeError, match="must be a numpy.ndarray, got list"):
        g()(x, y, b, [1.0])
    with pytest.raises(TypeError, match=r"argument 'x' \(position 0, Vi\(3\)\) must be a torch.Tensor, got list"):
        kt.Genred(F, A, axis=1)(x.tolist(), torch.from_numpy(y), torch.from_numpy(b), torch.from_numpy(p))


def test_devices_and_backends():
    x, y, b, p = (torch.from_numpy(a) for a in args())
    G = kt.Genred(F, A, axis=1)
    with pytest.raises(ValueError, match=r"argument 'x' \(position 0, Vi\(3\)\) is on device 'meta'; kred runs on the CPU and on CUDA"):
        G(x.to("meta"), y, b, p)
    # GPU backends without a usable GPU: a clear error (test_gpu.py has the rest).
    if not _gpu():
        for backend in ("GPU", "GPU_1D", "GPU_2D", "GPU_1D_host", "GPU_2D_device"):
            with pytest.raises(RuntimeError, match=f"backend='{backend}': kred cannot use a CUDA GPU here"):
                G(x, y, b, p, backend=backend)
    with pytest.raises(ValueError, match="invalid backend 'TPU'"):
        G(x, y, b, p, backend="TPU")
    with pytest.raises(ValueError, match=r"ranges= entry slices_i must have shape \(1,\)"):
        G(x, y, b, p, ranges=(torch.zeros(1, 2, dtype=torch.int64),) * 6)
    assert G(x, y, b, p, backend="CPU").shape == (M, 2)


def _gpu():
    from kred.common.backends import gpu_available

    return not FAKE and gpu_available() > 0 and torch.cuda.is_available()


@pytest.mark.gpu
def test_cuda_tensors_mixed_with_cpu():
    x, y, b, p = (torch.from_numpy(a) for a in args())
    with pytest.raises(ValueError, match=r"argument 'x' \(position 0, Vi\(3\)\) is on the CPU but argument 'y' \(position 1, Vj\(3\)\) is on device 'cuda:0'"):
        kt.Genred(F, A, axis=1)(x, y.cuda(), b.cuda(), p.cuda())


def test_formula_errors_surface_with_caret():
    x, y, b, p = args()
    with pytest.raises(ValueError) as info:
        kn.Genred("Exp(-p*SqDist(x,w))*b", A, axis=1)(x, y, b, p)
    if not FAKE:
        from kred import _C

        assert isinstance(info.value, _C.FormulaError)
        assert "^" in str(info.value) and "w" in str(info.value)
    with pytest.raises(ValueError):
        kn.Genred("Exp(x,y)", ["x = Vi(3)", "y = Vj(3)"], axis=1)(x, y)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(reduction_op="Foo"), "unknown reduction_op 'Foo'"),
        (dict(reduction_op="KMin"), "requires opt_arg=K"),
        (dict(reduction_op="ArgKMin", opt_arg=0), "requires opt_arg=K"),
        (dict(reduction_op="SumSoftMaxWeight"), "requires a weight formula"),
        (dict(reduction_op="Min", formula2="b"), "formula2 is only used"),
        (dict(sum_scheme="fast"), "invalid sum_scheme"),
        (dict(reduction_op="Min", sum_scheme="kahan_scheme"), "only valid for sum type"),
        (dict(reduction_op="ArgMin", dtype_acc="float64"), "dtype_acc should be 'auto'"),
        (dict(dtype_acc="float64", use_double_acc=True), "both options"),
        (dict(dtype_acc="int8"), "invalid dtype_acc"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        kn.Genred(F, A, axis=1, **kwargs)


def test_bad_axis_and_aliases():
    with pytest.raises(ValueError, match="axis must be 0"):
        kn.Genred(F, A, axis=2)
    with pytest.raises(TypeError, match="list of strings"):
        kn.Genred(F, "x = Vi(3)", axis=1)
    with pytest.raises(TypeError, match="formula must be a string"):
        kn.Genred(None, A, axis=1)


def test_dtype_acc_less_precise_than_inputs():
    with pytest.raises(ValueError, match="less precise"):
        g(dtype_acc="float32")(*args(np.float64))


def test_bad_out():
    x, y, b, p = args()
    G = g()
    with pytest.raises(ValueError, match=r"out has shape \(5, 3\), expected \(5, 2\)"):
        G(x, y, b, p, out=np.zeros((M, 3), np.float32))
    with pytest.raises(TypeError, match="out has dtype float64, expected float32"):
        G(x, y, b, p, out=np.zeros((M, 2)))
    with pytest.raises(ValueError, match="C-contiguous"):
        G(x, y, b, p, out=np.zeros((2, M), np.float32).T)
    with pytest.raises(ValueError, match="two arrays"):
        kn.Genred("SqDist(x,y)", ["x = Vi(3)", "y = Vj(3)"], reduction_op="Min_ArgMin", axis=1)(
            x, y, out=np.zeros((M, 1), np.float32)
        )


def test_old_alias_names_warn_and_work():
    x, y, b, p = args()
    with pytest.warns(UserWarning, match="renamed"):
        G = kn.Genred(F, ["x = Vx(3)", "y = Vy(3)", "b = Vy(2)", "p = Pm(1)"], axis=1)
    np.testing.assert_allclose(G(x, y, b, p), g()(x, y, b, p))


def test_lazytensor_errors_name_positions():
    x = torch.zeros(M, 1, 3)
    y = torch.zeros(1, N, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match="dtype"):
        (kt.LazyTensor(x) - kt.LazyTensor(y)).sum(dim=1)
    f = (kt.Vi(0, 3) - kt.Vj(1, 3)).sqnorm2().sum(dim=1)
    with pytest.raises(ValueError, match=r"argument 1 \(Var\(1,3,1\)\).*last dimension should be 3"):
        f(torch.zeros(M, 3), torch.zeros(N, 2))
