# Copyright (c) OpenMMLab. All rights reserved.
"""Check that every rank of a distributed run holds the same weights."""
from typing import List, Tuple

import torch
from mmengine.dist import (all_reduce, broadcast, get_rank, get_world_size,
                           is_distributed)
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from torch import nn

from mmedit_tmad.registry import HOOKS


def _strip_wrappers(name: str) -> str:
    return '.'.join(p for p in name.split('.') if p != 'module')


def check_ranks_in_sync(model: nn.Module,
                        atol: float = 0.) -> Tuple[int, List[str]]:
    """Compare every parameter and buffer of ``model`` with rank 0's.

    Each tensor of rank 0 is broadcast and compared on every rank; call it
    on all ranks together.

    Args:
        model (nn.Module): The (possibly DDP-wrapped) model.
        atol (float): Largest absolute difference accepted for floating
            tensors; other tensors must be equal. Default: 0 (bitwise).

    Returns:
        tuple[int, list[str]]: The number of tensors compared, and
        ``'<name>: max |diff| <value>'`` for each tensor of this rank that
        differs from rank 0's.
    """
    tensors = list(model.named_parameters()) + list(model.named_buffers())
    bad = []
    for name, tensor in tensors:
        ref = tensor.detach().clone()
        broadcast(ref, src=0)
        if tensor.is_floating_point():
            diff = (tensor.detach() - ref).abs().max().item() \
                if tensor.numel() else 0.
            if not diff <= atol:  # also catches NaN
                bad.append(f'{_strip_wrappers(name)}: max |diff| {diff:.3g}')
        elif not torch.equal(tensor.detach(), ref):
            bad.append(f'{_strip_wrappers(name)}: values differ')
    return len(tensors), bad


@HOOKS.register_module()
class TMADRankSyncHook(Hook):
    """Fail loudly when the ranks of a distributed run drift apart.

    DDP keeps replicas equal only if every rank sees the same gradients and
    the same optimiser steps; a module left out of a wrapper, a rank that
    skips an update, or a non-deterministic buffer update makes them drift
    silently. This hook broadcasts rank 0's parameters and buffers and
    compares them on every rank, at the end of training and, with
    ``interval > 0``, every ``interval`` iterations. It logs
    ``rank sync check at iter N: W ranks, T tensors identical`` or raises a
    ``RuntimeError`` naming the tensors that differ. Nothing happens in
    non-distributed runs.

    Args:
        interval (int): Iterations between checks; -1 checks only after
            training. Default: -1.
        atol (float): Tolerance for floating tensors. Default: 0 (bitwise).
    """

    priority = 'LOW'

    def __init__(self, interval: int = -1, atol: float = 0.) -> None:
        self.interval = interval
        self.atol = atol

    def _check(self, runner) -> None:
        if not is_distributed():
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        count, bad = check_ranks_in_sync(model, self.atol)
        # every rank learns whether any rank differs (mmengine's collectives
        # move the tensor to the backend's device, e.g. CUDA for NCCL)
        num_bad = torch.tensor([float(len(bad))])
        all_reduce(num_bad, op='sum')
        if num_bad.item() > 0:
            mine = '; '.join(bad[:10]) if bad else 'equal to rank 0'
            raise RuntimeError(
                f'ranks out of sync at iter {runner.iter}: '
                f'{int(num_bad.item())} tensors differ from rank 0 over '
                f'{get_world_size()} ranks; rank {get_rank()} ({len(bad)} of '
                f'{count}): {mine}')
        print_log(
            f'rank sync check at iter {runner.iter}: {get_world_size()} '
            f'ranks, {count} tensors identical', logger='current')

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if self.interval > 0 and self.every_n_train_iters(
                runner, self.interval):
            self._check(runner)

    def after_train(self, runner) -> None:
        self._check(runner)
