# Copyright (c) OpenMMLab. All rights reserved.
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
import yaml

from mmedit_tmad.apis import init_model, list_models, resolve_model
from mmedit_tmad.apis.model_zoo import sha256sum, zoo_root

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')


def _zoo(tmp_path, sha=None):
    """A zoo with one shipped model (the test config) and one to train."""
    (tmp_path / 'configs' / 'tmad').mkdir(parents=True)
    (tmp_path / 'checkpoints').mkdir()
    shutil.copy(TEST_CFG, tmp_path / 'configs' / 'tmad' / 'tmad_test.py')
    weights = tmp_path / 'checkpoints' / 'tmad_test.pth'
    torch.save(dict(state_dict=init_model(TEST_CFG).state_dict()), weights)
    meta = dict(Models=[
        dict(
            Name='tmad_test',
            Config='configs/tmad/tmad_test.py',
            Weights='checkpoints/tmad_test.pth',
            SHA256=sha or sha256sum(str(weights))),
        dict(
            Name='tmad_test_untrained',
            Config='configs/tmad/tmad_test.py',
            Weights='none (not trained here)')
    ])
    (tmp_path / 'configs' / 'tmad' / 'metafile.yml').write_text(
        yaml.safe_dump(meta))
    (tmp_path / 'model-index.yml').write_text(
        yaml.safe_dump(dict(Import=['configs/tmad/metafile.yml'])))
    return str(tmp_path), str(weights)


def test_resolve_checks_the_shipped_weights(tmp_path):
    root, weights = _zoo(tmp_path)
    models = list_models(root)
    assert models['tmad_test']['weights'] == weights
    assert models['tmad_test_untrained']['weights'] is None
    model = resolve_model('tmad_test', root)
    assert model['config'].endswith('configs/tmad/tmad_test.py')
    with pytest.raises(KeyError, match='models with weights: tmad_test'):
        resolve_model('tmad_nothing', root)
    with open(weights, 'ab') as f:  # a changed file is refused
        f.write(b'\0')
    with pytest.raises(OSError, match='sha256 differs'):
        resolve_model('tmad_test', root)
    shutil.os.remove(weights)
    with pytest.raises(FileNotFoundError, match='weights of tmad_test'):
        resolve_model('tmad_test', root)


def test_the_repository_zoo_and_unknown_names():
    assert osp.samefile(zoo_root(), ROOT)
    models = list_models()
    for name, model in models.items():
        assert osp.isfile(model['config']), name
        if model['weights']:
            assert model['sha256'], f'{name} ships weights without sha256'
            resolve_model(name)  # present and unchanged
    with pytest.raises(FileNotFoundError, match='neither a config file'):
        init_model('tmad_no_such_model')
    with pytest.raises(FileNotFoundError, match='config file not found'):
        init_model('no_such_config.py')


def _inpaint_held_out(model):
    """``model`` on a held-out photo with a 96x100 hole: the photo, the hole,
    the result (valid pixels checked), the hole's l1 and the mean-colour
    fill's."""
    import cv2
    from skimage import data

    from mmedit_tmad.apis import inpaint

    # coffee is held out of the photo collection's training split
    img = cv2.resize(data.coffee(), (384, 256), interpolation=cv2.INTER_AREA)
    hole = np.zeros(img.shape[:2], np.uint8)
    hole[80:176, 150:250] = 1
    out = inpaint(model, img, hole)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(out[hole == 0], img[hole == 0])
    err = np.abs(out.astype(float) - img)[hole == 1].mean()
    mean_fill = np.abs(img[hole == 0].mean(0) - img[hole == 1]).mean()
    return img, hole, out, err, mean_fill


def test_the_shipped_model_inpaints_a_held_out_photo():
    """The zoo's T-MAD by name: its weights, phase 2, a held-out photo."""
    import cv2

    model = init_model('tmad_telea_1xb4_photos-256x256', precision='fp32')
    assert model.phase == 2 and model.disc is None
    img, hole, out, err, mean_fill = _inpaint_held_out(model)
    telea = cv2.inpaint(img, hole * 255, 3, cv2.INPAINT_TELEA)
    assert err < 0.8 * mean_fill
    # a learned correction of the Telea start, not Telea itself
    assert np.abs(out.astype(float) - telea)[hole == 1].mean() > 0.5


@pytest.mark.parametrize('name', [
    'deepfillv2_1xb4_photos-256x256',
    'deepfillv2_longer-640it_1xb4_photos-256x256'
])
def test_the_shipped_deepfillv2_inpaints_a_held_out_photo(name):
    """The same-budget DeepFillv2s of the zoo by name, as T-MAD's above."""
    model = init_model(name, precision='fp32')
    assert type(model).__name__ == 'TwoStageInpaintor'
    assert not hasattr(model, 'disc')  # left out: training only
    _, hole, out, err, mean_fill = _inpaint_held_out(model)
    # 470 / 640 CPU iterations: about as far from the truth as the mean
    # colour (measured 1.06x / 0.98x, the same under ONEDNN_MAX_CPU_ISA=SSE41),
    # with structure in the hole (std ~35 per channel)
    assert err < 1.25 * mean_fill
    assert out[hole == 1].std(0).min() > 10


def test_the_texture_first_entry_shares_the_weights_and_adds_grain():
    """``tmad_telea-pmtexture``: the shipped weights, the synthesis guided by
    PatchMatch; more fine detail in the hole than the shipped entry's."""
    import cv2

    models = list_models()
    name, shipped = ('tmad_telea-pmtexture_1xb4_photos-256x256',
                     'tmad_telea_1xb4_photos-256x256')
    assert models[name]['weights'] == models[shipped]['weights']
    detail = {}
    for entry in (name, shipped):
        model = init_model(entry, precision='fp32')
        img, hole, out, err, mean_fill = _inpaint_held_out(model)
        assert err < 0.8 * mean_fill, entry
        # mean |Laplacian| over the hole: the fine detail
        for key, x in ((entry, out), ('photo', img)):
            lap = cv2.Laplacian(x.astype(np.float32), cv2.CV_32F)
            detail[key] = np.abs(lap)[hole == 1].mean()
    assert model.texture_synthesis.guide is None
    assert detail[name] > 1.1 * detail[shipped]


def test_the_biharmonic_prior_entry_corrects_a_biharmonic_fill():
    """``tmad_biharmonic``: its own weights, a biharmonic prior; on a
    held-out photo a correction of that fill, not the fill itself."""
    from skimage.restoration import inpaint_biharmonic

    models = list_models()
    name = 'tmad_biharmonic_1xb4_photos-256x256'
    assert models[name]['weights'] != \
        models['tmad_telea_1xb4_photos-256x256']['weights']
    assert models['tmad_biharmonic-pmtexture_1xb4_photos-256x256'][
        'weights'] == models[name]['weights']
    model = init_model(name, precision='fp32')
    assert model.phase == 2
    assert model.generator.fill_prior == 'biharmonic'
    img, hole, out, err, mean_fill = _inpaint_held_out(model)
    assert err < 0.8 * mean_fill
    fill = inpaint_biharmonic(
        img * (1 - hole[..., None]) / 255., hole > 0, channel_axis=-1) * 255
    assert np.abs(out.astype(float) - fill)[hole == 1].mean() > 0.5
