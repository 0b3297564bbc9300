# Copyright (c) OpenMMLab. All rights reserved.
"""The host registries that mmedit_tmad registers into.

This is the one file that names the host toolbox. mmedit 1.x and mmagic 1.x
declare the same registries (``mmedit.registry`` / ``mmagic.registry``); if the
host is renamed again, only the import below and :data:`HOST_SCOPE` change.

T-MAD's classes are registered *into the host registries* (no separate
``mmedit_tmad`` scope), so configs keep ``default_scope='mmagic'`` and find
mmagic's loops, hooks, metrics and transforms next to ours.
"""
from mmagic.registry import (DATASETS, HOOKS, METRICS, MODEL_WRAPPERS, MODELS,
                             OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS,
                             TRANSFORMS, VISUALIZERS)

#: The ``default_scope`` of the host; configs set ``default_scope`` to it.
HOST_SCOPE = 'mmagic'

__all__ = [
    'HOST_SCOPE', 'DATASETS', 'HOOKS', 'METRICS', 'MODELS', 'MODEL_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'OPTIM_WRAPPERS', 'TRANSFORMS',
    'VISUALIZERS'
]
