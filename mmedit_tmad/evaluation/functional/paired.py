# Copyright (c) OpenMMLab. All rights reserved.
"""Paired tests: is a difference between two methods larger than the
sampling noise of the test set they were both evaluated on?"""
import itertools
from typing import Callable, Dict, List, Optional

import numpy as np

#: A measure of a set: ``f(results, reference) -> float``, both indexed by
#: image along the first axis (``reference`` may be None).
Measure = Callable[[np.ndarray, Optional[np.ndarray]], float]


def paired_differences(results: Dict[str, np.ndarray],
                       measures: Dict[str, Measure],
                       reference: Optional[np.ndarray] = None,
                       num_resamples: int = 1000,
                       confidence: float = 0.95,
                       seed: int = 0) -> List[dict]:
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
    by A and B, so the differences are what this reports.

    Args:
        results (dict): Method name -> (n, ...) array, one row per image.
        measures (dict): Measure name -> :data:`Measure`.
        reference (np.ndarray, optional): (n, ...) rows of the ground
            truths, passed to the measures. Default: None.
        num_resamples (int): Bootstrap and permutation draws each.
            Default: 1000.
        confidence (float): Coverage of the interval. Default: 0.95.
        seed (int): Seed of the draws. Default: 0.

    Returns:
        list[dict]: One dict per pair (in the order of ``results``) and
        measure: ``a``, ``b``, ``measure``, ``value_a``, ``value_b``,
        ``diff``, ``low``, ``high``, ``p`` and ``n`` (images).
    """
    if len(results) < 2:
        raise ValueError('paired differences need >= 2 methods, got '
                         f'{list(results)}')
    arrays = {k: np.asarray(v) for k, v in results.items()}
    n = len(reference) if reference is not None else len(
        next(iter(arrays.values())))
    for name, arr in arrays.items():
        if len(arr) != n:
            raise ValueError(f'{name!r} has {len(arr)} rows, not {n}: the '
                             'methods must have inpainted the same images')
    if n < 3:
        raise ValueError(f'paired differences need >= 3 images, got {n}')
    if num_resamples < 1 or not 0 < confidence < 1:
        raise ValueError('num_resamples must be >= 1 and confidence in '
                         f'(0, 1), got {num_resamples}, {confidence}')

    def ref(idx):
        return None if reference is None else reference[idx]

    rng = np.random.RandomState(seed)
    boots = [rng.randint(0, n, n) for _ in range(num_resamples)]
    # measure -> method -> its values on the bootstrap resamples
    boot = {
        k: {
            name: np.array([f(arr[i], ref(i)) for i in boots])
            for name, arr in arrays.items()
        }
        for k, f in measures.items()
    }
    swaps = [rng.rand(n) < 0.5 for _ in range(num_resamples)]
    tail = (1 - confidence) / 2 * 100
    out = []
    for a, b in itertools.combinations(arrays, 2):
        ra, rb = arrays[a], arrays[b]
        for k, f in measures.items():
            va, vb = f(ra, reference), f(rb, reference)
            diff = va - vb
            deltas = boot[k][a] - boot[k][b]
            null = []
            for s in swaps:
                # s: (n,) images whose two results change sides
                s = s.reshape((n, ) + (1, ) * (ra.ndim - 1))
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
                    n=n))
    return out
