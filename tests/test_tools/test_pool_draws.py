# Copyright (c) OpenMMLab. All rights reserved.
"""tools/analysis_tools/pool_draws.py on compare.py work dirs made here."""
import json
import os.path as osp
import sys

import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'pool_draws.py')
sys.path.insert(0, osp.dirname(TOOL))

import pool_draws  # noqa: E402

from mmedit_tmad.evaluation.metrics.fid_kid import (  # noqa: E402
    frechet_distance, kid_all_pairs)

N, D = 8, 12  # photos, feature dimension
METHODS = [('good', 'Good'), ('bad', 'Bad')]


def _draw(root, seed, real, masks=None, methods=METHODS, kinds=('rect', ),
          data='data/photos'):
    """A compare.py work dir of one mask draw: 'Good' nearer the ground
    truth than 'Bad' on every photo."""
    rng = np.random.RandomState(seed)
    work = root / f's{seed}'
    results = []
    for name, label in methods:
        mdir = work / name
        mdir.mkdir(parents=True)
        metrics = {}
        for kind in kinds:
            err = rng.rand(N) + (0. if name == 'good' else 1.)
            per_image = dict(
                MAE=list(10 + err), PSNR=list(30 - err), SSIM=list(
                    0.9 - err / 100), TV=list(5 + err / 10))
            (mdir / f'per_image_{kind}.json').write_text(
                json.dumps(per_image))
            fake = real + (0.1 if name == 'good' else 0.6) * rng.rand(N, D)
            np.savez(mdir / f'fid_features_{kind}.npz', fake=fake, real=real)
            metrics[f'{kind}/FID'] = frechet_distance(fake, real)
        results.append(dict(name=name, label=label, metrics=metrics))
    args = dict(data=data, masks=masks or f'masks/s{seed}', kinds=list(kinds))
    (work / 'results.json').write_text(
        json.dumps(dict(args=args, results=results)))
    return work


@pytest.fixture
def draws(tmp_path):
    real = np.random.RandomState(9).rand(N, D)
    return [_draw(tmp_path, s, real) for s in range(3)], real


def test_pooled_table_and_paired_differences(draws, run_main, tmp_path):
    """The pooled values are those of the stacked draws (means; FID / KID
    of all results against the photos' ground truths, each once); the
    paired differences resample photos with all of their draws, and
    resolve Good against Bad."""
    works, real = draws
    out = tmp_path / 'pooled.md'
    run = run_main(pool_draws.main,
                   [*works, '--bootstrap', 200, '--out', out])
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    assert text.strip() in run.stdout
    assert f'{N} held-out photos of data/photos, each with 3 mask draws' \
        in text
    stacked = {}
    for name, label in METHODS:
        mae = np.concatenate([
            json.loads((w / name / 'per_image_rect.json').read_text())['MAE']
            for w in works
        ])
        fake = np.concatenate(
            [np.load(w / name / 'fid_features_rect.npz')['fake']
             for w in works])
        stacked[label] = fake
        per_draw = ' / '.join(
            f'{frechet_distance(f, real):.1f}'
            for f in np.split(fake, 3))
        row = (f'| {label} | {mae.mean():.3f} | ')
        assert row in text
        assert (f'| {frechet_distance(fake, real):.1f} | '
                f'{kid_all_pairs(fake, real):.3f} | {per_draw} |') in text
    rows = pool_draws.paired_rows(
        pool_draws.pooled_table(works, *pool_draws.load_draws(works))[1],
        200, 0)
    by = {r['measure']: r for r in rows}
    assert set(by) == {'l1 (x100)', 'PSNR', 'SSIM', 'TV', 'FID',
                       'KID (x1000)'}
    for r in rows:
        assert (r['a'], r['b'], r['n'], r['images']) == ('Good', 'Bad',
                                                         3 * N, N)
        assert r['high'] < 0 or r['low'] > 0
        assert r['p'] < 0.05
    assert by['FID']['value_a'] == pytest.approx(
        frechet_distance(stacked['Good'], real))
    assert by['KID (x1000)']['value_b'] == pytest.approx(
        kid_all_pairs(stacked['Bad'], real))


def test_mismatched_draws_are_refused(draws, run_main, tmp_path):
    works, real = draws
    cases = [
        (_draw(tmp_path / 'm', 5, real, methods=METHODS[:1]),
         'holds the methods'),
        (_draw(tmp_path / 'd', 5, real, data='data/other'), '--data'),
        (_draw(tmp_path / 'k', 5, real, kinds=('irregular', )), '--kinds'),
        (_draw(tmp_path / 's', 5, real, masks='masks/s0'), 'same masks'),
        (_draw(tmp_path / 'r', 5, real + 1.), 'other ground truths'),
    ]
    for work, match in cases:
        run = run_main(pool_draws.main, [works[0], work])
        assert run.returncode == 2 and match in run.error, run.stderr
    run = run_main(pool_draws.main, [works[0]])
    assert run.returncode == 2 and '>= 2 work dirs' in run.error
    short = works[2] / 'good' / 'per_image_rect.json'
    short.write_text(json.dumps(
        {k: v[:-1] for k, v in json.loads(short.read_text()).items()}))
    run = run_main(pool_draws.main, works)
    assert run.returncode == 2 and 'must be of the same photos' in run.error
    (works[1] / 'bad' / 'per_image_rect.json').unlink()
    run = run_main(pool_draws.main, works[:2])
    assert run.returncode == 2 and 'per_image_rect.json not found' in \
        run.error


def test_outputs_are_never_written_over(draws, run_main, run_tool,
                                        tmp_path):
    works, _ = draws
    out = tmp_path / 'mine.md'
    out.write_text('mine')
    run = run_tool(TOOL, [*works, '--out', out])
    assert run.returncode == 2 and 'exists' in run.error
    assert out.read_text() == 'mine'
    run = run_main(pool_draws.main, [*works, '--out', works[0] / 'p.md'])
    assert run.returncode == 2 and 'an input' in run.error
    assert not (works[0] / 'p.md').exists()
    run = run_main(pool_draws.main,
                   [*works, '--out', out, '--overwrite', '--bootstrap', 20])
    assert run.returncode == 0 and out.read_text().startswith(f'{N} held')
