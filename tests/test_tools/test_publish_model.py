# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import sys

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
sys.path.insert(0, osp.join(ROOT, 'tools', 'model_converters'))
import publish_model  # noqa: E402


def _training_checkpoint(path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmedit_tmad.registry import MODELS
    cfg = Config.fromfile(TEST_CFG)
    cfg.model.loss_percep = None
    init_default_scope('mmagic')
    model = MODELS.build(cfg.model)
    model.cur_iter.fill_(7)
    torch.save(
        dict(
            meta=dict(iter=7, seed=0),
            state_dict=model.state_dict(),
            optimizer=dict(generator=dict(state={}))), path)
    return model


def test_publish_keeps_the_inference_weights(tmp_path, run_main):
    from mmedit_tmad.apis import init_model
    from mmedit_tmad.apis.model_zoo import sha256sum
    src = str(tmp_path / 'iter_7.pth')
    model = _training_checkpoint(src)
    final = publish_model.main([src, str(tmp_path / 'out' / 'm.pth'),
                                '--fp16'])
    name = osp.basename(final)
    assert name.startswith('m-') and name[2:10] == sha256sum(final)[:8]
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [name]
    ckpt = torch.load(final, weights_only=False)
    assert 'optimizer' not in ckpt and ckpt['meta']['fp16']
    keys = set(ckpt['state_dict'])
    assert not any(k.startswith('disc.') for k in keys)
    assert 'cur_iter' in keys and ckpt['state_dict']['cur_iter'] == 7
    floats = [v for v in ckpt['state_dict'].values() if v.is_floating_point()]
    assert floats and all(v.dtype == torch.float16 for v in floats)
    # init_model loads it into the float32 inference model
    loaded = init_model(TEST_CFG, final)
    w = loaded.state_dict()['generator.input_conv.conv.weight']
    assert w.dtype == torch.float32
    ref = model.state_dict()['generator.input_conv.conv.weight']
    torch.testing.assert_close(w, ref.half().float())
    # the same output again: refused, nothing lost
    run = run_main(publish_model.main, [src, str(tmp_path / 'out' / 'm.pth'),
                                        '--fp16'])
    assert run.returncode == 2 and 'exists' in run.error
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [name]
    run = run_main(publish_model.main,
                   [src, str(tmp_path / 'x.pth'), '--keep', 'nothing'])
    assert run.returncode == 2 and 'holds none of nothing' in run.error
