# Copyright (c) OpenMMLab. All rights reserved.
"""atomic_write: a kill or an error mid-write keeps the previous file."""
import glob
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.fileio import get_file_backend

from mmedit_tmad.engine import TMADAtomicLocalBackend, atomic_write
from mmedit_tmad.engine import atomic_io


def _save(obj, path):
    import io
    with io.BytesIO() as f:
        torch.save(obj, f)
        atomic_write(path, f.getvalue())


def test_atomic_write_replaces_whole_file(tmp_path):
    path = str(tmp_path / 'sub' / 'a.pth')
    _save({'w': torch.ones(3)}, path)  # creates the folder
    _save({'w': torch.zeros(5)}, path)
    assert torch.equal(torch.load(path)['w'], torch.zeros(5))
    atomic_write(tmp_path / 'p.txt', 'iter_2.pth')
    assert open(tmp_path / 'p.txt').read() == 'iter_2.pth'
    assert os.listdir(tmp_path / 'sub') == ['a.pth']  # no temporary left


def test_error_mid_write_keeps_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'a.pth')
    _save({'w': torch.ones(3)}, path)

    def broken_fsync(fd):
        raise OSError('disk full (simulated)')

    monkeypatch.setattr(atomic_io.os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk full'):
        _save({'w': torch.zeros(1000)}, path)
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    assert os.listdir(tmp_path) == ['a.pth']


KILLED_WRITER = r"""
import importlib.util, os, sys, time
spec = importlib.util.spec_from_file_location('atomic_io', sys.argv[3])
atomic_io = importlib.util.module_from_spec(spec)
spec.loader.exec_module(atomic_io)
path, ready = sys.argv[1], sys.argv[2]
real_fsync = atomic_io.os.fsync
def slow_fsync(fd):
    real_fsync(fd)
    open(ready, 'w').close()  # the new bytes are written, not yet renamed
    time.sleep(600)
atomic_io.os.fsync = slow_fsync
atomic_io.atomic_write(path, b'new' * 1000000)
"""


def test_sigkill_mid_save_keeps_previous_file(tmp_path):
    path = str(tmp_path / 'iter_2.pth')
    _save({'w': torch.ones(3)}, path)
    ready = str(tmp_path / 'ready')
    proc = subprocess.Popen(
        [sys.executable, '-c', KILLED_WRITER, path, ready, atomic_io.__file__])
    deadline = time.time() + 120
    while not osp.exists(ready) and proc.poll() is None \
            and time.time() < deadline:
        time.sleep(0.01)
    assert osp.exists(ready), 'the writer never reached the write'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the final name still holds the previous, complete checkpoint; the
    # interrupted write is a hidden temporary, never the final name
    assert torch.equal(torch.load(path)['w'], torch.ones(3))
    leftovers = glob.glob(str(tmp_path / '.iter_2.pth.*.tmp'))
    assert len(leftovers) == 1 and osp.getsize(leftovers[0]) == 3000000


def test_backend_registered_and_selected_by_name(tmp_path):
    backend = get_file_backend(
        str(tmp_path), backend_args=dict(backend='tmad_atomic_local'))
    assert isinstance(backend, TMADAtomicLocalBackend)
    backend.put_text('abc', str(tmp_path / 'x.txt'))
    assert backend.get_text(str(tmp_path / 'x.txt')) == 'abc'
