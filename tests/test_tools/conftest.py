# Copyright (c) OpenMMLab. All rights reserved.
"""Running a tool as a user does (a fresh process), or its ``main`` in this
process through the same error handling (``mmedit_tmad.utils.cli.run``):
its exit code and the one error line it prints."""
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


class ToolRun:
    """A finished run of a tool: ``returncode``, ``stdout``, ``stderr``."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    @property
    def error(self) -> str:
        """The one line printed on stderr, which must be all of stderr (no
        traceback, no warning)."""
        lines = self.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith('error: '), \
            self.stdout[-2000:] + self.stderr[-3000:]
        return lines[0]


@pytest.fixture
def run_tool():
    """``run_tool('tools/inpaint.py', [args], env={...})`` -> ToolRun."""

    def run(tool, args, env=None, timeout=600):
        proc = subprocess.run(
            [sys.executable, tool] + [str(a) for a in args],
            cwd=ROOT,
            env=dict(os.environ, OMP_NUM_THREADS='1', **(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout)
        return ToolRun(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture
def run_main(capsys):
    """``run_main(tool_module.main, [args])`` -> ToolRun, in this process
    (faster than a fresh one for the variants of a case)."""
    from mmedit_tmad.utils import cli

    def run(main, args):
        capsys.readouterr()
        code = cli.run(main, [str(a) for a in args])
        out, err = capsys.readouterr()
        return ToolRun(code, out, err)

    return run


@pytest.fixture(scope='session')
def unbuildable_config(tmp_path_factory):
    """A config whose model cannot be built.

    A tool that gets as far as building the model fails with exit code 1
    ('NoSuchModel is not in the ... registry'); exit code 2 and the tool's
    own message show that it stopped before.
    """
    tiny = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')
    path = tmp_path_factory.mktemp('unbuildable') / 'unbuildable.py'
    path.write_text(f"_base_ = ['{tiny}']\n"
                    "model = dict(_delete_=True, type='NoSuchModel')\n")
    return str(path)


def _write_ok_and_truncated(root, split: str) -> None:
    """``root/split/ok.png`` (a 32x32 photo) and ``root/split/cut.jpg`` (a
    JPEG cut in half), with an empty ``root/meta``, for broken lists."""
    import cv2
    import numpy as np
    from skimage import data
    os.makedirs(osp.join(root, split))
    os.makedirs(osp.join(root, 'meta'))
    photo = data.coffee()[:32, :32, ::-1]
    cv2.imwrite(osp.join(root, split, 'ok.png'), photo)
    jpg = cv2.imencode('.jpg', np.tile(photo, (4, 4, 1)))[1].tobytes()
    with open(osp.join(root, split, 'cut.jpg'), 'wb') as f:
        f.write(jpg[:len(jpg) // 2])


@pytest.fixture
def write_ok_and_truncated():
    """``f(root, split)``: a photo and a truncated JPEG under ``root/split``
    (see :func:`_write_ok_and_truncated`)."""
    return _write_ok_and_truncated


@pytest.fixture(scope='session')
def held_out_256(tmp_path_factory):
    """``(data, masks)``: the collection's embedded held-out crops (256x256,
    no download) and 4 fixed ``rect_large`` masks, as the evaluation tools
    read them (``--data``, ``--masks``)."""
    sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
    import make_fixed_masks
    import photo_collection
    root = tmp_path_factory.mktemp('held_out_256')
    data = str(root / 'photos')
    photo_collection.build(data, embedded_only=True)
    masks = make_fixed_masks.main([
        '--out', str(root / 'masks'), '--size', '256', '--num', '4',
        '--kinds', 'rect_large', '--version', 'test'
    ])
    return data, masks
