# Copyright (c) OpenMMLab. All rights reserved.
"""mmagic's own inference API runs the zoo's T-MAD as ``inpaint`` does."""
import cv2
import numpy as np
import pytest
from skimage import data

from mmedit_tmad.apis import init_model, inpaint, resolve_model

NAME = 'tmad_telea_1xb4_photos-256x256'


def test_mmagic_inferencer_runs_the_shipped_model(tmp_path):
    """``MMagicInferencer`` (mmagic's task table names no T-MAD, so an
    inpainting entry with ``model_config`` / ``model_ckpt`` overridden) gives
    ``mmedit_tmad.apis.inpaint``'s result on a photo whose sides are
    multiples of 32, valid pixels byte for byte."""
    with pytest.warns(UserWarning, match='overridden'):
        from mmagic.apis import MMagicInferencer  # imports controlnet_aux
        entry = resolve_model(NAME)
        inferencer = MMagicInferencer(
            model_name='deepfillv2', model_config=entry['config'],
            model_ckpt=entry['weights'], device='cpu')
    # coffee is held out of the photo collection's training split
    img = cv2.resize(data.coffee()[..., ::-1], (320, 224),
                     interpolation=cv2.INTER_AREA)
    hole = np.zeros(img.shape[:2], np.uint8)
    hole[60:150, 120:230] = 255
    img_path, mask_path = str(tmp_path / 'coffee.png'), str(tmp_path / 'm.png')
    cv2.imwrite(img_path, img)
    cv2.imwrite(mask_path, hole)

    out_path = str(tmp_path / 'out' / 'coffee.png')
    _, out = inferencer.infer(img=img_path, mask=mask_path,
                              result_out_dir=out_path)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert np.array_equal(cv2.imread(out_path), out)  # BGR, as returned
    assert np.array_equal(out[hole == 0], img[hole == 0])

    ours = inpaint(init_model(NAME, precision='fp32'), img_path, mask_path)
    diff = np.abs(out.astype(float) - ours)[hole > 0]
    # one float32 model in two memory layouts (NCHW, ours channels_last):
    # the same fill up to rounding (0 here; the networks alone, without the
    # synthesis, are 8.4 grey levels away)
    assert diff.mean() < 2, diff.mean()
