"""kred.distributed on 2 and 3 processes (gloo on loopback), as torchrun launches them.

Each scenario starts WORLD_SIZE copies of distributed_worker.py with torchrun's environment (RANK,
WORLD_SIZE, MASTER_ADDR, MASTER_PORT); every rank checks its results against kred.torch on the whole
data (every reduction kind, shard="j", "i" and "ij", both axes, uneven shards with an empty one and a
rank holding one row, values, global indices with ties across shards, gradients of its shards) and
reports. A rank that fails must make every rank raise, within the process group's timeout.
"""

import json
import os
import socket
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "distributed_worker.py")
TIMEOUT = 600


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(scenario, world, tmp_path):
    port = _free_port()
    procs, outs = [], []
    for rank in range(world):
        out = tmp_path / f"{scenario}-{world}-{rank}.json"
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), KRED_NUM_THREADS="1", OMP_NUM_THREADS="1")
        env["PYTHONPATH"] = os.pathsep.join(sys.path)
        procs.append(subprocess.Popen([sys.executable, WORKER, scenario, str(out)], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        outs.append(out)
    logs = []
    try:
        for p in procs:
            logs.append(p.communicate(timeout=TIMEOUT)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    results = []
    for rank, (p, out) in enumerate(zip(procs, outs)):
        assert p.returncode == 0 and out.exists(), f"rank {rank} exited with {p.returncode}:\n{logs[rank][-4000:]}"
        results.append(json.loads(out.read_text()))
    return results


@pytest.mark.parametrize("world", [2, 3])
def test_every_reduction_and_layout(world, tmp_path):
    results = launch("reductions", world, tmp_path)
    for rank, r in enumerate(results):
        assert not r["failures"], f"rank {rank}: " + "\n".join(r["failures"][:20])
        # 3 layouts x 2 axes x 14 reductions, values and gradients
        assert r["checks"] >= 3 * 2 * 14 * 2


def test_lazytensor_and_emulated_gpu(tmp_path):
    for rank, r in enumerate(launch("lazytensor", 3, tmp_path)):
        assert not r["failures"], f"rank {rank}: " + "\n".join(r["failures"])
        assert r["checks"] == 2 + 2 * 3


@pytest.mark.parametrize("world", [2, 3])
def test_kernelsolve(world, tmp_path):
    for rank, r in enumerate(launch("solve", world, tmp_path)):
        assert not r["failures"], f"rank {rank}: " + "\n".join(r["failures"])
        assert r["checks"] == 1


def test_failure_on_one_rank_raises_everywhere(tmp_path):
    for rank, r in enumerate(launch("failure", 2, tmp_path)):
        assert not r["failures"], f"rank {rank}: " + "\n".join(r["failures"])
        assert r["checks"] == 2


def test_outside_a_process_group():
    import kred.distributed as kd

    g = kd.Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], reduction_op="Min", axis=1)
    import torch

    with pytest.raises(RuntimeError, match="init_process_group"):
        g(torch.randn(3, 3), torch.randn(4, 3))
    with pytest.raises(ValueError, match="shard must be one of"):
        kd.Genred("SqDist(x,y)", ["x=Vi(3)", "y=Vj(3)"], shard="k")
