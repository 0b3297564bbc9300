# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/big_photos.py: the measuring command runs."""
import os.path as osp
import re
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import big_photos  # noqa: E402


def test_speed_on_a_small_mosaic(capsys):
    big_photos.main([
        'speed', '--config', TEST_CFG, '--size', '192x256', '--strategy',
        'crop'
    ])
    out = capsys.readouterr().out
    assert re.search(
        r'192x256, hole \d\.\d%, strategy crop \(crop: \d+x\d+@\d\.\d\d.*\): '
        r'inpaint \d+\.\d s, peak RSS \d+ MiB', out), out


def test_detail_table(capsys):
    big_photos.main(['detail', '--config', TEST_CFG, '--num', '1'])
    out = capsys.readouterr().out
    row = re.search(r'\| astronaut \| 512x512 \| 0\.80 \|(.*)\|$', out, re.M)
    assert row, out
    values = [float(v) for v in row.group(1).split('|')]
    assert len(values) == 8
    tv_photo, tv_none, tv_detail = values[0], values[4], values[6]
    assert tv_none < tv_detail < 1.2 * tv_photo
    assert re.search(r'\| mean of 1 \|', out), out


def test_photo_and_hole():
    img = big_photos.mosaic(300, 400)
    assert img.shape == (300, 400, 3) and img.std() > 20
    hole = big_photos.object_hole(3000, 4000)
    assert 0.035 < hole.mean() < 0.045
    with pytest.raises(SystemExit):
        big_photos.main(['speed', '--config', TEST_CFG, '--size', '300'])
