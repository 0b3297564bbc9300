# Copyright (c) OpenMMLab. All rights reserved.
"""tools/test.py without a checkpoint: classical rows yes, learned no."""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _tool():
    spec = importlib.util.spec_from_file_location(
        'tmad_test_tool', osp.join(ROOT, 'tools', 'test.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_checkpoint():
    check = _tool().check_checkpoint
    learned = torch.nn.Conv2d(3, 3, 1)
    with pytest.raises(SystemExit, match='12 trainable parameters'):
        check(learned, None, untrained=False)
    check(learned, None, untrained=True)  # warns, evaluates the init
    check(learned, 'iter_10.pth', untrained=False)
    frozen = torch.nn.Conv2d(3, 3, 1).requires_grad_(False)
    check(frozen, None, untrained=False)
    check(torch.nn.Identity(), None, untrained=False)


def _run(args, timeout=300):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, 'tools/test.py'] + args,
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_classical_row_without_checkpoint(tmp_path, embedded_32):
    import make_fixed_masks
    masks = make_fixed_masks.main([
        '--out', str(tmp_path / 'masks'), '--size', '32', '--num', '4',
        '--kinds', 'rect'
    ])
    opts = [
        f'test_dataloader.dataset.data_root={embedded_32}',
        'test_dataloader.dataset.pipeline.1.mask_list=' +
        osp.join(masks, 'rect', 'list.txt'), 'test_dataloader.num_workers=0'
    ]
    out_json = tmp_path / 'telea.json'
    proc = _run([
        'configs/classical/telea_embedded-128x128.py', 'none', '--work-dir',
        str(tmp_path / 'work'), '--out',
        str(out_json), '--cfg-options'
    ] + opts)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert 'nothing learned' in proc.stdout + proc.stderr
    metrics = json.load(open(out_json))
    assert {'MAE', 'PSNR', 'SSIM', 'TV'} <= set(metrics)
    assert 0 < metrics['PSNR'] < 100
