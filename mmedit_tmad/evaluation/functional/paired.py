# Copyright (c) OpenMMLab. All rights reserved.
"""Paired tests: is a difference between two methods larger than the
sampling noise of the test set they were both evaluated on?"""
import itertools
from typing import Callable, Dict, List, Optional

import numpy as np

#: A measure of a set: ``f(results, reference) -> float``, both indexed by
#: image along the first axis (``reference`` may be None).
Measure = Callable[[np.ndarray, Optional[np.ndarray]], float]


class GramMeasure:
    """A :data:`Measure` of two feature sets that depends on the features
    only through their inner products (FID, KID).

    ``paired_differences`` then computes one Gram matrix ``Z Z^T`` of the
    stacked features of a pair of methods and their reference, and every
    bootstrap or permutation draw picks rows and columns of it instead of
    stacking ``(n, d)`` feature arrays again: ``O(n^3)`` per draw instead of
    ``O(n^2 d)`` (d = 2048 Inception features against n = 52 images).

    Args:
        direct (Measure): ``f(fake, reference)`` on feature arrays.
        from_gram (callable): ``g(gram, dim, fake_rows, reference_rows)``,
            the same value from the Gram matrix of the stacked features,
            ``dim`` the feature dimension and the rows index arrays; rows
            of D draws, (D, n) each, give the D values as a (D, ) array.
    """

    #: Gram entries picked per block of draws in :meth:`draws`
    block = 2**22

    def __init__(self, direct: Measure, from_gram: Callable) -> None:
        self.direct = direct
        self.from_gram = from_gram

    def __call__(self, results: np.ndarray,
                 reference: Optional[np.ndarray]) -> float:
        return self.direct(results, reference)

    def __repr__(self) -> str:
        return f'GramMeasure({getattr(self.direct, "__name__", "?")})'

    def draws(self, gram: np.ndarray, dim: int, rows: np.ndarray,
              ref_rows: np.ndarray) -> np.ndarray:
        """``from_gram`` of D draws, (D, n) rows each: (D, ) values,
        computed a block of draws at a time (at most ``block`` Gram
        entries, or one draw, per block)."""
        step = max(1, self.block // rows.shape[1]**2)
        return np.concatenate([
            self.from_gram(gram, dim, rows[i:i + step],
                           ref_rows[i:i + step])
            for i in range(0, len(rows), step)
        ])


def paired_differences(results: Dict[str, np.ndarray],
                       measures: Dict[str, Measure],
                       reference: Optional[np.ndarray] = None,
                       num_resamples: int = 1000,
                       confidence: float = 0.95,
                       seed: int = 0,
                       groups: Optional[np.ndarray] = None) -> List[dict]:
    """Differences of every two methods on one test set, with a bootstrap
    interval and a permutation p-value.

    Every method inpainted the same images, so the comparison is paired:
    ``results[name][i]`` belongs to image ``i`` (its Inception features, or
    its l1 / PSNR / SSIM), as ``reference[i]`` (e.g. the features of its
    ground truth). A measure maps a set to a number: FID of the features
    against the reference's, or the mean of a per-image value. For each
    pair of methods (A, B) and each measure:

    * ``diff``: the measure of A minus that of B on the whole set;
    * ``low`` / ``high``: the percentile interval of ``diff`` over
      ``num_resamples`` bootstrap resamples of the images (the same
      resampled images, with their reference, for A and B);
    * ``p``: two-sided permutation p-value of ``diff`` under "A and B are
      exchangeable": each draw swaps A's and B's result of a random half of
      the images (no image is duplicated, unlike in the bootstrap).

    Set measures such as FID are biased on small sets; the bias is shared
    by A and B, so the differences are what this reports. With a
    ``reference`` and only :class:`GramMeasure` measures, the draws run on
    Gram matrices (the same values, up to rounding).

    With ``groups`` a row is one result of an image that has several (the
    same held-out image inpainted with K mask draws): ``groups[j]`` is the
    image of row ``j``, and ``reference`` has one row per image. Rows of
    one image are not independent, so the bootstrap resamples images with
    all of their rows, and a permutation draw swaps A and B on all rows of
    an image at once (with one row per image, the test above).

    Args:
        results (dict): Method name -> (n, ...) array, one row per image.
        measures (dict): Measure name -> :data:`Measure`.
        reference (np.ndarray, optional): (n, ...) rows of the ground
            truths, passed to the measures. Default: None.
        num_resamples (int): Bootstrap and permutation draws each.
            Default: 1000.
        confidence (float): Coverage of the interval. Default: 0.95.
        seed (int): Seed of the draws. Default: 0.
        groups (np.ndarray, optional): (n_rows, ) int, the image
            ``0 .. n_images - 1`` of each row of the results; every image
            has the same number of rows. Default: None (row ``i`` is image
            ``i``).

    Returns:
        list[dict]: One dict per pair (in the order of ``results``) and
        measure: ``a``, ``b``, ``measure``, ``value_a``, ``value_b``,
        ``diff``, ``low``, ``high``, ``p``, ``n`` (rows) and ``images``.
    """
    if len(results) < 2:
        raise ValueError('paired differences need >= 2 methods, got '
                         f'{list(results)}')
    arrays = {k: np.asarray(v) for k, v in results.items()}
    n_rows = len(next(iter(arrays.values())))
    members = _members(groups, n_rows)
    groups = None if groups is None else np.asarray(groups)
    n = len(members)  # images
    if reference is not None and len(reference) != n:
        raise ValueError(f'reference has {len(reference)} rows, not {n}: '
                         'one per image of the results')
    for name, arr in arrays.items():
        if len(arr) != n_rows:
            raise ValueError(f'{name!r} has {len(arr)} rows, not {n_rows}: '
                             'the methods must have inpainted the same '
                             'images')
    if n < 3:
        raise ValueError(f'paired differences need >= 3 images, got {n}')
    if num_resamples < 1 or not 0 < confidence < 1:
        raise ValueError('num_resamples must be >= 1 and confidence in '
                         f'(0, 1), got {num_resamples}, {confidence}')

    gram = reference is not None and all(
        isinstance(f, GramMeasure) for f in measures.values())
    rng = np.random.RandomState(seed)
    # images of each bootstrap draw (D, n) and their rows (D, n_rows)
    boots = np.stack([rng.randint(0, n, n) for _ in range(num_resamples)])
    boot_rows = members[boots].reshape(num_resamples, -1)
    if gram:
        # per method: rows of its results, then the reference's
        grams = {name: _gram(arr, reference) for name, arr in arrays.items()}

    def resample(f, name):
        if gram:
            return f.draws(*grams[name], boot_rows, n_rows + boots)
        return np.array([
            f(arrays[name][r], None if reference is None else reference[i])
            for r, i in zip(boot_rows, boots)
        ])

    # measure -> method -> its values on the bootstrap resamples
    boot = {
        k: {name: resample(f, name)
            for name in arrays}
        for k, f in measures.items()
    }
    # per draw, the images whose results change sides, as rows: (D, n_rows)
    swaps = np.stack([rng.rand(n) < 0.5 for _ in range(num_resamples)])
    swaps = swaps[:, np.arange(n_rows) if groups is None else groups]
    tail = (1 - confidence) / 2 * 100
    rows = np.arange(n_rows)
    if gram:
        # rows of the pair's Gram matrix: A's result or B's per row
        swap_a = np.where(swaps, n_rows + rows, rows)
        swap_b = np.where(swaps, rows, n_rows + rows)
        ref_rows = np.broadcast_to(2 * n_rows + np.arange(n),
                                   (num_resamples, n))
    out = []
    for a, b in itertools.combinations(arrays, 2):
        ra, rb = arrays[a], arrays[b]
        if gram:
            # A's rows, B's rows, then the reference's
            pair = _gram(ra, rb, reference)
        for k, f in measures.items():
            va, vb = f(ra, reference), f(rb, reference)
            diff = va - vb
            deltas = boot[k][a] - boot[k][b]
            if gram:
                null = (f.draws(*pair, swap_a, ref_rows) -
                        f.draws(*pair, swap_b, ref_rows))
            else:
                null = []
                for s in swaps:
                    s = s.reshape((n_rows, ) + (1, ) * (ra.ndim - 1))
                    null.append(
                        f(np.where(s, rb, ra), reference) -
                        f(np.where(s, ra, rb), reference))
            # ties (a method against itself) count, up to rounding
            hits = np.sum(np.abs(null) >= abs(diff) * (1 - 1e-9) - 1e-12)
            out.append(
                dict(
                    a=a,
                    b=b,
                    measure=k,
                    value_a=float(va),
                    value_b=float(vb),
                    diff=float(diff),
                    low=float(np.percentile(deltas, tail)),
                    high=float(np.percentile(deltas, 100 - tail)),
                    p=float((1 + hits) / (1 + num_resamples)),
                    n=n_rows,
                    images=n))
    return out


def _members(groups: Optional[np.ndarray], n_rows: int) -> np.ndarray:
    """(n_images, K) the rows of each image, from ``groups`` (the image of
    each row; None: one row per image)."""
    if groups is None:
        return np.arange(n_rows)[:, None]
    groups = np.asarray(groups)
    if groups.shape != (n_rows, ) or not np.issubdtype(
            groups.dtype, np.integer):
        raise ValueError(f'groups must be {n_rows} integers (the image of '
                         f'each row), got {groups.dtype} {groups.shape}')
    counts = np.bincount(groups) if n_rows and groups.min() >= 0 else None
    if counts is None or (counts != counts[0]).any():
        raise ValueError('groups must number the images 0, 1, ... with the '
                         'same number of rows each, got counts '
                         f'{None if counts is None else counts.tolist()}')
    # stable: the rows of an image in their order
    return np.argsort(groups, kind='stable').reshape(len(counts), -1)


def _gram(*features: np.ndarray) -> tuple:
    """``(Z Z^T, d)`` of the row-stacked (n, d) feature arrays."""
    z = np.concatenate(
        [np.asarray(f, dtype=np.float64).reshape(len(f), -1)
         for f in features])
    return z @ z.T, z.shape[1]
