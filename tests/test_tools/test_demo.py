# Copyright (c) OpenMMLab. All rights reserved.
"""tools/demo.py keeps its results in a work dir of its own (the whole
demo run is the README's ``make demo``; too long for a test)."""
import json
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'tools/demo.py'


def test_foreign_work_dir_is_refused(run_tool, run_main, tmp_path):
    photos = tmp_path / 'photos'
    photos.mkdir()
    (photos / 'a.jpg').write_bytes(b'mine')
    run = run_tool(TOOL, ['--work-dir', photos, '--data', tmp_path / 'data'])
    assert run.returncode == 2
    assert run.error == f'error: --work-dir {photos} holds files that demo ' \
        'did not make; choose another folder, or pass --overwrite to use it'
    assert [p.name for p in photos.iterdir()] == ['a.jpg']
    assert not (tmp_path / 'data').exists()
    # its own work dir (an earlier demo: metrics.md) is taken and marked;
    # the run then stops at the model name, which the zoo does not know
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import demo
    own = tmp_path / 'demo'
    own.mkdir()
    (own / 'metrics.md').write_text('| method |\n')
    run = run_main(demo.main, [
        '--work-dir', own, '--model', 'tmad_no_such_model', '--data',
        tmp_path / 'data'
    ])
    assert run.returncode == 2
    assert "'tmad_no_such_model' is neither a config file nor a model" in \
        run.error
    assert json.loads((own / '.demo.json').read_text())['tool'] == 'demo'
    assert not (tmp_path / 'data').exists()


def test_paired_table(tmp_path):
    """The first method minus each other one: a lead on every image is
    resolved (``*``, small p), the method against a copy of itself is not
    (0, p = 1); FID / KID columns come from the saved features."""
    import numpy as np
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import demo
    compare = demo.compare
    rng = np.random.RandomState(0)
    n = 12
    base = {k: list(rng.rand(n) + 5) for k, _, _ in compare.METRICS}
    real = rng.rand(n, 32)
    fake = rng.rand(n, 32)
    worse = dict(base, MAE=[v + 1 for v in base['MAE']])
    for folder, values, feats in (('ours', base, fake), ('copy', base, fake),
                                  ('worse', worse, fake + 0.5)):
        mdir = tmp_path / folder
        mdir.mkdir()
        for kind in demo.KINDS:
            with open(compare.per_image_file(str(mdir), kind), 'w') as f:
                json.dump(values, f)
            np.savez(
                compare.features_file(str(mdir), kind), fake=feats,
                real=real)
    text = demo.paired_table(
        [('ours', 'Ours'), ('copy', 'Copy'), ('worse', 'Worse')],
        str(tmp_path), 200)
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows[0].startswith('| Ours minus | holes | l1 (x100) |')
    assert len(rows) == 1 + 2 * len(demo.KINDS)
    copy = rows[1].split(' | ')
    assert copy[1:3] == ['rect_large', '+0.000 (p 1.000)']
    assert '*' not in rows[1]
    worse = rows[2].split(' | ')
    assert worse[2].startswith('-1.000* (p 0.00')  # l1 of every image
    assert worse[-2].startswith('-') and '*' in worse[-2]  # FID, KID


def test_grid_cells_are_the_evaluated_outputs(tmp_path, embedded_32):
    """The grid is taken from the evaluation's outputs, row ``j`` with mask
    kind ``j mod 2``, across batches: the same cells as rendering the
    grid's images on their own (``compare.step_render``)."""
    import argparse

    import numpy as np
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import demo
    from demo import compare, make_fixed_masks
    kinds = ['rect', 'irregular_10-20']
    masks = make_fixed_masks.main([
        '--out',
        str(tmp_path / 'masks'), '--size', '32', '--num', '5', '--kinds'
    ] + kinds)
    ev = argparse.Namespace(
        data=embedded_32,
        masks=masks,
        kinds=kinds,
        num_val=5,
        grid_num=3,
        no_fid_kid=True)
    base = compare.load_cfg(
        osp.join(ROOT, 'configs', 'tmad',
                 'tmad_demo_1xb4_embedded-128x128.py'))
    cfg = demo.classical_cfg(
        base, dict(type='TeleaInpaintor', radius=3.), ev,
        str(tmp_path / 'telea' / 'eval'))
    cfg.test_dataloader[0].batch_size = 2  # picks 0, 2, 4: three batches
    cfg.test_dataloader[1].batch_size = 2
    grid = demo._KeepGrid(3)
    metrics = demo._test(cfg, grid)
    assert 'rect/MAE' in metrics and 'irregular_10-20/MAE' in metrics
    assert compare.grid_picks(5, 3, 2) == [(0, 0), (1, 2), (0, 4)]
    column = demo._grid_column('Telea', grid, str(tmp_path / 'telea'))
    cells = np.load(column['grid'])
    assert cells.shape == (3, 32, 32, 3) and cells.dtype == np.uint8
    rendered = tmp_path / 'rendered'
    rendered.mkdir()
    compare.step_render('Telea', cfg, None, ev, str(rendered))
    np.testing.assert_array_equal(cells, np.load(rendered / 'grid.npy'))
    # a grid the test could not fill is an error, not a short grid
    short = demo._KeepGrid(3)
    short._rows, short._cells = {(0, 0): 0, (1, 2): 1}, {0: cells[0]}
    with pytest.raises(RuntimeError, match='1 of the 2 grid images'):
        short.cells


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_precision_of_the_shipped_models(tmp_path, embedded_32, precision):
    """float32 by default (the same table on every CPU); bfloat16 runs the
    learned models' test loop under autocast, and metrics.md says so."""
    import argparse
    sys.path.insert(0, osp.join(ROOT, 'tools'))
    import demo
    from demo import compare, make_fixed_masks
    assert demo.parse_args([]).precision == 'fp32'
    masks = make_fixed_masks.main([
        '--out',
        str(tmp_path / 'masks'), '--size', '32', '--num', '2', '--kinds',
        'rect'
    ])
    ev = argparse.Namespace(
        data=embedded_32,
        masks=masks,
        kinds=['rect'],
        num_val=2,
        grid_num=None,
        no_fid_kid=True)
    base = compare.load_cfg(
        osp.join(ROOT, 'configs', 'tmad',
                 'tmad_demo_1xb4_embedded-128x128.py'))
    cfg = demo.eval_model_cfg(base, None, ev, str(tmp_path / 'eval'),
                              precision)
    assert cfg.test_cfg.get('fp16', False) is (precision == 'bf16')
    runner = demo._runner(cfg)
    assert runner.test_loop.fp16 is (precision == 'bf16')
    note = demo.table_note(2, ev, precision)
    assert note.endswith('The shipped models in ' + (
        'bfloat16 autocast.' if precision == 'bf16' else 'float32.'))
