# Copyright (c) OpenMMLab. All rights reserved.
"""tools/demo.py keeps its results in a work dir of its own (the whole
demo run is the README's ``make demo``; too long for a test)."""
import json
import os.path as osp
import sys

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
