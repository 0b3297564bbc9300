# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch
from mmengine.model import BaseModule
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import MODELS

CFG = dict(in_channels=3, base_channels=8, num_conv=3,
           with_spectral_norm=True)


class _Wrapper(BaseModule):
    """A model holding the disc, initialised as mmengine's runner does."""

    def __init__(self, disc):
        super().__init__()
        self.disc = MODELS.build(dict(type=disc, **CFG))


def test_mmagic_disc_fails_in_runner_init_ours_works():
    init_default_scope('mmagic')
    # the host bug this class works around (if mmagic fixes it, the
    # subclass can go)
    with pytest.raises(UnboundLocalError):
        _Wrapper('SoftMaskPatchDiscriminator').init_weights()
    torch.manual_seed(0)
    model = _Wrapper('AOTSoftMaskPatchDiscriminator')
    model.init_weights()
    assert model.disc._is_init
    # mmengine deletes the init info of every module after the init (an
    # AttributeError had it not been restored); none is left behind
    assert not hasattr(model.disc, '_params_init_info')
    out = model.disc(torch.rand(2, 3, 32, 32))
    assert out.shape[:2] == (2, 1) and torch.isfinite(out).all()
