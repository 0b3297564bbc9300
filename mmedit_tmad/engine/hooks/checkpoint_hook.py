# Copyright (c) OpenMMLab. All rights reserved.
"""mmengine's ``CheckpointHook`` with atomic checkpoint and pointer writes."""
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook

from mmedit_tmad.registry import HOOKS
from ..atomic_io import atomic_write


@HOOKS.register_module()
class TMADCheckpointHook(CheckpointHook):
    """``CheckpointHook`` whose writes survive a kill at any moment.

    * Checkpoints go through the ``'tmad_atomic_local'`` file backend
      (``TMADAtomicLocalBackend``): temporary file in the same folder,
      ``fsync``, ``os.replace``. This is the default when neither
      ``backend_args`` nor ``file_client_args`` is given; other backends
      (e.g. object stores) are used as configured.
    * The ``last_checkpoint`` pointer, which ``--resume`` reads, is written
      the same way, and only after its checkpoint is complete.
    * With ``max_keep_ckpts``, the oldest checkpoint is removed only after
      the new one and the pointer are written (mmengine removes it first).

    A kill during a save therefore leaves the previous checkpoint and a
    pointer to it, never a truncated file under a final name. Everything
    else (intervals, ``max_keep_ckpts``, best checkpoints) is mmengine's.

    Args:
        backend_args (dict, optional): As ``CheckpointHook``. Default: the
            atomic local backend.
        **kwargs: The other ``CheckpointHook`` arguments.
    """

    def __init__(self, backend_args=None, **kwargs) -> None:
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='tmad_atomic_local')
        super().__init__(backend_args=backend_args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta):
        """As mmengine 0.10.7, made safe against a kill at any moment.

        mmengine removes the oldest checkpoint *before* writing the new one
        (with ``max_keep_ckpts=1`` a kill mid-save leaves none) and writes
        ``last_checkpoint`` non-atomically. Here the new checkpoint is
        written atomically, then the pointer, then the oldest one goes.
        """
        to_remove = None
        if self.max_keep_ckpts > 0:
            if len(self.keep_ckpt_ids) > 0 and self.keep_ckpt_ids[-1] == step:
                pass
            else:
                if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                    to_remove = self.keep_ckpt_ids.popleft()
                self.keep_ckpt_ids.append(step)
                runner.message_hub.update_info('keep_ckpt_ids',
                                               list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)

        if not is_main_process():
            return
        atomic_write(
            osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if to_remove is not None:
            ckpt_path = self.file_backend.join_path(
                self.out_dir, self.filename_tmpl.format(to_remove))
            if self.file_backend.isfile(ckpt_path):
                self.file_backend.remove(ckpt_path)
            elif self.file_backend.isdir(ckpt_path):
                # checkpoints saved by deepspeed are directories
                self.file_backend.rmtree(ckpt_path)
