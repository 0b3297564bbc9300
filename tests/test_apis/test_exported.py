# Copyright (c) OpenMMLab. All rights reserved.
"""Exported T-MAD (ONNX on onnxruntime, TorchScript) against PyTorch, on
real photos: rect, irregular, all-hole and empty masks; any size."""
import os.path as osp
import warnings

import numpy as np
import pytest
import torch
from skimage import data

from mmedit_tmad.apis import (ExportedTMAD, draw_mask, export_model,
                              init_exported, init_model, inpaint)
from mmedit_tmad.apis.exported import compare_retrieval
from mmedit_tmad.models.editors.tmad.tmad_export_module import \
    TMADExportModule

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TEST_CFG = osp.join(ROOT, 'tests', 'configs', 'tmad_test.py')
SIZE = (64, 96)  # exported size of the tiny model (k_p = 16)


def _tiny(**options):
    opts = {'model.train_cfg.coarse_iters': 0}
    opts.update(options)
    return init_model(TEST_CFG, cfg_options=opts, precision='fp32')


def _masks(shape):
    h, w = shape[:2]
    return dict(
        rect=draw_mask(shape, boxes=[(w // 4, h // 3, w // 3, h // 4)]),
        irregular=draw_mask(
            shape,
            strokes=[[(3, 5), (w // 2, h // 2), (w // 3, h - 4)]],
            stroke_width=7),
        all_hole=np.ones((h, w), bool),
        no_hole=np.zeros((h, w), bool))


def _both(model, exported, img, hole):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # empty / whole-image masks
        return (inpaint(model, img, hole, return_steps=True),
                inpaint(exported, img, hole, return_steps=True))


@pytest.fixture(scope='module')
def photo():
    """A real photo, BGR, 64x96 (the exported size)."""
    return np.ascontiguousarray(data.astronaut()[40:232:3, 100:388:3, ::-1])


@pytest.fixture(scope='module', params=['onnx', 'torchscript'])
def exported(request, tmp_path_factory):
    """The tiny model (Telea prior: the graph's ``fill`` input) and its
    exported file."""
    model = _tiny(**{'model.encdec.fill_prior': 'telea'})
    path = str(tmp_path_factory.mktemp('export') / f'tiny.{request.param}')
    meta = export_model(model, path, request.param, SIZE)
    assert meta['inputs'] == ['img', 'mask', 'exclude', 'fill']
    return model, init_exported(path)


def test_graph_outputs_match_the_export_module(exported, photo):
    """The file's raw outputs against the module it was traced from."""
    model, ex = exported
    hole = _masks(photo.shape)['irregular']
    exclude = np.zeros_like(hole)
    exclude[:, -5:] = True
    outs = ex(photo, hole, exclude)
    module = TMADExportModule(model, SIZE).eval()
    t = torch.from_numpy(photo.transpose(2, 0, 1).copy())[None].float()
    m = torch.from_numpy(hole)[None, None].float()
    e = torch.from_numpy(exclude)[None, None].float()
    fill = torch.from_numpy(_fill(t, m))  # what the runner computes
    with torch.no_grad():
        want = module(t, m, e, fill)
    for name, a, b in zip(ex.meta['outputs'], [outs[k] for k in
                                               ex.meta['outputs']], want):
        b = b[0].numpy()
        if b.ndim == 3 and b.shape[0] == 3:
            b = b.transpose(1, 2, 0)
        assert np.abs(a.astype(np.float64) - b).max() < 1e-2, name
    assert outs['hole'].sum() > 0 and outs['indices'].shape[-1] == 2
    # the number of hole cells is decided when the graph runs: none here
    empty = ex(photo, np.zeros_like(hole), exclude)
    assert empty['hole'].sum() == 0 and not empty['indices'].any()
    assert np.abs(empty['result'] - photo).max() < 1e-2


def _fill(t, m):
    from mmedit_tmad.models.editors.tmad.tmad_coarse_net import prior_fill
    x = t / 127.5 - 1.
    return prior_fill(x * (1. - m), m, 'telea').numpy()


def test_equivalent_to_pytorch_on_every_mask_kind(exported, photo):
    model, ex = exported
    for name, hole in _masks(photo.shape).items():
        a, b = _both(model, ex, photo, hole)
        assert np.abs(a.result.astype(int) - b.result).max() <= 1, name
        assert np.array_equal(b.result[~hole], photo[~hole]), name
        # identical ranks; only the flat fill of an all-hole image may tie
        want = ('identical', 'tied windows') if name == 'all_hole' else \
            ('identical', )
        assert compare_retrieval(a, b) in want, name
    assert b.retrieved is None  # no hole: nothing run


@pytest.mark.parametrize('prior', ['patchmatch', 'biharmonic'])
def test_classical_prior_is_an_input_too(tmp_path, photo, prior):
    """A PatchMatch or biharmonic prior, like Telea's, enters the graph as
    ``fill``."""
    model = _tiny(**{'model.encdec.fill_prior': prior})
    path = str(tmp_path / f'tiny_{prior}.pt')
    meta = export_model(model, path, 'torchscript', SIZE)
    assert meta['inputs'] == ['img', 'mask', 'exclude', 'fill']
    assert meta['fill_prior'] == prior
    ex = init_exported(path)
    for name in ('rect', 'irregular'):
        hole = _masks(photo.shape)[name]
        a, b = _both(model, ex, photo, hole)
        assert np.abs(a.result.astype(int) - b.result).max() <= 1, name
        assert np.array_equal(b.result[~hole], photo[~hole]), name


def test_any_size_by_padding_and_windows(exported, photo):
    model, ex = exported
    # smaller than the exported size: padded, the padding out of the memory
    small = np.ascontiguousarray(photo[:50, :71])
    hole = _masks(small.shape)['rect']
    steps = inpaint(ex, small, hole, return_steps=True)
    assert steps.padding == (SIZE[0] - 50, SIZE[1] - 71)
    assert np.array_equal(steps.result[~hole], small[~hole])
    assert (steps.result[hole] != small[hole]).any()
    k = ex.patch_size
    assert (steps.memory_positions[:, 0] + k <= 50).all()
    assert (steps.memory_positions[:, 1] + k <= 71).all()
    # larger: windows that fit the exported size
    big = np.ascontiguousarray(data.astronaut()[:150, :230, ::-1])
    hole = draw_mask(big.shape, boxes=[(20, 20, 20, 16), (180, 110, 30, 20)])
    steps = inpaint(ex, big, hole, return_steps=True)
    assert steps.strategy == 'crop' and len(steps.windows) >= 1
    assert all(w.input_shape == SIZE for w in steps.windows)
    assert np.array_equal(steps.result[~hole], big[~hole])
    with pytest.raises(ValueError, match="does not fit.*strategy='crop'"):
        inpaint(ex, big, hole, strategy='whole')
    with pytest.raises(ValueError, match='photo alone'):
        inpaint(ex, photo, hole[:64, :96], reference=photo)


def test_export_errors(tmp_path, photo):
    model = _tiny()
    with pytest.raises(ValueError, match='multiple of 16'):
        export_model(model, str(tmp_path / 'a.onnx'), size=(60, 96))
    with pytest.raises(ValueError, match='fmt must be'):
        export_model(model, str(tmp_path / 'a.onnx'), fmt='tflite')
    phase1 = init_model(TEST_CFG)
    with pytest.raises(ValueError, match='phase 1'):
        export_model(phase1, str(tmp_path / 'a.onnx'), size=SIZE)
    mine = tmp_path / 'mine.onnx'
    mine.write_bytes(b'my file')
    with pytest.raises(FileExistsError, match='mine.onnx exists'):
        export_model(model, str(mine), size=SIZE)
    assert mine.read_bytes() == b'my file'
    # files that are no export of ours
    with pytest.raises(FileNotFoundError, match='not found'):
        init_exported(str(tmp_path / 'missing.onnx'))
    with pytest.raises(ValueError, match='neither a TorchScript nor an ONNX'):
        init_exported(str(mine))
    plain = str(tmp_path / 'plain.onnx')
    torch.onnx.export(
        torch.nn.Conv2d(3, 3, 1), (torch.zeros(1, 3, 4, 4), ),
        plain,
        dynamo=False)
    with pytest.raises(ValueError, match='no tmad metadata'):
        init_exported(plain)
    # a model without a prior: three inputs, and the file loads as one
    path = str(tmp_path / 'plain_prior.pt')
    assert export_model(model, path, 'torchscript',
                        SIZE)['inputs'] == ['img', 'mask', 'exclude']
    assert isinstance(init_exported(path), ExportedTMAD)


def test_shipped_model_onnx(tmp_path):
    """The shipped model (Telea prior, texture synthesis) at 256x256 on
    held-out photos."""
    model = init_model('tmad_telea_1xb4_photos-256x256', precision='fp32')
    path = str(tmp_path / 'shipped.onnx')
    export_model(model, path, 'onnx', (256, 256))
    ex = init_exported(path)
    synth = model.texture_synthesis
    assert ex.meta['texture_synthesis'] == dict(
        patch_radius=synth.patch_radius, iters=synth.iters,
        searches=synth.searches, stride=synth.stride, sweeps=synth.sweeps,
        coherence=synth.coherence, max_sources=synth.max_sources,
        chunk=synth.chunk, guide=synth.guide, guide_sigma=synth.guide_sigma,
        structure_weight=synth.structure_weight,
        structure_sigma=synth.structure_sigma,
        guide_border=synth.guide_border, guide_ramp=synth.guide_ramp,
        final_vote=synth.final_vote)
    img = np.ascontiguousarray(data.coffee()[72:328, 172:428, ::-1])
    holes = {
        k: v
        for k, v in _masks(img.shape).items() if k in ('rect', 'irregular')
    }
    # the networks: the graph against PyTorch
    model.texture_synthesis = ex.texture_synthesis = None
    for name, hole in holes.items():
        a, b = _both(model, ex, img, hole)
        assert np.abs(a.result.astype(int) - b.result).max() <= 1, name
        assert compare_retrieval(a, b) == 'identical', name
    # the synthesis runs on the graph's result as on the networks': where a
    # sub-grey-level difference of the networks changes a nearest patch the
    # results differ (measured: mean 0.07 / 0.02 grey levels in the hole,
    # at most 3; the synthesis itself changes the hole by 6.1 / 3.1)
    model.texture_synthesis = synth
    ex.texture_synthesis = init_exported(path).texture_synthesis
    for name, hole in holes.items():
        a, b = _both(model, ex, img, hole)
        diff = np.abs(a.result.astype(int) - b.result)[hole]
        assert diff.mean() <= 1., (name, diff.mean())
