# Copyright (c) OpenMMLab. All rights reserved.
"""Per-image values of sample-wise metrics, saved for paired tests."""
import json

import numpy as np
import pytest
import torch

from mmedit_tmad.registry import METRICS

MEANS = [
    dict(type='MAE', mask_key='mask', scaling=100),
    dict(type='PSNR'),
    dict(type='SSIM'),
    dict(type='TMADTV')
]


def _samples(n, seed):
    g = torch.Generator().manual_seed(seed)
    out = []
    for _ in range(n):
        gt = torch.rand(3, 16, 16, generator=g) * 255
        mask = torch.zeros(1, 16, 16)
        mask[:, 4:12, 4:12] = 1
        pred = gt + mask * torch.randn(3, 16, 16, generator=g) * 20
        out.append(dict(gt_img=gt, mask=mask, output=dict(pred_img=pred)))
    return out


def test_values_are_the_metrics_per_image(tmp_path):
    """The saved values, in order, average to what each metric reports on
    the same samples (two batches), with the metric's scaling."""
    out = tmp_path / 'per_image.json'
    m = METRICS.build(
        dict(type='TMADPerImage', metrics=MEANS, out_file=str(out)))
    batches = [_samples(3, 0), _samples(2, 1)]
    for b in batches:
        m.process([], b)
    assert m.compute_metrics(m.results) == {}
    values = json.loads(out.read_text())
    assert list(values) == ['MAE', 'PSNR', 'SSIM', 'TV']
    for cfg in MEANS:
        ref = METRICS.build(cfg)
        for b in batches:
            ref.process([], b)
        name = ref.metric
        assert len(values[name]) == 5
        assert np.mean(values[name]) == pytest.approx(
            ref.compute_metrics(ref.results)[name])
        # one value per image: the first batch alone gives its first three
        one = METRICS.build(cfg)
        one.process([], batches[0])
        assert values[name][:3] == pytest.approx(
            [float(r[name]) * one.scaling for r in one.results])
    # the wrapped metrics keep no results of their own
    assert all(not w.results for w in m.metrics)


def test_report_means_equal_the_metrics(tmp_path):
    """With ``report_means`` it reports, under its prefix, exactly what
    the metrics report themselves (the evaluator then needs them no more),
    and saves the same per-image values as without."""
    batches = [_samples(3, 2), _samples(2, 3)]
    got, files = {}, {}
    for report in (False, True):
        files[report] = tmp_path / f'{report}.json'
        m = METRICS.build(
            dict(
                type='TMADPerImage',
                metrics=MEANS,
                out_file=str(files[report]),
                report_means=report,
                prefix='rect'))
        for b in batches:
            m.process([], b)
        m.size = 5
        got[report] = m.evaluate()
    assert got[False] == {}
    want = {}
    for cfg in MEANS:
        ref = METRICS.build(dict(cfg, prefix='rect'))
        for b in batches:
            ref.process([], b)
        ref.size = 5
        want.update(ref.evaluate())
    assert set(want) == {'rect/MAE', 'rect/PSNR', 'rect/SSIM', 'rect/TV'}
    assert got[True] == want
    assert files[True].read_text() == files[False].read_text()


def test_bad_config(tmp_path):
    with pytest.raises(ValueError, match='at least one'):
        METRICS.build(dict(type='TMADPerImage', metrics=[], out_file='x'))
    with pytest.raises(ValueError, match='must differ'):
        METRICS.build(
            dict(
                type='TMADPerImage',
                metrics=[dict(type='PSNR'), dict(type='PSNR')],
                out_file='x'))
    with pytest.raises(TypeError, match='not a sample-wise'):
        METRICS.build(
            dict(
                type='TMADPerImage',
                metrics=[dict(type='TMADFIDKID')],
                out_file='x'))
