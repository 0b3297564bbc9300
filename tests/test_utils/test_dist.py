# Copyright (c) OpenMMLab. All rights reserved.
"""setup_cpu_distributed / teardown_distributed (the tools' CPU gloo path);
the tools themselves: tests/test_tools/test_dist_train.py."""
import multiprocessing as mp
import os
import socket

import pytest
import torch
from mmengine.config import Config

from mmedit_tmad.utils import setup_cpu_distributed, teardown_distributed


def test_non_distributed_config_untouched():
    cfg = Config(dict(launcher='none', model_wrapper_cfg=dict(type='X')))
    setup_cpu_distributed(cfg)
    assert cfg.model_wrapper_cfg == dict(type='X')
    assert not torch.distributed.is_initialized()
    teardown_distributed()  # nothing to tear down


def _worker(port, wrapper, queue):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=port, RANK='0',
                      WORLD_SIZE='1')
    cfg = Config(dict(launcher='pytorch'))
    if wrapper is not None:
        cfg.model_wrapper_cfg = wrapper
    setup_cpu_distributed(cfg)
    backend = torch.distributed.get_backend()
    teardown_distributed()
    queue.put((backend, cfg.model_wrapper_cfg.to_dict()
               if hasattr(cfg.model_wrapper_cfg, 'to_dict') else
               dict(cfg.model_wrapper_cfg),
               torch.distributed.is_initialized()))


@pytest.mark.skipif(torch.cuda.is_available(), reason='the CPU path only')
@pytest.mark.parametrize('wrapper', [
    None, dict(type='MMSeparateDistributedDataParallel')
])
def test_pytorch_launcher_without_cuda(wrapper):
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = str(sock.getsockname()[1])
    ctx = mp.get_context('fork')
    queue = ctx.Queue()
    proc = ctx.Process(target=_worker, args=(port, wrapper, queue))
    proc.start()
    backend, wrapper_cfg, still_up = queue.get(timeout=120)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert backend == 'gloo' and not still_up
    # the configured wrapper is kept; a CPU module takes no device ids
    expected = wrapper or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=False)
    assert wrapper_cfg == dict(expected, device_ids=None)
