# Copyright (c) OpenMMLab. All rights reserved.
"""Published (inference-only) weights in a training or test runner."""
from typing import Sequence

import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmedit_tmad.registry import HOOKS


@HOOKS.register_module()
class TMADPublishedWeightsHook(Hook):
    """Load published weights without a page of missing discriminator keys.

    Published weights (``tools/model_converters/publish_model.py``, the
    model zoo's files) hold the inference modules only; the discriminators
    are training-only. Loaded with ``load_from`` (fine-tuning, or
    ``tools/test.py``), mmengine lists every discriminator key as missing.
    In ``after_load_checkpoint``, which mmengine calls before it puts the
    weights into the model, a module of ``modules`` that the model has and
    the checkpoint holds no key of gets its current state copied into the
    checkpoint: it keeps its initialisation, and one log line says so. Any
    other missing or unexpected key is reported by mmengine as before; a
    checkpoint with the module's keys (a resumed training checkpoint) is
    left as it is.

    Args:
        modules (Sequence[str]): Training-only child modules of the model.
            Default: ``('disc', )``.
    """

    priority = 'VERY_HIGH'

    def __init__(self, modules: Sequence[str] = ('disc', )) -> None:
        self.modules = tuple(modules)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if not isinstance(state, dict) or not state:
            return
        model = runner.model.module if is_model_wrapper(runner.model) \
            else runner.model
        # mmengine strips a DDP wrapper's 'module.' after this hook
        prefix = 'module.' if all(
            k.startswith('module.') for k in state) else ''
        kept = []
        for name in self.modules:
            module = getattr(model, name, None)
            head = f'{prefix}{name}.'
            if not isinstance(module, nn.Module) or any(
                    k.startswith(head) for k in state):
                continue
            for key, value in module.state_dict().items():
                state[head + key] = value
            kept.append(name)
        if kept:
            runner.logger.info(
                f'the checkpoint holds no {", ".join(kept)} weights '
                f'(published inference weights): {", ".join(kept)} keeps '
                f'its initialisation')
