# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
# the tools/ scripts are imported by some tests
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))


@pytest.fixture(autouse=True)
def host_default_scope():
    """Run every test in mmagic's default scope, and undo what it changes.

    mmengine keeps the current default scope in a process-wide table; a
    Runner built by one test (its ``default_scope``) would otherwise decide
    where a later test's ``MODELS.build`` looks.
    """
    from mmengine.registry import DefaultScope

    from mmedit_tmad.registry import HOST_SCOPE
    with DefaultScope.overwrite_default_scope(HOST_SCOPE):
        yield


@pytest.fixture(scope='session')
def embedded_32(tmp_path_factory):
    """The embedded real-photo dataset cut into 32x32 crops (made once)."""
    import embedded_photos
    out = str(tmp_path_factory.mktemp('embedded_32'))
    embedded_photos.main(['--out', out, '--crop-size', '32'])
    return out


@pytest.fixture
def random_vgg(monkeypatch):
    """VGG features with random weights instead of the local weight file.

    The perceptual loss reads torchvision's weights from disk; tests never
    need them. The loading itself is tested in test_perceptual_loss.py.
    """
    import torchvision.models.vgg as tv_vgg

    from mmedit_tmad.models.losses import perceptual_loss

    def fake(vgg_type, weights, num_layers):
        cfg = tv_vgg.cfgs[perceptual_loss._VGG_CFG_KEY[vgg_type]]
        return tv_vgg.make_layers(cfg)[:num_layers]

    monkeypatch.setattr(perceptual_loss, 'load_vgg_features', fake)
