# Copyright (c) OpenMMLab. All rights reserved.
"""tools/deployment/export.py: a file that --check finds equivalent to
PyTorch; outputs and arguments checked before the model is loaded."""
import os.path as osp
import sys

import torch

from mmedit_tmad.apis import init_exported, init_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
TOOL = 'tools/deployment/export.py'
sys.path.insert(0, osp.join(ROOT, 'tools', 'deployment'))
import export as export_tool  # noqa: E402


def _ckpt(tmp_path):
    """The tiny model saved in phase 2."""
    model = init_model(TEST_CFG)
    model.cur_iter.fill_(model.coarse_iters)
    path = str(tmp_path / 'tiny.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), path)
    return path


def test_export_and_check(tmp_path, run_main):
    ckpt = _ckpt(tmp_path)
    for fmt in ('onnx', 'torchscript'):
        out = tmp_path / f'tiny.{fmt}'
        run = run_main(export_tool.main, [
            TEST_CFG, ckpt, '--format', fmt, '--size', '48x80', '--out', out,
            '--check'
        ])
        assert run.returncode == 0, run.stderr
        assert f'{fmt} file written to {out}' in run.stdout
        for kind in ('rect', 'irregular', 'all_hole', 'no_hole'):
            assert f'  {kind}' in run.stdout
        assert 'retrieval different' not in run.stdout
        assert init_exported(str(out)).size == (48, 80)


def test_refusals(tmp_path, run_main, run_tool, unbuildable_config):
    ckpt = _ckpt(tmp_path)
    mine = tmp_path / 'mine.onnx'
    mine.write_bytes(b'mine')
    for args, match in [
        (['--size', '48x80', '--out', mine], 'mine.onnx exists; pass '
         '--overwrite'),
        (['--size', '48by80'], '--size must be HxW'),
        (['--size', '0x80'], '--size must be positive'),
        (['--out', ckpt], 'is an input'),
    ]:
        run = run_main(export_tool.main, [unbuildable_config, ckpt] + args)
        assert run.returncode == 2 and match in run.error, run.error
    assert mine.read_bytes() == b'mine'
    run = run_tool(TOOL, ['tmad_no_such_model'])
    assert run.returncode == 2 and 'tmad_no_such_model' in run.error
    # no weights: an untrained model is never exported
    run = run_main(export_tool.main, [unbuildable_config])
    assert run.returncode == 2 and 'give the CHECKPOINT' in run.error
    # a size the model cannot take: the model is loaded, then refused
    run = run_main(export_tool.main,
                   [TEST_CFG, ckpt, '--size', '50x80', '--out',
                    tmp_path / 'x.onnx'])
    assert run.returncode == 1 and 'multiple of 16' in run.error
    assert not (tmp_path / 'x.onnx').exists()
