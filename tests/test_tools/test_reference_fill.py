# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/reference_fill.py: references never hold the
held-out crop; the shipped model's three rows on real held-out photos."""
import json
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
import photo_collection  # noqa: E402
import reference_fill  # noqa: E402


def test_side_strips_leave_the_crop_out():
    photo = np.arange(300 * 420).reshape(300, 420) % 251
    photo = photo.astype(np.uint8)[..., None].repeat(3, 2)
    crop = photo_collection.centre_crop(photo, 256)
    strips = reference_fill.side_strips(photo, 256, 32)
    # landscape: left 82 and right 82 columns, full height
    assert [s.shape for s in strips] == [(300, 82, 3), (300, 82, 3)]
    assert np.array_equal(crop, photo[22:278, 82:338])
    assert np.array_equal(
        np.concatenate([strips[0], photo[:, 82:338], strips[1]], 1), photo)
    # portrait: above and below; strips under min_side are dropped
    tall = np.ascontiguousarray(photo[:260, :280].transpose(1, 0, 2))
    assert [s.shape[:2] for s in reference_fill.side_strips(tall, 256, 8)
            ] == [(12, 260), (12, 260)]
    assert reference_fill.side_strips(tall, 256, 32) == []
    assert reference_fill.side_strips(photo[:256, :256], 256, 1) == []


def test_three_rows_on_held_out_photos(held_out_256, tmp_path):
    data, masks = held_out_256
    out = tmp_path / 'ref'
    results = reference_fill.main([
        '--data', data, '--masks', masks, '--kinds', 'rect_large', '--num',
        '2', '--num-examples', '2', '--no-fid-kid', '--out', str(out)
    ])
    rows = results['rect_large']
    assert set(rows) == {'none', 'with_photo', 'only'}
    for m in rows.values():
        assert 0 < m['MAE'] < 30 and 15 < m['PSNR'] < 45
    saved = json.loads((out / 'metrics.json').read_text())
    assert len(saved['crops']) == 2
    assert saved['results'] == json.loads(json.dumps(results))
    table = (out / 'metrics.md').read_text()
    assert '| reference only |' in table and '| no reference |' in table
    # input | three rows | ground truth, one line per example
    import cv2
    assert cv2.imread(str(out / 'examples.jpg')).shape == (512, 5 * 256, 3)
