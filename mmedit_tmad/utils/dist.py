# Copyright (c) OpenMMLab. All rights reserved.
"""Let ``--launcher pytorch`` run on machines without CUDA (gloo, CPU DDP).

mmengine 0.10.7's ``_init_dist_pytorch`` calls ``torch.cuda.set_device``
unconditionally ("Found no NVIDIA driver on your system" on a CPU host), and
the Runner passes ``device_ids=[LOCAL_RANK]`` to DistributedDataParallel,
which a CPU module rejects. On CUDA hosts nothing here changes anything.
"""
import torch
import torch.distributed as dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config) -> None:
    """Start gloo and set CPU-valid DDP arguments when there is no CUDA.

    Call after the config is loaded and before ``Runner.from_cfg``. The
    Runner finds the process group initialised and skips its own
    ``init_dist``.

    Args:
        cfg (Config): The loaded config; ``cfg.launcher`` is read and
            ``cfg.model_wrapper_cfg`` is updated in place.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return
    if not dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            from datetime import timedelta
            kwargs['timeout'] = timedelta(seconds=timeout)
        dist.init_process_group(backend='gloo', **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    # DDP of a CPU module takes no device ids.
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def teardown_distributed() -> None:
    """Shut the process group down cleanly at the end of a tool.

    Without it, a rank that finishes first can exit while gloo's threads of
    the other rank are still active, and one process aborts at interpreter
    shutdown ("terminate called without an active exception", seen in CPU
    runs of tools/dist_train.sh).
    """
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
