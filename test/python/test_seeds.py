"""The seed scripts (examples/seeds/, KeOps' examples with `pykeops` replaced by `kred`):
their forward parts run and print the same shapes as pykeops."""

import os
import runpy

import torch

from helpers import assert_close

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEEDS = os.path.join(ROOT, "examples", "seeds")


def run_seed(name, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KRED_PLOT_DIR", str(tmp_path))
    # the CPU path of the tutorials (their GPU parts wait for kernelred issue 7)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    torch.manual_seed(0)
    env = runpy.run_path(os.path.join(SEEDS, name), run_name="__main__")
    return env, capsys.readouterr().out


# The shapes printed by the seed tutorial, at its CPU sizes (M, N = 1000, 2000).
FANCY_EXPECTED = """\
KeOps LazyTensor
    formula: Sum(Square((Var(0,3,0) - Var(1,3,1))))
    shape: (1000, 2000)
KeOps LazyTensor
    formula: (Var(0,3,0) - Var(1,3,1))
    shape: (1000, 2000, 3)
Sum reduction of S_ij wrt. the 'N' dimension: torch.Size([1000, 1])
Sum reduction of V_ij wrt. the 'M' dimension: torch.Size([2000, 3])
LogSumExp reduction of S_ij wrt. the 'M' dimension: torch.Size([2000, 1])
LogSumExp reduction of S_ij, with 'weight' V_ij, wrt. the 'N' dimension: torch.Size([1000, 3])
Min    reduction of S_ij wrt. the 'M' dimension: torch.Size([2000, 1])
ArgMin reduction of S_ij wrt. the 'N' dimension: torch.Size([1000, 1])
Max    reduction of V_ij wrt. the 'M' dimension: torch.Size([2000, 3])
ArgMax reduction of V_ij wrt. the 'N' dimension: torch.Size([1000, 3])
Min-ArgMin reduction on S_ij wrt. the 'M' dimension: torch.Size([2000, 1]) torch.Size([2000, 1])
Max-ArgMax reduction on V_ij wrt. the 'N' dimension: torch.Size([1000, 3]) torch.Size([1000, 3])
KMin    reduction of S_ij wrt. the 'M' dimension: torch.Size([2000, 5])
ArgKMin reduction of S_ij wrt. the 'N' dimension: torch.Size([1000, 5])
KMin    reduction of V_ij wrt. the 'M' dimension: torch.Size([2000, 7, 3])
ArgKMin reduction of V_ij wrt. the 'N' dimension: torch.Size([1000, 7, 3])
SumSoftMaxWeight reduction of S_ij, with weights V_ij, wrt. the 'N' dimension: torch.Size([1000, 3])
a_i is now a <class 'torch.Tensor'> of shape torch.Size([1000, 4]).
"""


def test_fancy_reductions_and_solve(tmp_path, monkeypatch, capsys):
    env, out = run_seed("fancy_reductions_and_solve.py", tmp_path, monkeypatch, capsys)
    assert out.startswith(FANCY_EXPECTED), out
    # reconstruction error of the solve, as the tutorial prints it
    err = float(((env["c_i"] - env["b_i"]) ** 2).mean().detach())
    assert "Mean squared reconstruction error:" in out and err < 1e-5
    # the values behind a few of the shapes
    S = env["S_ij"]
    x, y = (v.double() for _, v in env["V_ij"].variables)
    Sd = ((x[:, None] - y[None]) ** 2).sum(-1)
    assert_close(S.sum(dim=1), Sd.sum(1, keepdim=True), "float32")
    assert_close(S.argKmin(K=5, dim=1), torch.sort(Sd, 1).indices[:, :5], "float32")


def test_sum_reduction_seed(tmp_path, monkeypatch, capsys):
    env, out = run_seed("sum_reduction.py", tmp_path, monkeypatch, capsys)
    assert "Output shape: torch.Size([3000, 3])" in out
    x, y, a, p, c = (env[k] for k in ("x", "y", "a", "p", "c"))
    x, y, a, p = (t.detach().double() for t in (x, y, a, p))
    # the vanilla PyTorch formula, on the first 200 rows
    want = ((p - a.t())[:, :, None] ** 2 * torch.exp(x[:200, None, :] + y[None, :, :])).sum(1)
    assert_close(c[:200], want, "float32")


def test_logsumexp_reduction_seed(tmp_path, monkeypatch, capsys):
    env, out = run_seed("logsumexp_reduction.py", tmp_path, monkeypatch, capsys)
    assert "Time to compute the convolution operation on the cpu:" in out
    c, c2 = env["c"], env["c2"]
    assert c.shape == (3000, 1) and c.dtype == torch.float32
    rel = float(((c2 - c).norm() / c.norm()).detach())
    assert rel < 1e-6
    x, y, a, p = (env[k].detach().double() for k in ("x", "y", "a", "p"))
    want = torch.logsumexp((p - a.t()) ** 2 * torch.exp(x + y.t()), dim=1, keepdim=True)
    assert_close(c, want, "float32")
    assert os.path.exists(tmp_path / "logsumexp_reduction.png")


# ---------------------------------------------------------------------------
# The seeds on the GPU path: with $KRED_GPU_EMULATOR=1 every reduction that
# is not explicitly backend="CPU" runs the GPU kernels on the host GPU
# emulator (docs/gpu.md); the logsumexp seed's explicit CPU calls are
# switched to "GPU". The same checks as above must hold, and the emulator
# must really have run them.


def _count_emulated_launches(monkeypatch):
    from kred.common import backends

    count = {"launches": 0}
    launch = backends.EmulatedGPUBackend.launch

    def counted(self, *args, **kwargs):
        count["launches"] += 1
        return launch(self, *args, **kwargs)

    monkeypatch.setattr(backends.EmulatedGPUBackend, "launch", counted)
    monkeypatch.setenv("KRED_GPU_EMULATOR", "1")
    return count


def test_fancy_reductions_and_solve_on_the_gpu_emulator(tmp_path, monkeypatch, capsys):
    count = _count_emulated_launches(monkeypatch)
    test_fancy_reductions_and_solve(tmp_path, monkeypatch, capsys)
    assert count["launches"] >= 15, count  # every reduction of the tutorial and the solve's iterations


def test_sum_reduction_seed_on_the_gpu_emulator(tmp_path, monkeypatch, capsys):
    count = _count_emulated_launches(monkeypatch)
    test_sum_reduction_seed(tmp_path, monkeypatch, capsys)
    assert count["launches"] >= 2, count  # the sum and its gradient


def test_logsumexp_reduction_seed_on_the_gpu_emulator(tmp_path, monkeypatch, capsys):
    count = _count_emulated_launches(monkeypatch)
    path = tmp_path / "logsumexp_reduction.py"
    with open(os.path.join(SEEDS, "logsumexp_reduction.py")) as f:
        source = f.read()
    assert source.count('backend="CPU"') == 2
    path.write_text(source.replace('backend="CPU"', 'backend="GPU"'))
    monkeypatch.setattr(runpy, "run_path", lambda p, run_name=None: _run_path(str(path), run_name=run_name))
    test_logsumexp_reduction_seed(tmp_path, monkeypatch, capsys)
    assert count["launches"] >= 2, count


_run_path = runpy.run_path
