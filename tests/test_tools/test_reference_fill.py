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


def test_shifted_view_is_the_crop_moved():
    photo = np.arange(300 * 420).reshape(300, 420) % 251
    photo = photo.astype(np.uint8)[..., None].repeat(3, 2)
    # crop at (22, 82): 22 rows of room above and below, 82 left and right
    view, = reference_fill.shifted_view(photo, 256, 32)
    assert np.array_equal(view, photo[22 + 22:22 + 22 + 256,
                                      82 + 32:82 + 32 + 256])
    # 17 rows of room: the view moves 17
    view, = reference_fill.shifted_view(photo[:290], 256, 32)
    assert np.array_equal(view, photo[34:290, 114:370])
    # under 16 px of room in all: no view
    assert reference_fill.shifted_view(photo[:256, :256], 256, 32) == []
    assert reference_fill.shifted_view(photo[:256, :272], 256, 32) == []
    assert len(reference_fill.shifted_view(photo[:256, :290], 256, 32)) == 1


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
    # the shipped model's texture synthesis changes its coarse fill by
    # grey levels, and draws from the references (they change the output)
    for key in ('none', 'with_photo', 'only'):
        assert rows[key]['psnet_change'] > 1, rows[key]
    assert rows['only']['ref_change'] > 1


def test_second_shot_and_networks_only(held_out_256, tmp_path):
    data, masks = held_out_256

    def run(name, *extra):
        out = tmp_path / name
        rows = reference_fill.main([
            '--data', data, '--masks', masks, '--kinds', 'rect_large',
            '--num', '1', '--num-examples', '0', '--no-fid-kid', '--shift',
            '32', '--out', str(out), *extra
        ])['rect_large']
        return rows, (out / 'metrics.md').read_text()

    rows, note = run('net', '--networks-only')
    assert '32 px away along each axis' in note
    assert '(networks only)' in note
    # without the synthesis the shipped PSNet hardly moves the coarse fill
    assert rows['none']['psnet_change'] < 0.5, rows['none']
    # --cfg-options reaches the model: one more round changes the output
    one, _ = run('one', '--cfg-options', 'model.texture_synthesis.iters=1')
    two, _ = run('two', '--cfg-options', 'model.texture_synthesis.iters=2')
    assert one['none']['MAE'] != two['none']['MAE']
