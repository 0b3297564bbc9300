# Copyright (c) OpenMMLab. All rights reserved.
"""Paired differences between methods on one test set."""
import numpy as np
import pytest

from mmedit_tmad.evaluation.functional import (GramMeasure,
                                               paired_differences)
from mmedit_tmad.evaluation.metrics import FID_KID_MEASURES
from mmedit_tmad.evaluation.metrics.fid_kid import (frechet_distance,
                                                    kernel_inception_distance)

MEAN = dict(mean=lambda v, _: float(v.mean()))


def _feats(rng, n=12, d=16, shift=0.):
    return rng.rand(n, d) + shift


def test_fid_kid_resolve_a_real_gap():
    """A shifted set against a good one: KID's difference is resolved
    (interval below 0, smallest p); the order of the pair flips the sign;
    a method against itself gives 0 and p = 1."""
    rng = np.random.RandomState(0)
    real = _feats(rng)
    good, bad = _feats(rng), _feats(rng, shift=0.5)
    rows = paired_differences(
        dict(good=good, bad=bad, same=good),
        FID_KID_MEASURES,
        reference=real,
        num_resamples=200)
    by = {(r['a'], r['b'], r['measure']): r for r in rows}
    assert len(rows) == 6  # 3 pairs x (FID, KID)
    kid = by[('good', 'bad', 'KID')]
    assert kid['diff'] < 0 and kid['high'] < 0 and kid['p'] < 0.01
    assert by[('good', 'bad', 'FID')]['diff'] < 0
    assert by[('bad', 'same', 'KID')]['diff'] == pytest.approx(-kid['diff'])
    for k in ('FID', 'KID'):
        same = by[('good', 'same', k)]
        assert same['diff'] == same['low'] == same['high'] == 0
        assert same['p'] == 1 and same['n'] == 12
        assert same['value_a'] == pytest.approx(
            frechet_distance(good, real) if k == 'FID' else
            1e3 * kernel_inception_distance(good, real))


def test_pairing_resolves_a_small_consistent_gain():
    """Per-image values: +0.01 on every image is far below the spread
    between images (0.1) but resolved, because the test is paired; the
    same gain hidden in noise of 0.1 per image is not."""
    rng = np.random.RandomState(0)
    base = 0.8 + 0.1 * rng.randn(40)
    noise = 0.1 * rng.randn(40)
    rows = paired_differences(
        dict(
            base=base,
            gain=base + 0.01,
            noisy=base + 0.01 + noise - noise.mean()),
        MEAN,
        num_resamples=300)
    by = {(r['a'], r['b']): r for r in rows}
    gain = by[('base', 'gain')]
    assert gain['diff'] == pytest.approx(-0.01)
    assert gain['low'] == pytest.approx(-0.01) == gain['high']
    assert gain['p'] < 0.01
    noisy = by[('base', 'noisy')]
    assert noisy['diff'] == pytest.approx(-0.01)
    assert noisy['low'] < 0 < noisy['high'] and noisy['p'] > 0.05


@pytest.mark.parametrize('kind', ['features', 'per_image'])
def test_calibrated(kind):
    """Two methods whose results come from one distribution: a 5% test
    rejects about 5% of the time (here at most 6 of 40)."""
    rng = np.random.RandomState(1)
    rejected = 0
    for _ in range(20 if kind == 'features' else 40):
        if kind == 'features':
            real = _feats(rng)
            rows = paired_differences(
                dict(a=_feats(rng), b=_feats(rng)),
                FID_KID_MEASURES,
                reference=real,
                num_resamples=100)
        else:
            rows = paired_differences(
                dict(a=rng.randn(12), b=rng.randn(12)), MEAN,
                num_resamples=100)
        rejected += sum(r['p'] < 0.05 for r in rows)
    assert rejected <= 6


def test_bad_input():
    rng = np.random.RandomState(0)
    real = _feats(rng)
    with pytest.raises(ValueError, match='same images'):
        paired_differences(
            dict(a=real, b=real[:5]), FID_KID_MEASURES, reference=real)
    with pytest.raises(ValueError, match='>= 3 images'):
        paired_differences(dict(a=real[:2], b=real[:2]), MEAN)
    with pytest.raises(ValueError, match='>= 2 methods'):
        paired_differences(dict(a=real), MEAN)
    with pytest.raises(ValueError, match='num_resamples'):
        paired_differences(dict(a=real, b=real), MEAN, num_resamples=0)


def test_gram_draws_equal_feature_draws(monkeypatch):
    """FID / KID resamples drawn from Gram matrices give the values of the
    same resamples drawn from the feature arrays (fewer images than
    dimensions, as 52 crops against 2048 features)."""
    rng = np.random.RandomState(1)
    real = _feats(rng, n=10, d=24)
    methods = dict(
        a=_feats(rng, n=10, d=24),
        b=_feats(rng, n=10, d=24, shift=0.2),
        c=_feats(rng, n=10, d=24, shift=0.05))
    plain = {k: (lambda f: lambda x, y: f(x, y))(f)
             for k, f in FID_KID_MEASURES.items()}
    fast = paired_differences(
        methods, FID_KID_MEASURES, reference=real, num_resamples=100)
    slow = paired_differences(
        methods, plain, reference=real, num_resamples=100)
    assert len(fast) == len(slow) == 6
    for f, s in zip(fast, slow):
        assert (f['a'], f['b'], f['measure']) == (s['a'], s['b'],
                                                  s['measure'])
        for key in ('value_a', 'value_b', 'diff', 'low', 'high', 'p'):
            assert f[key] == pytest.approx(s[key], rel=1e-7, abs=1e-9)
    assert any(r['p'] < 1 for r in fast)  # not all ties
    # draws in blocks of 3 (of 100): the same rows
    monkeypatch.setattr(GramMeasure, 'block', 3 * 10 * 10)
    blocks = paired_differences(
        methods, FID_KID_MEASURES, reference=real, num_resamples=100)
    for f, b in zip(fast, blocks):
        for key in ('diff', 'low', 'high', 'p'):
            assert f[key] == pytest.approx(b[key], rel=1e-12, abs=1e-12)


def test_groups_resample_images_with_all_their_rows():
    """Each image's results repeated K times (rows in any order) and
    grouped: the same draws as one row per image, so the same differences,
    intervals and p-values; ungrouped, the copies pass for independent
    images and the interval shrinks."""
    rng = np.random.RandomState(3)
    a, b = 0.8 + 0.1 * rng.randn(15), 0.8 + 0.1 * rng.randn(15)
    one = paired_differences(dict(a=a, b=b), MEAN, num_resamples=200)
    order = rng.permutation(15 * 3)
    groups = np.tile(np.arange(15), 3)[order]
    grouped = paired_differences(
        dict(a=a[groups], b=b[groups]), MEAN, num_resamples=200,
        groups=groups)
    for key in ('diff', 'low', 'high', 'p'):
        assert grouped[0][key] == pytest.approx(one[0][key], abs=1e-12)
    assert (grouped[0]['n'], grouped[0]['images']) == (45, 15)
    assert (one[0]['n'], one[0]['images']) == (15, 15)
    loose = paired_differences(
        dict(a=a[groups], b=b[groups]), MEAN, num_resamples=200)[0]
    assert loose['high'] - loose['low'] < 0.8 * (one[0]['high'] -
                                                 one[0]['low'])


def test_groups_with_a_reference_per_image():
    """FID / KID of K results per image against one reference row per
    image: the values of the pooled sets, and the Gram route gives the
    feature route's draws."""
    from mmedit_tmad.evaluation.metrics.fid_kid import kid_all_pairs
    rng = np.random.RandomState(2)
    real = _feats(rng, n=8, d=20)
    groups = np.repeat(np.arange(8), 2)
    methods = dict(
        a=_feats(rng, n=16, d=20), b=_feats(rng, n=16, d=20, shift=0.5))
    plain = {k: (lambda f: lambda x, y: f(x, y))(f)
             for k, f in FID_KID_MEASURES.items()}
    fast = paired_differences(
        methods, FID_KID_MEASURES, reference=real, num_resamples=60,
        groups=groups)
    slow = paired_differences(
        methods, plain, reference=real, num_resamples=60, groups=groups)
    by = {r['measure']: r for r in fast}
    assert by['FID']['value_b'] == pytest.approx(
        frechet_distance(methods['b'], real))
    assert by['KID']['value_a'] == pytest.approx(
        kid_all_pairs(methods['a'], real))
    for f, s in zip(fast, slow):
        for key in ('value_a', 'value_b', 'diff', 'low', 'high', 'p'):
            assert f[key] == pytest.approx(s[key], rel=1e-7, abs=1e-9)
    assert by['KID']['diff'] < 0 and by['KID']['p'] < 0.1


def test_bad_groups():
    v = np.arange(12.)
    for groups, match in (([0, 1, 2] * 3, '12 integers'),
                          (np.repeat([0., 1., 2.], 4), '12 integers'),
                          (np.repeat([0, 1, 2, 3], [2, 3, 3, 4]),
                           'same number'),
                          (np.repeat([0, 2, 3, 4], 3), 'same number'),
                          (np.repeat([-1, 0, 1, 2], 3), 'same number')):
        with pytest.raises(ValueError, match=match):
            paired_differences(
                dict(a=v, b=v), MEAN, groups=np.asarray(groups))
    with pytest.raises(ValueError, match='one per image'):
        paired_differences(
            dict(a=v, b=v), MEAN, reference=np.zeros(12),
            groups=np.repeat(np.arange(4), 3))
