# Copyright (c) OpenMMLab. All rights reserved.
"""setup.py ships configs/, tools/ and model-index.yml as mmedit_tmad/.mim,
where OpenMMLab's mim looks for them (``mim train mmedit_tmad CONFIG``)."""
import os
import os.path as osp
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PARTS = [
    'setup.py', 'MANIFEST.in', 'README.md', 'model-index.yml', 'requirements',
    'mmedit_tmad', 'configs', 'tools'
]


@pytest.mark.slow
def test_wheel_ships_mim_files_and_mim_finds_them(tmp_path):
    # build from a copy: the build writes mmedit_tmad/.mim and build/
    src = tmp_path / 'src'
    src.mkdir()
    for part in PARTS:
        path = osp.join(ROOT, part)
        if osp.isdir(path):
            shutil.copytree(
                path,
                src / part,
                symlinks=False,
                ignore=shutil.ignore_patterns('__pycache__', '.mim'))
        else:
            shutil.copy(path, src / part)
    pip = [sys.executable, '-m', 'pip']
    subprocess.run(
        pip + [
            'wheel', '-q', '--no-deps', '--no-build-isolation', '-w',
            str(tmp_path / 'whl'),
            str(src)
        ],
        check=True,
        capture_output=True,
        timeout=300)
    wheel = next((tmp_path / 'whl').glob('mmedit_tmad-*.whl'))
    names = zipfile.ZipFile(wheel).namelist()
    mim = 'mmedit_tmad/.mim/'
    assert mim + 'model-index.yml' in names
    assert mim + 'tools/train.py' in names and mim + 'tools/test.py' in names
    for cfg in ('configs/tmad/tmad_demo_1xb4_embedded-128x128.py',
                'configs/tmad/metafile.yml', 'configs/_base_/tmad_runtime.py'):
        assert mim + cfg in names, cfg
    # mim resolves an installed copy to the package and its .mim tools
    target = tmp_path / 'site'
    subprocess.run(
        pip +
        ['install', '-q', '--no-deps', '--target',
         str(target),
         str(wheel)],
        check=True,
        capture_output=True,
        timeout=300)
    code = ('import os.path as osp; from mim.utils import '
            'get_installed_path as g; p = g("mmedit_tmad"); print(p); '
            'print(osp.isfile(osp.join(p, ".mim", "tools", "train.py")))')
    out = subprocess.run([sys.executable, '-c', code],
                         env=dict(os.environ, PYTHONPATH=str(target)),
                         cwd=str(tmp_path),
                         capture_output=True,
                         text=True,
                         check=True,
                         timeout=120).stdout.split()
    assert out == [str(target / 'mmedit_tmad'), 'True']
