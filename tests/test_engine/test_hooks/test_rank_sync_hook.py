# Copyright (c) OpenMMLab. All rights reserved.
"""check_ranks_in_sync on two gloo processes: equal replicas pass, a drifted
one is named. (The hook in a real run: tests/test_tools/test_dist_train.py)"""
import multiprocessing as mp
import torch
from torch import nn

from mmedit_tmad.engine.hooks import TMADRankSyncHook, check_ranks_in_sync


def _worker(rank, init_file, drift, queue):
    import torch.distributed as dist
    dist.init_process_group(
        'gloo', init_method=f'file://{init_file}', rank=rank, world_size=2)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    if drift and rank == 1:
        with torch.no_grad():
            model[0].weight[0, 0] += 1e-3
        model[1].num_batches_tracked += 1
    result = check_ranks_in_sync(model)

    class Runner:  # what the hook reads of a runner
        iter = 6

    Runner.model = model
    try:
        TMADRankSyncHook().after_train(Runner)
        raised = None
    except RuntimeError as err:
        raised = str(err)
    queue.put((rank, (result, raised)))
    dist.destroy_process_group()


def _run(tmp_path, drift):
    ctx = mp.get_context('fork')
    queue = ctx.Queue()
    init_file = str(tmp_path / f'init_{drift}')
    procs = [
        ctx.Process(target=_worker, args=(r, init_file, drift, queue))
        for r in range(2)
    ]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def test_equal_replicas_pass(tmp_path):
    results = _run(tmp_path, drift=False)
    # 4 parameters + 3 BatchNorm buffers, all equal on both ranks; the hook
    # passes on both
    assert results == {0: ((7, []), None), 1: ((7, []), None)}


def test_drifted_replica_is_named(tmp_path):
    results = _run(tmp_path, drift=True)
    assert results[0][0] == (7, [])
    count, bad = results[1][0]
    assert count == 7
    assert bad == ['0.weight: max |diff| 0.001',
                   '1.num_batches_tracked: values differ']
    # the hook stops every rank; the drifted one says where
    assert results[0][1] == ('ranks out of sync at iter 6: 2 tensors differ '
                             'from rank 0 over 2 ranks; rank 0 (0 of 7): '
                             'equal to rank 0')
    assert results[1][1] == ('ranks out of sync at iter 6: 2 tensors differ '
                             'from rank 0 over 2 ranks; rank 1 (2 of 7): '
                             '0.weight: max |diff| 0.001; '
                             '1.num_batches_tracked: values differ')


def test_nothing_to_do_without_distributed():
    hook = TMADRankSyncHook()

    class Runner:
        model = nn.Linear(2, 2)
        iter = 0

    hook.after_train(Runner())  # no process group: returns quietly
    assert not torch.distributed.is_initialized()
