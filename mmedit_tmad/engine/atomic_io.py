# Copyright (c) OpenMMLab. All rights reserved.
"""Atomic local writes for checkpoints and the ``last_checkpoint`` pointer.

mmengine 0.10.7 writes a checkpoint with ``open(path, 'wb').write(...)``
(``LocalBackend.put``) and the ``last_checkpoint`` pointer with
``open(path, 'w')``. A job killed during either write (pre-emption, a node
failure, the wall-clock limit of a cluster) leaves a truncated file under
the final name, and ``--resume`` then fails on it. Here every write goes to
a temporary file in the same directory, is flushed and ``fsync``-ed, and is
moved over the final name with ``os.replace`` (atomic on POSIX): the final
name holds either the previous complete file or the new complete file.
"""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

__all__ = ['atomic_write', 'write_temp', 'TMADAtomicLocalBackend']


def write_temp(filepath: Union[str, Path], data: Union[bytes, str]) -> str:
    """Write ``data`` to a new temporary file beside ``filepath``.

    The file (``.<name>.<random>.tmp`` in the same directory) is flushed to
    disk; it is the caller's to move into place or remove.

    Returns:
        str: The temporary file's path.
    """
    filepath = str(filepath)
    if isinstance(data, str):
        data = data.encode('utf-8')
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        os.remove(tmp)
        raise
    return tmp


def atomic_write(filepath: Union[str, Path], data: Union[bytes, str]) -> None:
    """Write ``data`` to ``filepath`` atomically.

    The temporary file (:func:`write_temp`) is removed if anything fails
    before the final ``os.replace``.

    Args:
        filepath (str | Path): The final path.
        data (bytes | str): The content (str is written as UTF-8).
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    tmp = write_temp(filepath, data)
    try:
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    # make the rename itself durable
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. platforms without directory descriptors
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class TMADAtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` with atomic ``put`` and ``put_text``.

    Registered as the file backend ``'tmad_atomic_local'``; select it with
    ``backend_args=dict(backend='tmad_atomic_local')`` (``TMADCheckpointHook``
    does so by default). mmengine's ``'local'`` backend is left unchanged.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically."""
        atomic_write(filepath, obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically."""
        atomic_write(filepath, obj.encode(encoding))


register_backend('tmad_atomic_local', TMADAtomicLocalBackend, force=True)
