# Copyright (c) OpenMMLab. All rights reserved.
"""tools/test.py without a checkpoint: classical rows yes, learned no;
--out checked before the run; a broken annotation list names the file."""
import copy
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


TELEA = 'configs/classical/telea_embedded-128x128.py'


def test_metrics_table_has_a_row_per_test_set():
    table = _tool().metrics_table
    one = table({'MAE': 10., 'PSNR': 25., 'SSIM': .9, 'TV': 6.,
                 'FID-Full/fid': 40.})
    assert one.splitlines()[-1] == \
        '| 10.000 | 25.000 | 0.900 | 6.000 | 40.000 | - |'
    two = table({'rect/MAE': 10., 'rect/FID': 40., 'irregular/MAE': 8.,
                 'irregular/FID': 60.}).splitlines()
    assert two[0].startswith('| test set | l1 |')
    assert two[2:] == ['| rect | 10.000 | - | - | - | 40.000 | - |',
                       '| irregular | 8.000 | - | - | - | 60.000 | - |']


def test_several_test_sets_get_fid_each(tmp_path, embedded_32):
    """A config with two test sets (mmagic's MultiTestLoop, as
    compare.py and the demo write them): tools/test.py adds FID / KID to
    each and prints a row per set."""
    import make_fixed_masks
    from mmengine import Config
    kinds = ('rect', 'irregular_20-30')
    masks = make_fixed_masks.main([
        '--out', str(tmp_path / 'masks'), '--size', '32', '--num', '3',
        '--kinds', *kinds
    ])
    cfg = Config.fromfile(osp.join(ROOT, TELEA))
    loaders, evaluators = [], []
    for kind in kinds:
        loader = copy.deepcopy(cfg.test_dataloader)
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.data_root = embedded_32
        loader.dataset.indices = 3
        loader.dataset.pipeline[1].mask_list = osp.join(
            masks, kind, 'list.txt')
        loaders.append(loader)
        evaluators.append(dict(type='Evaluator', metrics=[
            dict(type='PSNR', prefix=kind), dict(type='MAE', prefix=kind)
        ]))
    cfg.test_dataloader, cfg.test_evaluator = loaders, evaluators
    cfg.test_cfg = dict(type='MultiTestLoop')
    cfg.dump(str(tmp_path / 'two_sets.py'))
    out_json = tmp_path / 'metrics.json'
    proc = _run([
        str(tmp_path / 'two_sets.py'), 'none', '--work-dir',
        str(tmp_path / 'work'), '--out', str(out_json)])
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    metrics = json.load(open(out_json))
    for kind in kinds:
        assert {f'{kind}/{m}' for m in ('PSNR', 'MAE', 'FID', 'KID')} <= \
            set(metrics), metrics
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith(('| rect |', '| irregular_20-30 |'))]
    assert len(rows) == 2 and '-' not in rows[0].split('|')[6], rows


def test_out_is_checked_before_the_run(run_tool, run_main, tmp_path,
                                       monkeypatch):
    old = tmp_path / 'metrics.json'
    old.write_text('{"PSNR": 30.0}')
    run = run_tool('tools/test.py',
                   [TELEA, '--out', old, '--work-dir', tmp_path])
    assert run.returncode == 2
    assert run.error == f'error: --out: {old} exists; pass --overwrite to ' \
        'replace, or choose another output'
    weights = tmp_path / 'weights.pkl'
    weights.write_bytes(b'not read')
    monkeypatch.setenv('LOCAL_RANK', '0')  # else the tool sets it
    for args, message in [
        ([TELEA, '--out', tmp_path / 'metrics.txt'],
         'give a file name ending in one of .json'),
        ([TELEA, weights, '--out', weights,
          '--overwrite'], 'is an input of this run'),
        ([TELEA, tmp_path / 'none.pth'], 'checkpoint: no such file'),
        (['configs/none.py'], 'config: no such file: configs/none.py'),
        ([
            TELEA, '--cfg-options', f'test_dataloader.dataset.data_root='
            f'{tmp_path}'
        ], f'annotation list {tmp_path}/meta/val.txt not'),
    ]:
        run = run_main(_tool().main, args + ['--work-dir', tmp_path])
        assert run.returncode == 2 and message in run.error
    assert old.read_text() == '{"PSNR": 30.0}'
    # a truncated checkpoint is named (torch does not name it)
    cut = tmp_path / 'cut.pth'
    torch.save(dict(state_dict=torch.nn.Conv2d(3, 3, 3).state_dict()), cut)
    cut.write_bytes(cut.read_bytes()[:200])
    run = run_main(_tool().main, [TELEA, cut, '--work-dir', tmp_path])
    assert run.returncode == 1
    assert run.error == f'error: cannot load checkpoint {cut} (200 bytes): ' \
        'truncated (the zip archive has no directory)'


@pytest.fixture
def broken_list(tmp_path, write_ok_and_truncated):
    """A held-out list naming a photo, a truncated JPEG and a missing file,
    with a fixed 32x32 mask set."""
    import make_fixed_masks
    root = tmp_path / 'data'
    write_ok_and_truncated(root, 'val')
    masks = make_fixed_masks.main([
        '--out',
        str(tmp_path / 'masks'), '--size', '32', '--num', '2', '--kinds',
        'rect'
    ])
    return root, osp.join(masks, 'rect', 'list.txt')


@pytest.mark.parametrize('listed', ['cut.jpg', 'missing.png'])
def test_broken_annotation_list_names_the_file(run_tool, broken_list, tmp_path,
                                               listed):
    root, mask_list = broken_list
    (root / 'meta' / 'val.txt').write_text(f'ok.png\n{listed}\n')
    run = run_tool('tools/test.py', [
        TELEA, '--work-dir', tmp_path / 'work', '--out',
        tmp_path / 'metrics.json', '--cfg-options',
        f'test_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.pipeline.1.mask_list={mask_list}',
        'test_dataloader.num_workers=0', 'test_dataloader.batch_size=1'
    ])
    assert run.returncode == 1
    assert str(root / 'val' / listed) in run.stderr.splitlines()[-1]
    assert run.stderr.splitlines()[-1].startswith('error: ')
    assert 'Traceback' not in run.stderr
    assert not (tmp_path / 'metrics.json').exists()


def test_model_name_is_its_config_and_shipped_weights(run_main, tmp_path,
                                                      monkeypatch):
    """As tools/inpaint.py --config: a model name of model-index.yml."""
    from mmedit_tmad.apis import resolve_model
    monkeypatch.setenv('LOCAL_RANK', '0')  # else the tool sets it
    tool, name = _tool(), 'tmad_telea_1xb4_photos-256x256'
    zoo = resolve_model(name)
    other = resolve_model('deepfillv2_1xb4_photos-256x256')['weights']
    for extra, weights in [([], zoo['weights']), (['none'], 'none'),
                           ([other], other)]:
        args = tool.parse_args([name] + extra)
        tool.check_args(args)
        assert (args.config, args.checkpoint) == (zoo['config'], weights)
    # it gets as far as the data: the shipped config's, moved away here
    run = run_main(tool.main, [
        name, '--work-dir', tmp_path, '--cfg-options',
        f'test_dataloader.dataset.data_root={tmp_path}'
    ])
    assert run.returncode == 2
    assert f'annotation list {tmp_path}/meta/val.txt not found' in run.error
    run = run_main(tool.main, ['tmad_no_such_model', '--work-dir', tmp_path])
    assert run.returncode == 2 and run.error.startswith(
        "error: config: 'tmad_no_such_model' is neither a config file nor "
        'a model of the zoo; models with weights: ')
