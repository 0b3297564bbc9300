# Copyright (c) OpenMMLab. All rights reserved.
"""Load mmengine runner checkpoints under torch's ``weights_only`` unpickler.

torch >= 2.6 defaults ``torch.load`` to ``weights_only=True``. mmengine 0.10.7
calls ``torch.load(filename, map_location)`` for local files, and a runner
checkpoint (what ``CheckpointHook`` writes, and what ``--resume``,
``load_from`` and ``tools/test.py`` read) holds more than tensors: its
``message_hub`` pickles mmengine ``HistoryBuffer`` objects with numpy arrays,
numpy scalars, and ``getattr(HistoryBuffer, 'min')``-style references to the
buffer's statistics methods. The default unpickler rejects all of them.

The fix here is narrow: mmengine's loader for local paths is replaced by one
that still loads with ``weights_only=True``, with an allowlist of exactly the
globals a runner checkpoint holds (:data:`RUNNER_CHECKPOINT_GLOBALS`). In
particular ``getattr`` is *not* allowed: a stand-in resolves only
``HistoryBuffer`` attributes and rejects anything else, so a crafted file
cannot reach arbitrary callables. Nothing is changed for remote loaders,
nothing is set in the environment, and ``weights_only`` stays on.
"""
import codecs
import os.path as osp

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader
from mmengine.utils import is_filepath
from torch.serialization import safe_globals

__all__ = ['RUNNER_CHECKPOINT_GLOBALS', 'load_from_local']


def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to the methods of mmengine's ``HistoryBuffer``.

    ``HistoryBuffer.__getstate__`` stores its statistics methods, which pickle
    as ``getattr(HistoryBuffer, '<name>')``. Any other use is refused.
    """
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            vars(HistoryBuffer).get(name)):
        return getattr(obj, name)
    raise torch.serialization.pickle.UnpicklingError(
        f'refused getattr({obj!r}, {name!r}) while loading a checkpoint: only '
        'HistoryBuffer statistics methods may be referenced')


def _numpy_globals() -> list:
    """The numpy objects that pickled arrays, dtypes and scalars refer to."""
    from numpy.core import multiarray
    objs = [multiarray._reconstruct, multiarray.scalar, np.ndarray, np.dtype]
    # numpy >= 1.25 pickles dtype instances through their DType classes.
    objs += sorted({type(np.dtype(t))
                    for t in np.sctypeDict.values()},
                   key=str)
    # Checkpoints written under numpy 2 name ``numpy._core``.
    objs += [(multiarray._reconstruct, 'numpy._core.multiarray._reconstruct'),
             (multiarray.scalar, 'numpy._core.multiarray.scalar')]
    return objs


#: Globals allowed when loading a runner checkpoint with ``weights_only=True``.
RUNNER_CHECKPOINT_GLOBALS = [
    HistoryBuffer,
    (_history_buffer_getattr, 'builtins.getattr'),
    # bytes of numpy arrays, pickled with protocol 2
    codecs.encode,
] + _numpy_globals()


def load_from_local(filename: str, map_location=None) -> dict:
    """Load a local checkpoint with ``weights_only=True`` and the allowlist.

    Registered as mmengine's loader for local paths (the name keeps
    mmengine's "Loads checkpoint by local backend" log line).

    Args:
        filename (str): Path of the checkpoint file.
        map_location (str | torch.device, optional): As for ``torch.load``.

    Returns:
        dict: The checkpoint.
    """
    if not is_filepath(filename) or not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    with safe_globals(RUNNER_CHECKPOINT_GLOBALS):
        return torch.load(
            filename, map_location=map_location, weights_only=True)


# Replace mmengine's loader for local paths (prefix ''), which every local
# checkpoint read by the Runner (resume, load_from) goes through.
CheckpointLoader.register_scheme(
    prefixes='', loader=load_from_local, force=True)
