# Copyright (c) OpenMMLab. All rights reserved.
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv.ops import CARAFEPack
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten

from mmedit_tmad.models.archs.carafe import (TMADCARAFEPack, carafe,
                                             carafe_pytorch)
from mmedit_tmad.registry import MODELS


def carafe_reference(feat, mask, k, g, s):
    """mmcv's CUDA kernel maths written as plain loops (tiny inputs only)."""
    n, c, h, w = feat.shape
    r = (k - 1) // 2
    out = feat.new_zeros(n, c, h * s, w * s)
    for p in range(h * s):
        for q in range(w * s):
            for ky in range(k):
                for kx in range(k):
                    y, x = p // s + ky - r, q // s + kx - r
                    if not (0 <= y < h and 0 <= x < w):
                        continue
                    for grp in range(g):
                        cs = slice(grp * c // g, (grp + 1) * c // g)
                        out[:, cs, p, q] += feat[:, cs, y, x] * \
                            mask[:, grp * k * k + ky * k + kx, p, q, None]
    return out


@pytest.mark.parametrize('layout', ['nchw', 'channels_last'])
@pytest.mark.parametrize('k,g,s,h,w', [(5, 1, 2, 3, 4), (3, 2, 2, 4, 3),
                                       (1, 1, 3, 2, 2), (5, 4, 1, 3, 3)])
def test_matches_reference_loops(k, g, s, h, w, layout):
    torch.manual_seed(0)
    feat = torch.randn(2, 4, h, w, dtype=torch.double)
    if layout == 'channels_last':
        feat = feat.contiguous(memory_format=torch.channels_last)
        assert not feat.is_contiguous()
    feat.requires_grad_()
    mask = torch.rand(
        2, k * k * g, h * s, w * s, dtype=torch.double, requires_grad=True)
    out = carafe_pytorch(feat, mask, k, g, s)
    ref = carafe_reference(feat, mask, k, g, s)
    torch.testing.assert_close(out, ref)
    # the layout is kept
    assert out.is_contiguous(memory_format=torch.channels_last) == (
        layout == 'channels_last')
    grad = torch.randn_like(out)
    gf, gm = torch.autograd.grad(out, (feat, mask), grad)
    rf, rm = torch.autograd.grad(ref, (feat, mask), grad)
    torch.testing.assert_close(gf, rf)
    torch.testing.assert_close(gm, rm)


@pytest.mark.parametrize('layout', ['nchw', 'channels_last'])
def test_gradcheck(layout):
    feat = torch.randn(1, 4, 3, 3, dtype=torch.double)
    if layout == 'channels_last':
        feat = feat.contiguous(memory_format=torch.channels_last)
    feat.requires_grad_()
    mask = torch.rand(
        1, 2 * 9, 6, 6, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda f, m: carafe_pytorch(f, m, 3, 2, 2), (feat, mask))


MMCV_DATA = os.environ.get('MMCV_CARAFE_DATA', '')


@pytest.mark.skipif(
    not osp.isfile(osp.join(MMCV_DATA, 'carafe_feat.bin')),
    reason='set MMCV_CARAFE_DATA to mmcv v2.1.0 tests/data/for_carafe '
    '(not shipped in any mmcv package)')
def test_matches_mmcv_reference_data():
    """mmcv's own CARAFE test: CARAFE(5, 4, 2), outputs and both gradients."""

    def load(name, shape):
        return torch.from_numpy(
            np.fromfile(osp.join(MMCV_DATA, f'carafe_{name}.bin'),
                        dtype=np.float32).reshape(shape))

    feat = load('feat', (2, 64, 3, 3)).requires_grad_()
    mask = load('mask', (2, 100, 6, 6)).requires_grad_()
    out = carafe(feat, mask, 5, 4, 2)
    out.backward(torch.ones_like(out))
    np.testing.assert_allclose(out.detach(), load('output', (2, 64, 6, 6)),
                               atol=1e-3)
    np.testing.assert_allclose(feat.grad, load('feat_grad', (2, 64, 3, 3)),
                               atol=1e-3)
    np.testing.assert_allclose(mask.grad, load('mask_grad', (2, 100, 6, 6)),
                               atol=1e-3)


@pytest.mark.parametrize('kwargs', [
    dict(kernel_size=4, group_size=1, scale_factor=2),
    dict(kernel_size=3, group_size=3, scale_factor=2),
    dict(kernel_size=3, group_size=1, scale_factor=0),
])
def test_bad_arguments_raise(kwargs):
    feat = torch.randn(1, 4, 3, 3)
    k, g, s = kwargs['kernel_size'], kwargs['group_size'], max(
        kwargs['scale_factor'], 1)
    mask = torch.rand(1, k * k * g, 3 * s, 3 * s)
    with pytest.raises(ValueError):
        carafe_pytorch(feat, mask, **kwargs)


def test_mask_shape_mismatch_raises():
    with pytest.raises(ValueError, match='masks must have shape'):
        carafe_pytorch(torch.randn(1, 4, 3, 3), torch.rand(1, 25, 5, 6), 5, 1,
                       2)


def test_pack_is_mmcv_pack_on_cpu():
    pack = MODELS.build(dict(type='TMADCARAFEPack', channels=8,
                             scale_factor=2))
    assert isinstance(pack, TMADCARAFEPack) and isinstance(pack, CARAFEPack)
    x = torch.randn(2, 8, 5, 7, requires_grad=True)
    out = pack(x)
    assert out.shape == (2, 8, 10, 14)
    out.mean().backward()
    for name, p in pack.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    # kernels are a softmax over the k*k taps: a constant map stays constant
    # wherever all 5x5 taps fall inside (source rows 2..7 -> output 4..15)
    const = torch.full((1, 8, 10, 10), 3.0)
    torch.testing.assert_close(pack(const)[..., 4:16, 4:16],
                               torch.full((1, 8, 12, 12), 3.0))


class _StorageTracker(TorchDispatchMode):
    """Records every storage created by the ops run under it."""

    def __init__(self):
        super().__init__()
        self.storages = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in tree_flatten(out)[0]:
            if isinstance(t, torch.Tensor):
                st = t.untyped_storage()
                self.storages.setdefault(st.data_ptr(), st.nbytes())
        return out


@pytest.mark.parametrize('layout', ['nchw', 'channels_last'])
def test_memory_is_not_k2_times_the_features(layout):
    """256x256 decoder stage, batch 4: no k*k-times copy of the features."""
    feat = torch.randn(4, 16, 128, 128)
    if layout == 'channels_last':
        feat = feat.contiguous(memory_format=torch.channels_last)
    feat.requires_grad_()
    mask = torch.rand(4, 25, 256, 256, requires_grad=True)
    out_bytes = 4 * 16 * 256 * 256 * 4
    known = {feat.untyped_storage().data_ptr(),
             mask.untyped_storage().data_ptr()}
    with _StorageTracker() as tracker:
        out = carafe_pytorch(feat, mask, 5, 1, 2)
    created = sum(n for ptr, n in tracker.storages.items()
                  if ptr not in known)
    # the sub-pixel planes and the output (2x), the kernels in plane order
    # (25/16 x) and the zero-padded features (0.27x): 3.83x; F.unfold alone
    # would be 25x the features (6.25x the output, 7.25x with it)
    assert created <= 4 * out_bytes, created / out_bytes
    assert out.shape == (4, 16, 256, 256)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_matches_cpu():
    torch.manual_seed(0)
    feat = torch.randn(2, 16, 8, 8, requires_grad=True)
    mask = torch.rand(2, 25 * 2, 16, 16).softmax(1).requires_grad_()
    out_cpu = carafe_pytorch(feat, mask, 5, 2, 2)
    fc, mc = (t.detach().cuda().requires_grad_() for t in (feat, mask))
    out_cuda = carafe(fc, mc, 5, 2, 2)
    torch.testing.assert_close(out_cuda.cpu(), out_cpu, atol=1e-5, rtol=1e-4)
    g = torch.randn_like(out_cpu)
    grads_cpu = torch.autograd.grad(out_cpu, (feat, mask), g)
    grads_cuda = torch.autograd.grad(out_cuda, (fc, mc), g.cuda())
    for a, b in zip(grads_cuda, grads_cpu):
        torch.testing.assert_close(a.cpu(), b, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize('layout', ['nchw', 'channels_last'])
def test_traced_path_matches(layout):
    """Under tracing (TorchScript, ONNX export) CARAFE records standard
    operators; the trace gives what the autograd path gives, on inputs
    other than the traced example."""
    pack = TMADCARAFEPack(8, scale_factor=2, compressed_channels=4).eval()

    def inputs(seed):
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(2, 8, 6, 7, generator=g)
        return x.to(memory_format=torch.channels_last) \
            if layout == 'channels_last' else x

    with torch.no_grad():
        traced = torch.jit.trace(pack, (inputs(0), ))
        graph = str(traced.graph)
        assert 'PythonOp' not in graph  # no autograd Function in the trace
        torch.testing.assert_close(traced(inputs(1)), pack(inputs(1)))
