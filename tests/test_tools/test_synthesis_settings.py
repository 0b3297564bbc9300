# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/synthesis_settings.py on the embedded training
photos (no download)."""
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import synthesis_settings  # noqa: E402

from mmedit_tmad.utils.cli import UsageError  # noqa: E402


def test_training_crop_scale_and_centre(tmp_path):
    img = np.zeros((300, 200, 3), np.uint8)  # portrait
    img[:, 100:] = 255
    path = str(tmp_path / 'p.png')
    cv2.imwrite(path, img)
    crop = synthesis_settings.training_crop(path)
    assert crop.shape == (256, 256, 3)
    # 200 -> 384 wide: the centre 256 columns hold the edge in the middle
    assert crop[:, :120].max() == 0 and crop[:, 136:].min() == 255


def test_settings_on_training_photos(held_out_256, tmp_path):
    data, masks = held_out_256
    out = tmp_path / 'ss'
    res = synthesis_settings.main([
        '--data', data, '--masks', masks, '--kinds', 'rect_large', '--num',
        '2', '--every', '1', '--mask-offset', '1', '--no-fid-kid',
        '--settings', '{"iters": 1}', '--baselines', 'telea', '--out',
        str(out)
    ])['rect_large']
    saved = json.load(open(out / 'metrics.json'))
    assert len(saved['photos']) == 2
    net, synth = res['networks'], res['{"iters": 1}']
    assert set(net) == set(synth)
    assert all(np.isfinite(v) for v in synth.values())
    assert net != synth  # the synthesis changed the holes
    assert set(res['telea']) == set(net) and res['telea'] != net
    table = open(out / 'metrics.md').read()
    assert 'networks alone' in table and '| Telea |' in table


@pytest.mark.parametrize('spec', ['{"iters": 0}', '[1]', 'iters=3'])
def test_bad_settings(spec, tmp_path):
    with pytest.raises(UsageError, match='--settings'):
        synthesis_settings.main(
            ['--settings', spec, '--out',
             str(tmp_path / 'x')])


def test_bad_baseline(tmp_path, capsys):
    with pytest.raises(SystemExit):
        synthesis_settings.main(
            ['--baselines', 'tmad', '--out',
             str(tmp_path / 'x')])
    assert 'invalid choice' in capsys.readouterr().err
