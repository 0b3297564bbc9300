# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp

import pytest
import torch
import torch.nn as nn

from mmedit_tmad.apis import init_model
from mmedit_tmad.utils import precision as P

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(P.ENV, raising=False)


@pytest.mark.parametrize('amx', [True, False])
def test_auto_is_bf16_only_with_matrix_instructions(monkeypatch, no_env, amx):
    monkeypatch.setattr(P, 'cpu_has_bf16_matmul', lambda: amx)
    assert P.resolve_precision('auto', 'cpu') == ('bf16' if amx else 'fp32')
    # the paper's numbers are float32: never bf16 by default elsewhere
    assert P.resolve_precision('auto', 'cuda') == 'fp32'
    assert P.resolve_precision('fp32', 'cpu') == 'fp32'
    assert P.resolve_precision('bf16', 'cpu') == 'bf16'


def test_environment_switch(monkeypatch):
    monkeypatch.setattr(P, 'cpu_has_bf16_matmul', lambda: True)
    monkeypatch.setenv(P.ENV, 'fp32')
    assert P.resolve_precision('auto') == 'fp32'
    # an explicit argument wins over the environment
    assert P.resolve_precision('bf16') == 'bf16'
    monkeypatch.setenv(P.ENV, 'fp8')
    with pytest.raises(ValueError, match=P.ENV):
        P.resolve_precision('auto')


def test_bad_precision(no_env):
    with pytest.raises(ValueError, match='precision must be one of'):
        P.resolve_precision('half')
    with pytest.raises(ValueError, match='precision must be one of'):
        init_model(TEST_CFG, precision='fp16')


def test_probe_is_a_bool():
    assert isinstance(P.cpu_has_bf16_matmul(), bool)


@pytest.mark.parametrize('cap, amx', [(None, True), ('AVX2', False),
                                      ('avx512_core_bf16', False),
                                      ('AVX512_CORE_AMX', True),
                                      ('AVX10_1_512_AMX_FP16', True),
                                      ('ALL', True)])
def test_onednn_isa_cap_turns_amx_off(monkeypatch, no_env, cap, amx):
    """A CPU with AMX whose oneDNN is capped below it (ONEDNN_MAX_CPU_ISA,
    or the older DNNL_ name) runs bfloat16 on the slow kernels: 'auto' is
    float32 there."""
    monkeypatch.setattr(
        torch.cpu, '_is_amx_tile_supported', lambda: True, raising=False)
    for name in P.ONEDNN_ISA_ENVS:
        monkeypatch.delenv(name, raising=False)
    if cap is not None:
        monkeypatch.setenv('ONEDNN_MAX_CPU_ISA', cap)
    assert P.cpu_has_bf16_matmul() is amx
    assert P.resolve_precision('auto', 'cpu') == ('bf16' if amx else 'fp32')
    monkeypatch.delenv('ONEDNN_MAX_CPU_ISA', raising=False)
    monkeypatch.setenv('DNNL_MAX_CPU_ISA', 'AVX2')
    assert not P.cpu_has_bf16_matmul()
    # ONEDNN_ wins over DNNL_, as in oneDNN
    monkeypatch.setenv('ONEDNN_MAX_CPU_ISA', 'AVX512_CORE_AMX')
    assert P.cpu_has_bf16_matmul()


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    img = torch.rand(2, 3, 64, 64, generator=g) * 2 - 1
    mask = torch.zeros(2, 1, 64, 64)
    mask[:, :, 16:48, 8:40] = 1
    return img * (1 - mask), mask


def test_channels_last_gives_the_float32_result(no_env):
    """The layout changes the kernels, not the maths."""
    ref = init_model(TEST_CFG, precision='fp32')
    ref.to(memory_format=torch.contiguous_format)
    ref.cur_iter.fill_(10)  # phase 2: the whole T-MAD pass
    fast = init_model(TEST_CFG, precision='fp32')
    fast.load_state_dict(ref.state_dict())
    assert fast.infer_precision == 'fp32'
    conv = fast.generator.down_blocks[0].conv1.conv
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    masked, mask = _inputs()
    with torch.no_grad():
        a = ref.inpaint(masked, mask)['result']
        with P.model_autocast(fast):
            b = fast.inpaint(masked, mask)['result']
    torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_bf16_result_is_close_to_float32(no_env):
    model = init_model(TEST_CFG, precision='bf16')
    assert model.infer_precision == 'bf16'
    model.cur_iter.fill_(10)
    masked, mask = _inputs(1)
    with torch.no_grad():
        ref = model.inpaint(masked, mask)
        with P.model_autocast(model):
            out = model.inpaint(masked, mask)
    assert out['result'].dtype == torch.float32
    # valid pixels are the input's, in any precision
    assert torch.equal(out['result'] * (1 - mask), masked * (1 - mask))
    # an 8-bit step is 2/255 on the [-1, 1] scale
    err = (out['result'] - ref['result']).abs().max().item()
    assert err < 4 * 2 / 255, err


def test_other_models_keep_their_layout(no_env):
    model = nn.Sequential(nn.Conv2d(3, 4, 3))
    assert P.set_precision(model, 'fp32') == 'fp32'
    assert model[0].weight.is_contiguous()
    assert not model[0].weight.is_contiguous(
        memory_format=torch.channels_last)
    assert not P.channels_last_safe(model)


@pytest.mark.parametrize('amx', [True, False])
def test_set_test_precision(monkeypatch, no_env, amx):
    """bfloat16 turns on the test loop's autocast (mmengine's ``fp16``
    flag), float32 leaves the config as it is."""
    from mmengine.config import Config
    monkeypatch.setattr(P, 'cpu_has_bf16_matmul', lambda: amx)
    cfg = Config(dict(test_cfg=dict(type='MultiTestLoop')))
    assert P.set_test_precision(cfg, 'auto') == ('bf16' if amx else 'fp32')
    assert cfg.test_cfg.get('fp16', False) is amx
    cfg = Config(dict(test_cfg=dict(type='MultiTestLoop')))
    assert P.set_test_precision(cfg, 'fp32') == 'fp32'
    assert cfg.test_cfg == dict(type='MultiTestLoop')
    cfg = Config(dict(test_cfg=None))  # no test loop to switch
    assert P.set_test_precision(cfg, 'bf16') == 'bf16'
    assert cfg.test_cfg is None


@pytest.mark.parametrize('amx', [True, False])
def test_bf16_without_amx_warns(monkeypatch, no_env, amx, recwarn):
    """Forced bfloat16 (argument or environment) warns where it runs
    slower than float32; 'auto' and float32 never do."""
    from mmengine.config import Config
    monkeypatch.setattr(P, 'cpu_has_bf16_matmul', lambda: amx)
    model = nn.Sequential(nn.Conv2d(3, 4, 3))
    for precision in ('auto', 'fp32'):
        P.set_precision(model, precision)
        P.set_test_precision(Config(dict(test_cfg=None)), precision, 'cpu')
    assert not recwarn.list
    P.set_precision(model, 'bf16')
    monkeypatch.setenv(P.ENV, 'bf16')
    P.set_test_precision(Config(dict(test_cfg=None)), 'auto', 'cpu')
    slow = [w for w in recwarn.list if 'slower than float32' in str(w.message)]
    assert len(slow) == (0 if amx else 2)
    recwarn.clear()
    P.warn_slow_bf16('bf16', 'cuda')  # a GPU's bfloat16 is another matter
    assert not recwarn.list
