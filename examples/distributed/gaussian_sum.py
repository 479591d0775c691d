"""A Gaussian kernel sum and its gradient over a point cloud sharded across processes.

Run on one machine with two processes (gloo, CPU tensors):

    torchrun --nproc_per_node=2 examples/distributed/gaussian_sum.py

Every rank holds all the queries x (replicated) and its own slice of the sources y and weights b
(sharded over j). The reduction over j returns the full result on every rank: each rank reduces its
slice to unfinalized states, the states are all-gathered and merged by the kernel's own merge.
Gradients flow back: x.grad is the full gradient on every rank, y.grad / b.grad are those of this
rank's slice. The result is checked against the single-process reduction on rank 0.
"""

import os

import torch
import torch.distributed as dist

import kred.distributed as kd
import kred.torch as kt


def main():
    backend = "nccl" if torch.cuda.is_available() and os.environ.get("KRED_EXAMPLE_NCCL") == "1" else "gloo"
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    device = torch.device("cuda", rank % torch.cuda.device_count()) if backend == "nccl" else torch.device("cpu")

    g = torch.Generator().manual_seed(0)  # the same full data on every rank (a real job would load its slice)
    M, N, D = 2000, 100_000, 3
    x = torch.randn(M, D, generator=g).to(device).requires_grad_()
    y_full = torch.randn(N, D, generator=g).to(device)
    b_full = torch.randn(N, 1, generator=g).to(device)
    y = kd.shard_rows(y_full).requires_grad_()
    b = kd.shard_rows(b_full)

    formula, aliases = "Exp(-SqDist(x,y)/2)*b", ["x=Vi(3)", "y=Vj(3)", "b=Vj(1)"]
    kernel_sum = kd.Genred(formula, aliases, reduction_op="Sum", axis=1, shard="j")
    out = kernel_sum(x, y, b)  # (M, 1), the same on every rank
    out.square().sum().backward()
    print(f"rank {rank}/{world}: {y.shape[0]} of {N} sources, out[:3] = {out[:3, 0].tolist()}, "
          f"|x.grad| = {x.grad.norm():.6f}, |y.grad| (this slice) = {y.grad.norm():.6f}")

    if rank == 0:
        ref = kt.Genred(formula, aliases, reduction_op="Sum", axis=1)(x.detach(), y_full, b_full)
        err = ((out - ref).abs().max() / ref.abs().max()).item()
        print(f"rank 0: max relative difference to one process: {err:.2e}")
        assert err < 1e-5
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
