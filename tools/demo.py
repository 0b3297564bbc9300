# Copyright (c) OpenMMLab. All rights reserved.
"""The README's main job: T-MAD on the embedded real photos, on CPU.

1. cuts the embedded photos (shipped by scikit-image, scikit-learn and
   matplotlib; no download) into crops, whole photos held out for
   evaluation, and writes fixed, seeded evaluation masks;
2. evaluates the classical fills (mean colour, OpenCV's Telea, PatchMatch)
   and the untrained model on them;
3. trains T-MAD (phase 1: coarse net, then phase 2: everything jointly)
   with mmengine's Runner, progress and ETA in the log;
4. evaluates the trained model on the same masks and writes
   ``metrics.md`` and ``grid.png`` (input | coarse | retrieved patches |
   output | ground truth) to the work dir.

The work dir is the demo's own (marked by ``.demo.json``): a second run
writes over its earlier results, a folder of other files is refused unless
``--overwrite``.

Usage:
    python tools/demo.py [--config CFG] [--work-dir DIR] [--iters N]
        [--seed S]
"""
import argparse
import copy
import os.path as osp
import sys
import time

# mmedit_tmad first: importing it registers the T-MAD modules and hides
# the warnings that the host's dependencies raise about their own code
import mmedit_tmad  # noqa: F401  # isort:skip

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmedit_tmad.models.editors.tmad.tmad_texture_memory import \
    gather_cells
from mmedit_tmad.utils import cli

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
import embedded_photos  # noqa: E402
import make_fixed_masks  # noqa: E402

DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'tmad',
                          'tmad_demo_1xb4_embedded-128x128.py')
COLUMNS = [('MAE', 'l1 (x100)'), ('PSNR', 'PSNR'), ('SSIM', 'SSIM'),
           ('TV', 'TV')]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'demo'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data'))
    parser.add_argument('--iters', type=int, help='total iterations')
    parser.add_argument(
        '--coarse-iters', type=int, help='iterations of phase 1')
    parser.add_argument('--num-grid', type=int, default=6)
    parser.add_argument(
        '--seed', type=int, help='training seed (default: the config\'s)')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


class _KeepMetrics(Hook):
    """mmagic's MultiTestLoop hands the metrics to hooks only."""

    def __init__(self):
        self.metrics = {}

    def after_test_epoch(self, runner, metrics=None):
        self.metrics = {k: float(v) for k, v in (metrics or {}).items()}


def _test(runner: Runner) -> dict:
    hook = _KeepMetrics()
    runner.register_hook(hook, 'LOWEST')
    runner.test()
    runner._hooks.remove(hook)
    return hook.metrics


def prepare(cfg: Config, data: str) -> None:
    """Embedded crops and fixed masks (made once), wired into ``cfg``."""
    size = cfg.input_shape[0]
    photos = osp.join(data, f'embedded_{size}')
    if not osp.isfile(osp.join(photos, 'meta', 'val.txt')):
        counts = embedded_photos.build(photos, size)
        print(f'embedded photos: {counts} crops of {size}x{size}')
    # the default set of make_fixed_masks.py (the one tools/test.py and
    # compare.py read); the demo evaluates on its rect masks
    masks = make_fixed_masks.main(
        ['--out', osp.join(data, 'masks'), '--size',
         str(size)])
    for key in ('train_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = photos
        for t in cfg[key].dataset.pipeline:
            if t['type'] == 'TMADLoadFixedMask':
                t['mask_list'] = osp.join(masks, 'rect', 'list.txt')


def _to_uint8(img: torch.Tensor) -> np.ndarray:
    """(3, h, w) normalised BGR -> (h, w, 3) uint8 BGR."""
    img = (img.detach().cpu().clamp(-1, 1) + 1) * 127.5
    return img.round().byte().permute(1, 2, 0).numpy()


@torch.no_grad()
def draw_grid(runner: Runner, path: str, num: int) -> None:
    """input | coarse | retrieved patches | output | ground truth."""
    model = runner.model
    model.eval()
    rows = []
    for batch in runner.test_dataloader:
        data = model.data_preprocessor(batch, False)
        inputs, samples = data['inputs'], data['data_samples']
        mask = samples.mask.float()
        out = model.inpaint(inputs, mask)
        gt = (samples.gt_img - 127.5) / 127.5
        # top-1 memory patch of each hole cell, pasted into its cell
        cut, mem = out['cut'], out['memory']
        top1 = out['retrieval']['indices'][..., 0]  # (n, P)
        retrieved = model.texture_memory.paste(
            inputs, gather_cells(mem['patches'], top1), cut['cells'],
            cut['valid'])
        shown_input = inputs * (1 - mask) + mask  # the hole in white
        for i in range(inputs.shape[0]):
            cols = [
                shown_input[i], out['coarse_img'][i], retrieved[i],
                out['result'][i], gt[i]
            ]
            rows.append(np.hstack([_to_uint8(c) for c in cols]))
    # spread over the held-out photos (the list is sorted by photo)
    pick = np.linspace(0, len(rows) - 1, min(num, len(rows))).round()
    grid = np.vstack([rows[int(i)] for i in pick])
    h = grid.shape[0]
    header = np.full((24, grid.shape[1], 3), 255, np.uint8)
    w = grid.shape[1] // 5
    for j, name in enumerate(
        ['input', 'coarse', 'retrieved', 'output', 'ground truth']):
        cv2.putText(header, name, (j * w + 4, 17), cv2.FONT_HERSHEY_SIMPLEX,
                    0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(path, np.vstack([header, grid]))
    print(f'grid of {h // (grid.shape[1] // 5)} held-out photos: {path}')


def table(rows: dict) -> str:
    lines = [
        '| method | ' + ' | '.join(c for _, c in COLUMNS) + ' |',
        '|---|' + '---|' * len(COLUMNS)
    ]
    for name, m in rows.items():
        vals = ' | '.join(f'{m[k]:.3f}' if k in m else '-'
                          for k, _ in COLUMNS)
        lines.append(f'| {name} | {vals} |')
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    cli.require_file(args.config, '--config')
    cli.claim_dir(
        args.work_dir,
        'demo',
        overwrite=args.overwrite,
        known=('metrics.md', 'grid.png'))
    cfg = Config.fromfile(args.config)
    cfg.work_dir = args.work_dir
    if args.iters is not None:
        cfg.train_cfg.max_iters = args.iters
        cfg.default_hooks.checkpoint.interval = args.iters
    if args.coarse_iters is not None:
        cfg.model.train_cfg.coarse_iters = args.coarse_iters
    if args.seed is not None:
        cfg.randomness = dict(cfg.get('randomness', {}), seed=args.seed)
    iters = cfg.train_cfg.max_iters
    coarse = cfg.model.train_cfg.coarse_iters
    cfg.param_scheduler.periods = [coarse, max(iters - coarse, 1)]
    # evaluated by runner.test() before and after training, not during
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    prepare(cfg, args.data)

    rows = {}
    classical = [('mean-colour fill', dict(type='MeanFillInpaintor')),
                 ('OpenCV Telea', dict(type='TeleaInpaintor', radius=3.)),
                 ('PatchMatch', dict(type='PatchMatchInpaintor'))]
    for name, model in classical:
        base = copy.deepcopy(cfg)
        base.model = dict(
            model, data_preprocessor=cfg.model.data_preprocessor)
        base.train_dataloader = base.train_cfg = base.optim_wrapper = None
        base.param_scheduler = None
        base.work_dir = osp.join(args.work_dir, model['type'])
        rows[name] = _test(Runner.from_cfg(base))

    runner = Runner.from_cfg(cfg)
    rows['T-MAD, untrained'] = _test(runner)
    print(f'training {iters} iterations ({coarse} coarse, then joint) ...')
    runner.train()
    rows[f'T-MAD, {iters} iterations'] = _test(runner)

    draw_grid(runner, osp.join(args.work_dir, 'grid.png'), args.num_grid)
    text = table(rows)
    with open(osp.join(args.work_dir, 'metrics.md'), 'w') as f:
        f.write(f'Held-out embedded photos, {cfg.input_shape[0]}x'
                f'{cfg.input_shape[1]}, fixed rectangular holes '
                f'(v1, seed 0); training seed '
                f'{cfg.get("randomness", {}).get("seed")}.\n\n{text}\n')
    print(f'\n{text}\n')
    print(f'metrics: {osp.join(args.work_dir, "metrics.md")}; '
          f'total time {(time.time() - start) / 60:.1f} min')


if __name__ == '__main__':
    sys.exit(cli.run(main))
