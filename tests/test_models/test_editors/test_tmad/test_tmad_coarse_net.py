# Copyright (c) OpenMMLab. All rights reserved.
import pytest
import torch

from mmedit_tmad.registry import MODELS


def test_shapes_and_structure():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=2))
    x = torch.randn(2, 4, 32, 40)
    assert net(x).shape == (2, 3, 32, 40)
    assert len(net.down_blocks) == 3 and len(net.up_blocks) == 3
    assert net.input_conv.conv.kernel_size == (1, 1)
    assert net.out_conv.conv.kernel_size == (1, 1)
    assert not net.out_conv.with_activation  # linear last layer
    assert all(b.conv1.conv.dilation == (2, 2) for b in net.res_blocks)
    widths = [b.conv2.conv.out_channels for b in net.down_blocks]
    assert widths == [8, 16, 32]


def test_paper_config_blocks():
    net = MODELS.build(dict(type='TMADCoarseNet'))
    assert len(net.res_blocks) == 8
    assert net.res_blocks[0].conv1.conv.in_channels == 128
    n_params = sum(p.numel() for p in net.parameters())
    print(f'TMADCoarseNet (c=16) parameters: {n_params / 1e6:.3f}M')
    assert 2.5e6 < n_params < 3.0e6


def test_every_parameter_gets_a_gradient():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1))
    net(torch.randn(1, 4, 16, 16)).square().mean().backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_size_not_divisible_is_a_clear_error():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1))
    with pytest.raises(ValueError, match='divisible by 8'):
        net(torch.randn(1, 4, 30, 32))


def test_mean_fill_prior():
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1, fill_prior='mean',
                            out_init_std=0.))
    img = torch.zeros(1, 3, 16, 16)
    img[:, 0] = 0.5
    mask = torch.zeros(1, 1, 16, 16)
    mask[..., 4:12, 4:12] = 1
    # the out-conv is zero: the output is exactly the mean-colour fill
    out = net(torch.cat([img * (1 - mask), mask], 1))
    torch.testing.assert_close(out, img)
    with pytest.raises(ValueError, match='fill_prior'):
        MODELS.build(dict(type='TMADCoarseNet', fill_prior='median'))


def test_telea_fill_prior_is_opencv_telea():
    import cv2
    import numpy as np
    from skimage import data
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1, fill_prior='telea',
                            out_init_std=0.))
    photo = cv2.resize(data.astronaut(), (32, 32),
                       interpolation=cv2.INTER_AREA)
    hole = np.zeros((32, 32), np.uint8)
    hole[8:20, 10:26] = 1
    ref = cv2.inpaint(photo, hole * 255, 3, cv2.INPAINT_TELEA)
    img = torch.from_numpy(photo).permute(2, 0, 1)[None].float() / 127.5 - 1
    mask = torch.from_numpy(hole)[None, None].float()
    x = torch.cat([img * (1 - mask), mask], 1)
    for layout in (torch.contiguous_format, torch.channels_last):
        # the out-conv is zero: the output is exactly Telea's fill
        out = net(x.contiguous(memory_format=layout))
        out8 = ((out[0] + 1) * 127.5).round().permute(1, 2, 0).byte().numpy()
        assert np.abs(out8.astype(int) - ref).max() <= 1
        assert torch.equal(out[0][:, hole == 0], img[0][:, hole == 0])
    # no valid pixel: the mean fill (mid-grey); no hole: the image
    full = torch.ones_like(mask)
    out = net(torch.cat([img * 0, full], 1))
    assert out.abs().max() == 0
    out = net(torch.cat([img, mask * 0], 1))
    torch.testing.assert_close(out, img)


def _photo_batch(size, box, names):
    """scikit-image photos at ``size`` with one rectangular hole ``box``
    (y0, y1, x0, x1): the 8-bit photos, the (size, size) uint8 hole, the
    images in [-1, 1], the (n, 1, size, size) mask and the net's input."""
    import cv2
    import numpy as np
    from skimage import data
    photos = [
        cv2.resize(getattr(data, n)(), (size, size),
                   interpolation=cv2.INTER_AREA) for n in names
    ]
    hole = np.zeros((size, size), np.uint8)
    hole[box[0]:box[1], box[2]:box[3]] = 1
    img = torch.stack([torch.from_numpy(p).permute(2, 0, 1)
                       for p in photos]).float() / 127.5 - 1
    mask = torch.from_numpy(hole)[None, None].float().expand(
        len(photos), 1, size, size)
    return photos, hole, img, mask, torch.cat([img * (1 - mask), mask], 1)


def test_patchmatch_fill_prior_is_pypatchmatch():
    import numpy as np
    from patchmatch import patch_match
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1, fill_prior='patchmatch',
                            out_init_std=0.))
    photos, hole, img, mask, x = _photo_batch(
        48, (12, 30, 14, 36), ('astronaut', 'coffee', 'chelsea'))
    # the out-conv is zero: the output is exactly PatchMatch's fill, each
    # image's the one it gets alone, in either memory layout
    out = net(x.contiguous(memory_format=torch.channels_last))
    for i, photo in enumerate(photos):
        ref = patch_match.inpaint(
            np.where(hole[..., None] > 0, 0, photo).astype(np.uint8), hole,
            patch_size=3)
        out8 = ((out[i] + 1) * 127.5).round().permute(1, 2, 0).byte().numpy()
        assert np.abs(out8.astype(int) - ref).max() <= 1
        assert torch.equal(out[i][:, hole == 0], img[i][:, hole == 0])
        assert torch.equal(net(x[i:i + 1])[0], out[i])
    # the fill copies texture: far from the hole's mean colour
    spread = out[:, :, hole == 1].std(2)
    assert (spread > 0.05).all(), spread
    # a grey image: filled as RGB, one channel back
    grey = MODELS.build(dict(type='TMADCoarseNet', in_channels=2,
                             out_channels=1, channel_factor=4,
                             num_res_blocks=1, fill_prior='patchmatch',
                             out_init_std=0.))
    g = img[:1, :1]
    out = grey(torch.cat([g * (1 - mask[:1]), mask[:1]], 1))
    assert out.shape == (1, 1, 48, 48)
    assert torch.equal(out[0, 0][hole == 0], g[0, 0][hole == 0])
    g8 = np.repeat(photos[0][..., :1], 3, -1)
    ref = patch_match.inpaint(
        np.where(hole[..., None] > 0, 0, g8).astype(np.uint8), hole,
        patch_size=3)[..., 0]
    out8 = ((out[0, 0] + 1) * 127.5).round().byte().numpy()
    assert np.abs(out8.astype(int) - ref).max() <= 1
    # no valid pixel: the mean fill (mid-grey); no hole: the image
    full = torch.ones_like(mask[:1])
    out = net(torch.cat([img[:1] * 0, full], 1))
    assert out.abs().max() == 0
    out = net(torch.cat([img[:1], mask[:1] * 0], 1))
    torch.testing.assert_close(out, img[:1])
    # other channel counts: a clear error, not one of the native library
    for kind in ('patchmatch', 'telea'):
        with pytest.raises(ValueError, match='in_channels 2 or 4'):
            MODELS.build(dict(type='TMADCoarseNet', in_channels=5,
                              fill_prior=kind))
    from mmedit_tmad.models.editors.tmad.tmad_coarse_net import prior_fill
    with pytest.raises(ValueError, match='grey or RGB'):
        prior_fill(torch.zeros(1, 2, 16, 16), mask[:1, :, :16, :16],
                   'patchmatch')


def test_biharmonic_fill_prior_is_skimage():
    import numpy as np
    from skimage.restoration import inpaint_biharmonic
    net = MODELS.build(dict(type='TMADCoarseNet', channel_factor=4,
                            num_res_blocks=1, fill_prior='biharmonic',
                            out_init_std=0.))
    photos, hole, img, mask, x = _photo_batch(40, (10, 26, 8, 30),
                                              ('astronaut', 'coffee'))
    # the out-conv is zero: the output is scikit-image's biharmonic fill of
    # the 8-bit image, each image's the one it gets alone, in either layout
    with torch.no_grad():
        out = net(x.contiguous(memory_format=torch.channels_last))
    for i, photo in enumerate(photos):
        ref = inpaint_biharmonic(
            np.where(hole[..., None] > 0, 0, photo) / 255., hole > 0,
            channel_axis=-1)
        ref = np.clip(np.round(ref * 255.), 0, 255)
        out8 = ((out[i] + 1) * 127.5).round().permute(1, 2, 0).numpy()
        assert np.abs(out8 - ref).max() <= 1
        assert torch.equal(out[i][:, hole == 0], img[i][:, hole == 0])
        with torch.no_grad():
            assert torch.equal(net(x[i:i + 1])[0], out[i])
    # smooth: no hole pixel is far from its neighbours (a copy would be)
    fill = out[:, :, hole == 1]
    assert fill.std(2).min() > 0.01  # not the mean colour
    assert (out[..., 11:25, 9:29].diff(dim=-1).abs().max() <
            img.diff(dim=-1).abs().max())
    with pytest.raises(ValueError, match='in_channels 2 or 4'):
        MODELS.build(dict(type='TMADCoarseNet', in_channels=5,
                          fill_prior='biharmonic'))
    with pytest.raises(ValueError, match="'biharmonic'"):
        MODELS.build(dict(type='TMADCoarseNet', fill_prior='harmonic'))
