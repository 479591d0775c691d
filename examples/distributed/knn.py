"""K nearest neighbours when both the queries and the database are sharded (no rank holds the database).

    torchrun --nproc_per_node=2 examples/distributed/knn.py

With shard="ij", each rank owns a slice of the queries x and a slice of the database y. The database
slices travel around the ring of ranks (each rank sends its current slice to the next one while it
reduces the slice it holds); every rank ends with the K nearest neighbours of its own queries, as
global indices into the database (ties: the lowest index, as on one device).
"""

import torch
import torch.distributed as dist

import kred.distributed as kd
import kred.torch as kt


def main():
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    g = torch.Generator().manual_seed(0)
    x_full, y_full = torch.randn(5000, 16, generator=g), torch.randn(50_000, 16, generator=g)
    x, y = kd.shard_rows(x_full), kd.shard_rows(y_full)

    knn = kd.Genred("SqDist(x,y)", ["x=Vi(16)", "y=Vj(16)"], reduction_op="ArgKMin", axis=1, opt_arg=10, shard="ij")
    idx = knn(x, y)  # (this rank's queries, 10) global indices
    start, stop = kd.shard_bounds(x_full.shape[0])
    ref = kt.Genred("SqDist(x,y)", ["x=Vi(16)", "y=Vj(16)"], reduction_op="ArgKMin", axis=1, opt_arg=10)(x, y_full)
    print(f"rank {rank}: queries {start}..{stop}, first neighbours {idx[0].tolist()}, "
          f"same as one process: {torch.equal(idx, ref)}")
    assert torch.equal(idx, ref)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
