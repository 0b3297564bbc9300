# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmedit_tmad.apis import check_checkpoint_file, init_model, resolve_device

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
COARSE_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_coarse_test.py')


def test_checkpoint_round_trip_keeps_the_phase(tmp_path):
    model = init_model(TEST_CFG)
    assert not model.training and model.phase == 1
    # the perceptual loss (VGG weights file) is left out for inference
    assert model.loss_percep is None
    assert Config.fromfile(TEST_CFG).model.loss_percep is not None
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01)
        model.cur_iter.fill_(5)  # past coarse_iters = 2
    ckpt = str(tmp_path / 'iter_5.pth')
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)
    loaded = init_model(Config.fromfile(TEST_CFG), ckpt)
    assert loaded.phase == 2
    # the discriminators are training-only: left out, their weights ignored
    assert loaded.disc is None and model.disc is None
    full = Config.fromfile(TEST_CFG)
    full.model.loss_percep = None
    from mmedit_tmad.registry import MODELS
    trained = MODELS.build(full.model)
    trained.load_state_dict(model.state_dict(), strict=False)
    assert any(k.startswith('disc.') for k in trained.state_dict())
    torch.save(dict(state_dict=trained.state_dict()), ckpt)
    loaded = init_model(TEST_CFG, ckpt)
    assert loaded.state_dict().keys() == model.state_dict().keys()
    for k, v in loaded.state_dict().items():
        assert torch.equal(v, model.state_dict()[k]), k
    assert isinstance(loaded.cfg, Config)


def test_bad_config_checkpoint_and_device(tmp_path):
    with pytest.raises(FileNotFoundError, match='config'):
        init_model('/nonexistent/config.py')
    with pytest.raises(TypeError, match='config'):
        init_model(dict(model=dict()))
    with pytest.raises(FileNotFoundError, match='none.pth'):
        init_model(TEST_CFG, str(tmp_path / 'none.pth'))
    # weights of another model: a clear mismatch, not a silent partial load
    coarse = init_model(COARSE_CFG)
    ckpt = str(tmp_path / 'coarse.pth')
    torch.save(dict(state_dict=coarse.state_dict()), ckpt)
    with pytest.raises(ValueError, match='does not match'):
        init_model(TEST_CFG, ckpt)
    with pytest.raises(ValueError, match='device'):
        resolve_device('tpu')
    assert resolve_device('cpu') == torch.device('cpu')
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match='CUDA is not available'):
            init_model(TEST_CFG, device='cuda')


@pytest.mark.parametrize('kind', ['truncated', 'empty', 'text'])
def test_broken_checkpoint_file_is_named(tmp_path, kind):
    """torch alone fails without naming the file ('failed finding central
    directory', an EOFError without a message, KeyError: 101)."""
    good = tmp_path / 'good.pth'
    torch.save(dict(state_dict=init_model(TEST_CFG).state_dict()), good)
    content = good.read_bytes()
    content = dict(
        truncated=content[:len(content) // 2], empty=b'', text=b'hello')[kind]
    path = tmp_path / f'{kind}.pth'
    path.write_bytes(content)
    with pytest.raises(
            OSError,
            match=f'cannot load checkpoint {path} '
            rf'\({len(content)} bytes\)'):
        init_model(TEST_CFG, str(path))
    # the legacy (pickle) format is not rejected by the check
    legacy = tmp_path / 'legacy.pth'
    torch.save(
        dict(state_dict={}), legacy, _use_new_zipfile_serialization=False)
    check_checkpoint_file(str(legacy))
