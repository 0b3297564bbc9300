# Copyright (c) OpenMMLab. All rights reserved.
"""Speed, memory, parameters and FLOPs of inpainting models, side by side.

Every config is measured in a fresh subprocess (so that the peak memory of
one model does not hide another's): the model is built from the config
(models only: no data, no checkpoint), put in eval mode and run through its
real test path, ``model(inputs, data_samples, mode='predict')`` (mmagic's
``forward_test``: for T-MAD the coarse net, the texture memory, the
retrieval and PSNet on every hole cell; for DeepFill / AOT-GAN their
generators and the composite), on a smooth synthetic image with a centred
square hole of half the image side (128x128 at 256x256).

Measured per config:

* parameters of the generator side (everything but ``disc`` and the losses)
  and of the discriminator(s) (``disc``);
* FLOPs per image of one batch-1 test pass
  (``torch.utils.flop_counter.FlopCounterMode``: matmuls and convolutions;
  custom kernels, e.g. mmcv's CUDA CARAFE, are not counted);
* inference latency (the median of ``--iters`` timed passes, after
  ``--warmup`` passes; mean and minimum in the JSON) and images/s at the
  ``--batch-sizes`` given, with
  ``torch.cuda.synchronize`` around each timed pass on CUDA;
* peak memory: on CPU the peak resident set size of the subprocess
  (``ru_maxrss``), total and above the RSS once the model is built; on CUDA
  ``torch.cuda.max_memory_allocated`` of each stage;
* optionally (``--train-step``) one training iteration
  (``model.train_step`` with the config's optimisers; T-MAD in its joint
  phase 2) and its peak memory;
* optionally (``--export onnx torchscript``) the batch-1 latency of T-MAD
  configs exported whole (``mmedit_tmad.apis.export_model``) and run as
  ``mmedit_tmad.apis`` runs them: onnxruntime on the CPU, TorchScript;
  a second table sets them beside PyTorch float32 and bf16 and the
  reference model;
* the machine's own **roofline**, measured in the same run (a fresh
  process, before the models): a fixed conv stack (four 128-channel 3x3
  convs on 4x128x64x64) in float32 and under bfloat16 autocast, NCHW and
  channels_last (float16 too on CUDA, channels_last). Every row gives
  its achieved GFLOP/s (GFLOPs/img x img/s at the largest batch) and the
  fraction of the conv stack's rate at the row's own precision and layout,
  and of the best rate of any.

``--amp`` takes several precisions (``--amp none bf16``): each config is
measured at each, as separate rows of one table, so bf16-vs-fp32 ratios
come from one run. ``--channels-last`` applies to the models whose code
runs on that layout (T-MAD); mmagic's DeepFill and AOT-GAN reshape
features with ``view`` and keep NCHW (the row says which layout ran).

A Markdown table with ratios against the ``--ref`` model (DeepFillv2 by
default; the first row of it at the same precision), measured in the same
run, is printed and optionally written.

Usage:
    python tools/analysis_tools/benchmark.py [CONFIG ...] [--device cpu]
        [--size 256] [--batch-sizes 1 8] [--iters 10] [--warmup 3]
        [--train-step] [--amp none|fp16|bf16 ...] [--channels-last]
        [--peak-tflops 989] [--ref deepfillv2] [--out results.json]
        [--md table.md]
"""
import argparse
import contextlib
import json
import os.path as osp
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: The paper-scale (256x256) configs compared by default.
DEFAULT_CONFIGS = [
    'configs/tmad/tmad_4xb4_places-256x256.py',
    'configs/deepfillv1/deepfillv1_4xb4_places-256x256.py',
    'configs/deepfillv2/deepfillv2_4xb4_places-256x256.py',
    'configs/aot_gan/aot_gan_4xb4_places-256x256.py',
    'configs/cra/cra_4xb4_places-256x256.py',
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        'configs',
        nargs='*',
        help='config files (default: T-MAD, DeepFillv1, DeepFillv2, '
        'AOT-GAN, CRA at places-256; missing defaults are skipped)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--size', type=int, default=256, help='image side')
    parser.add_argument(
        '--hole',
        type=float,
        default=0.5,
        help='side of the centred square hole, as a fraction of the image '
        'side (default 0.5: 128x128 at 256x256)')
    parser.add_argument(
        '--batch-sizes',
        type=int,
        nargs='+',
        default=[1, 8],
        help='inference batch sizes (default: 1 8)')
    parser.add_argument(
        '--iters', type=int, default=10, help='timed passes per measurement')
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed passes before timing')
    parser.add_argument(
        '--train-step',
        action='store_true',
        help='also time one training iteration (model.train_step)')
    parser.add_argument(
        '--train-batch',
        type=int,
        default=4,
        help='batch size of the training step (default 4)')
    parser.add_argument(
        '--amp',
        choices=['none', 'fp16', 'bf16'],
        nargs='+',
        default=['none'],
        help='torch.autocast dtype(s); several give one row per config and '
        'precision (default: none, fp32)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='channels_last layout for the models that support it (T-MAD)')
    parser.add_argument(
        '--no-roofline',
        action='store_true',
        help='skip the conv-stack roofline measurement')
    parser.add_argument(
        '--threads', type=int, help='torch.set_num_threads in the workers')
    parser.add_argument(
        '--peak-tflops',
        type=float,
        help='the device\'s peak TFLOP/s for the dtype used (e.g. 989 for '
        'H100 SXM bf16 dense): adds the achieved fraction of it')
    parser.add_argument(
        '--ref',
        default='deepfillv2',
        help='ratios against the first config whose file name starts with '
        'this (default: deepfillv2)')
    parser.add_argument(
        '--repeat',
        type=int,
        default=1,
        help='measure the config list this many times, round robin, and '
        'keep each config\'s fastest repeat per batch size (on a machine '
        'shared with other processes; default 1)')
    parser.add_argument(
        '--export',
        nargs='+',
        default=[],
        choices=['onnx', 'torchscript'],
        help='also time T-MAD configs exported to these formats (the whole '
        'inference for --size, tools/deployment/export.py; onnxruntime on '
        'the CPU, TorchScript), batch 1 as mmedit_tmad.apis runs them')
    parser.add_argument(
        '--out',
        help='write all measurements as JSON (an existing file is replaced '
        'only with --overwrite)')
    parser.add_argument(
        '--md',
        help='write the Markdown table (an existing file is replaced only '
        'with --overwrite)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='key=value overrides applied to every config')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace --out / --md files that exist already')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='print the full traceback of an error (or set '
        'MMEDIT_TMAD_DEBUG=1)')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    parser.add_argument('--worker-out', help=argparse.SUPPRESS)
    parser.add_argument(
        '--worker-roofline', action='store_true', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.device == 'cpu' and 'fp16' in args.amp:
        parser.error('--amp fp16 needs --device cuda (use bf16 on CPU)')
    if min(args.batch_sizes) < 1 or args.iters < 1 or args.warmup < 0:
        parser.error('batch sizes and --iters must be >= 1, --warmup >= 0')
    return args


# ----------------------------------------------------------------------
# worker: one config in its own process
# ----------------------------------------------------------------------
def _rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def _max_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_model_cfg(path: str, options: list):
    """The config with ``options`` merged; unusable perceptual losses off.

    A perceptual loss whose VGG weights are not on disk is dropped (it
    plays no part at test time; the row says so), so that models build
    without any download.
    """
    from mmengine.config import Config, DictAction
    cfg = Config.fromfile(path)
    if options:
        parser = argparse.ArgumentParser()
        parser.add_argument('--o', nargs='+', action=DictAction)
        cfg.merge_from_dict(parser.parse_args(['--o'] + options).o)
    dropped = []
    for key in list(cfg.model.keys()):
        loss = cfg.model[key]
        if not (key.startswith('loss_') and isinstance(loss, dict)
                and 'Perceptual' in str(loss.get('type', ''))):
            continue
        weights = loss.get('vgg_weights', loss.get('pretrained'))
        if not (isinstance(weights, str) and osp.isfile(weights)):
            cfg.model[key] = None
            dropped.append(key)
    if 'loss_composed_percep' in dropped and cfg.model.get('loss_out_percep'):
        # mmagic's OneStageInpaintor applies the same (dropped) loss module
        # to its raw output too
        cfg.model['loss_out_percep'] = False
    return cfg, dropped


def count_params(model) -> dict:
    """Generator side (all but ``disc`` and losses) and discriminator."""
    gen = disc = 0
    for name, p in model.named_parameters():
        top = name.split('.')[0]
        if top == 'disc':
            disc += p.numel()
        elif not top.startswith('loss'):
            gen += p.numel()
    return dict(params_g=gen / 1e6, params_d=disc / 1e6)


def make_batch(n: int, size: int, hole: float):
    """A smooth synthetic photo-like batch with a centred square hole.

    Returns the raw batch a dataloader would give (uint8 BGR images with
    their masked versions as ``inputs``, ``gt_img`` and ``mask`` in the data
    samples), ready for ``model.data_preprocessor``.
    """
    import torch
    from mmagic.structures import DataSample
    g = torch.Generator().manual_seed(0)
    yy, xx = torch.meshgrid(
        torch.linspace(0, 1, size), torch.linspace(0, 1, size), indexing='ij')
    side = max(1, int(round(size * hole)))
    top = (size - side) // 2
    mask = torch.zeros(1, size, size)
    mask[:, top:top + side, top:top + side] = 1
    inputs, samples = [], []
    for i in range(n):
        base = torch.stack([
            128 + 80 * torch.sin(6.28 * (xx + i / 7)),
            128 + 80 * torch.cos(6.28 * yy), 100 + 60 * xx * yy
        ])
        img = (base + 12 * torch.randn(3, size, size, generator=g)).clamp(
            0, 255).round()
        inputs.append(img * (1 - mask))
        sample = DataSample(gt_img=img, mask=mask.clone())
        # (top, left, h, w) as mmagic's LoadMask gives it (DeepFillv1)
        sample.set_metainfo(dict(mask_bbox=(top, top, side, side)))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def _sync(device: str) -> None:
    import torch
    if device == 'cuda':
        torch.cuda.synchronize()


def _autocast(args, amp=None):
    import torch
    amp = amp or args.amp[0]
    if amp == 'none':
        return contextlib.nullcontext()
    dtype = dict(fp16=torch.float16, bf16=torch.bfloat16)[amp]
    return torch.autocast(args.device, dtype=dtype)


#: The roofline's conv stack: 4 convs 128->128 3x3 on (4, 128, 64, 64).
ROOF_SHAPE, ROOF_CONVS = (4, 128, 64, 64), 4


def measure_roofline(args) -> dict:
    """GFLOP/s of a fixed conv stack per precision and layout (a worker).

    Returns:
        dict: ``rates``: ``{'none/nchw': GFLOP/s, 'none/cl': ...,
        'bf16/nchw': ..., 'bf16/cl': ...}`` (``fp16/cl`` on CUDA), the best
        of ``--iters`` timed passes; ``threads``, ``shape``, ``convs``.
    """
    import torch
    import torch.nn as nn
    if args.threads:
        torch.set_num_threads(args.threads)
    n, c, h, w = ROOF_SHAPE
    flops = ROOF_CONVS * n * h * w * c * c * 9 * 2
    modes = [('none', False), ('none', True), ('bf16', False),
             ('bf16', True)]
    if args.device == 'cuda':
        modes.append(('fp16', True))
    rates = {}
    for amp, cl in modes:
        torch.manual_seed(0)
        net = nn.Sequential(*[
            nn.Conv2d(c, c, 3, padding=1) for _ in range(ROOF_CONVS)
        ]).to(args.device).eval()
        x = torch.randn(ROOF_SHAPE, device=args.device)
        if cl:
            net = net.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        best = float('inf')
        with torch.no_grad(), _autocast(args, amp):
            for i in range(args.warmup + args.iters):
                _sync(args.device)
                start = time.perf_counter()
                net(x)
                _sync(args.device)
                if i >= args.warmup:
                    best = min(best, time.perf_counter() - start)
        rates[f'{amp}/{"cl" if cl else "nchw"}'] = flops / best / 1e9
    return dict(rates=rates, threads=torch.get_num_threads(),
                shape=list(ROOF_SHAPE), convs=ROOF_CONVS)


def _to_channels_last(data: dict) -> dict:
    import torch
    data['inputs'] = data['inputs'].contiguous(
        memory_format=torch.channels_last)
    return data


def _peak_start(device: str) -> float:
    import torch
    if device == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        return 0.
    return _rss_mb()


def _peak_end(device: str) -> float:
    import torch
    if device == 'cuda':
        return torch.cuda.max_memory_allocated() / 2**20
    return _max_rss_mb()


def build_model(cfg, device: str = 'cpu', channels_last: bool = False):
    """The config's model in eval mode on ``device`` (no checkpoint).

    T-MAD is put in its joint phase, so that the whole test path runs
    (coarse net, memory, retrieval, PSNet), not the phase-1 coarse model.
    ``channels_last`` applies only to a model that runs on that layout
    (``mmedit_tmad.utils.channels_last_safe``); check
    ``model.benchmark_channels_last``.
    """
    import torch

    from mmedit_tmad.registry import MODELS
    from mmedit_tmad.utils import channels_last_safe
    model = MODELS.build(cfg.model)
    if hasattr(model, 'coarse_iters') and hasattr(model, 'cur_iter'):
        model.cur_iter.fill_(model.coarse_iters)
    model = model.to(device)
    use_cl = channels_last and channels_last_safe(model)
    if use_cl:
        model = model.to(memory_format=torch.channels_last)
    model.benchmark_channels_last = use_cl
    return model.eval()


def prepare_inputs(model, batch: dict, channels_last: bool = False) -> dict:
    """A raw batch through the model's data preprocessor (untimed)."""
    import torch
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
    return _to_channels_last(data) if channels_last else data


def measure_config(path: str, args) -> dict:
    """All measurements of one config (run in a fresh process)."""
    import torch
    from mmengine.registry import init_default_scope

    import mmedit_tmad  # noqa: F401  registers T-MAD and the baselines
    if args.threads:
        torch.set_num_threads(args.threads)
    init_default_scope('mmagic')
    cfg, dropped = load_model_cfg(path, args.cfg_options)
    device = args.device
    row = dict(
        config=osp.relpath(osp.abspath(path), ROOT),
        name=osp.splitext(osp.basename(path))[0],
        device=device,
        size=args.size,
        amp=args.amp[0],
        threads=torch.get_num_threads(),
        dropped=dropped)
    rss_import = _rss_mb()
    model = build_model(cfg, device, args.channels_last)
    row['channels_last'] = model.benchmark_channels_last
    row.update(count_params(model))
    row['rss_model_mb'] = _rss_mb() if device == 'cpu' else None
    row['rss_import_mb'] = rss_import

    def predict(data):
        with torch.no_grad(), _autocast(args):
            return model(**data, mode='predict')

    def prepared(n):
        return prepare_inputs(model, make_batch(n, args.size, args.hole),
                              model.benchmark_channels_last)

    # FLOPs of one batch-1 pass (after a warm-up: lazily built parts)
    from torch.utils.flop_counter import FlopCounterMode
    one = prepared(1)
    predict(one)
    with FlopCounterMode(display=False) as counter:
        predict(one)
    row['gflops'] = counter.get_total_flops() / 1e9

    inference = {}
    for n in sorted(set(args.batch_sizes)):
        data = prepared(n)
        base = _peak_start(device)
        for _ in range(args.warmup):
            predict(data)
        times = []
        for _ in range(args.iters):
            _sync(device)
            start = time.perf_counter()
            predict(data)
            _sync(device)
            times.append(time.perf_counter() - start)
        peak = _peak_end(device)
        times.sort()
        mean = sum(times) / len(times)
        median = times[len(times) // 2]
        # the median: robust to other processes on a shared machine
        inference[str(n)] = dict(
            latency_ms=1e3 * median,
            latency_mean_ms=1e3 * mean,
            latency_min_ms=1e3 * times[0],
            images_per_s=n / median,
            peak_mb=peak,
            # CPU: peak RSS above the RSS with the model built
            peak_above_model_mb=(peak - row['rss_model_mb']
                                 if device == 'cpu' else peak),
            base_mb=base)
        del data
    row['inference'] = inference
    if args.peak_tflops and device == 'cuda':
        best = max(v['images_per_s'] for v in inference.values())
        row['peak_fraction'] = (
            row['gflops'] * 1e9 * best / (args.peak_tflops * 1e12))

    if args.train_step:
        try:
            row['train'] = measure_train_step(model, cfg, args)
        except Exception as err:  # the inference figures stand
            row['train_failed'] = f'{type(err).__name__}: {err}'
    if args.export and type(model).__name__ == 'TMADInpaintor':
        row['exported'] = measure_exported(model, args)
    return row


def measure_exported(model, args) -> dict:
    """Batch-1 latency of the exported whole inference, per format, on the
    batch-1 image and hole of the PyTorch rows (the graph's own inputs:
    0-255 BGR image, hole, padding; a Telea prior computed outside it, as
    ``ExportedTMAD`` does)."""
    from mmedit_tmad.apis import export_model, init_exported
    batch = make_batch(1, args.size, args.hole)
    # (3, h, w) float -> (h, w, 3) uint8
    img = batch['data_samples'][0].gt_img.permute(1, 2, 0).byte().numpy()
    hole = batch['data_samples'][0].mask[0].numpy() > 0
    exclude = hole & False
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.export:
            path = osp.join(tmp, f'model.{fmt}')
            start = time.perf_counter()
            export_model(model, path, fmt, (args.size, args.size))
            exported = init_exported(path)
            seconds = time.perf_counter() - start
            for _ in range(args.warmup):
                exported(img, hole, exclude)
            times = []
            for _ in range(args.iters):
                start = time.perf_counter()
                exported(img, hole, exclude)
                times.append(time.perf_counter() - start)
            times.sort()
            out[fmt] = dict(
                latency_ms=1e3 * times[len(times) // 2],
                latency_min_ms=1e3 * times[0],
                export_s=seconds)
    return out


def measure_train_step(model, cfg, args) -> dict:
    """Seconds and peak memory of ``model.train_step`` (config optimisers)."""
    import torch
    from mmengine.optim import build_optim_wrapper
    device = args.device
    model.train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    data = make_batch(args.train_batch, args.size, args.hole)

    def step():
        with _autocast(args):
            model.train_step(data, optim)

    _peak_start(device)
    for _ in range(max(1, min(args.warmup, 2))):
        step()
    times = []
    for _ in range(max(1, args.iters // 2)):
        _sync(device)
        start = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - start)
    torch.set_grad_enabled(True)
    return dict(
        batch=args.train_batch,
        seconds=sum(times) / len(times),
        peak_mb=_peak_end(device))


# ----------------------------------------------------------------------
# parent: one subprocess per config, then the table
# ----------------------------------------------------------------------
def run_worker(path: Optional[str], args, argv: list) -> dict:
    """One config (or, with ``path=None``, the roofline) in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'row.json')
        what = ['--worker', path] if path else ['--worker-roofline']
        cmd = [
            sys.executable,
            osp.abspath(__file__),
        ] + what + [
            '--worker-out',
            out,
            '--debug'  # the worker's traceback in the failure report
        ] + argv
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0 or not osp.isfile(out):
            tail = (proc.stdout + proc.stderr).strip().splitlines()
            print(
                f'benchmark of {path or "the roofline"} failed (exit '
                f'{proc.returncode}):\n' + '\n'.join(tail[-15:]),
                flush=True)
            path = path or 'roofline'
            return dict(
                config=osp.relpath(osp.abspath(path), ROOT),
                name=osp.splitext(osp.basename(path))[0],
                failed=tail[-1] if tail else f'exit {proc.returncode}')
        with open(out) as f:
            return json.load(f)


def _roof_key(row: dict) -> str:
    return f'{row["amp"]}/{"cl" if row.get("channels_last") else "nchw"}'


def add_roofline(rows: list, roof: Optional[dict]) -> None:
    """Achieved GFLOP/s and its fraction of the conv stack's rates."""
    for r in rows:
        best = max(r['inference'].values(), key=lambda v: v['images_per_s'])
        r['gflops_per_s'] = r['gflops'] * best['images_per_s']
        if not roof:
            continue
        rates = roof['rates']
        same = rates.get(_roof_key(r))
        r['roofline_same'] = r['gflops_per_s'] / same if same else None
        r['roofline_best'] = r['gflops_per_s'] / max(rates.values())


def _fmt(v, nd=2):
    return '-' if v is None else f'{v:.{nd}f}'


def _ratio(v, ref):
    return '-' if v is None or not ref else f'{v / ref:.2f}x'


def make_table(rows: list, ref: dict, args) -> str:
    """One Markdown table; ``x`` columns are ratios to ``ref``."""
    mem = 'peak RSS' if args.device == 'cpu' else 'peak alloc'
    batches = sorted({int(b) for r in rows for b in r['inference']})
    b1, bn = batches[0], batches[-1]
    head = [
        'model', 'precision', 'layout', 'G params (M)', 'D params (M)',
        'GFLOPs/img', f'latency b{b1} (ms)', f'img/s b{b1}'
    ]
    if bn != b1:
        head += [f'latency b{bn} (ms)', f'img/s b{bn}']
    head += [f'{mem} b{b1} (MB)']
    if bn != b1:
        head += [f'{mem} b{bn} (MB)']
    if args.device == 'cpu':
        head += [f'above model b{bn} (MB)']
    if args.peak_tflops and args.device == 'cuda':
        head += ['% of peak']
    head += ['GFLOP/s']
    if any('roofline_best' in r for r in rows):
        head += ['% roofline (same precision)', '% roofline (best)']
    if any('train' in r for r in rows):
        head += ['train step (s)', f'train {mem} (MB)']
    head += [
        'x latency', f'x img/s b{bn}', 'x memory', 'x G params', 'x FLOPs'
    ]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for r in rows:
        # the reference at the row's precision (else its first row)
        rf = ref.get(r['amp'], next(iter(ref.values()))) if ref else None
        rb1 = rf['inference'][str(b1)] if rf else None
        rbn = rf['inference'][str(bn)] if rf else None
        i1, i_n = r['inference'][str(b1)], r['inference'][str(bn)]
        cells = [
            r['name'],
            'fp32' if r['amp'] == 'none' else r['amp'],
            'channels_last' if r.get('channels_last') else 'NCHW',
            _fmt(r['params_g'], 3),
            _fmt(r['params_d'], 3),
            _fmt(r['gflops'], 1),
            _fmt(i1['latency_ms'], 1),
            _fmt(i1['images_per_s'], 2)
        ]
        if bn != b1:
            cells += [_fmt(i_n['latency_ms'], 1), _fmt(i_n['images_per_s'])]
        cells += [_fmt(i1['peak_mb'], 0)]
        if bn != b1:
            cells += [_fmt(i_n['peak_mb'], 0)]
        if args.device == 'cpu':
            cells += [_fmt(i_n['peak_above_model_mb'], 0)]
        if args.peak_tflops and args.device == 'cuda':
            cells += [_fmt(100 * r.get('peak_fraction', 0), 2)]
        cells += [_fmt(r.get('gflops_per_s'), 1)]
        if any('roofline_best' in x for x in rows):
            same = r.get('roofline_same')
            cells += [
                _fmt(same and 100 * same, 1),
                _fmt(100 * r['roofline_best'], 1)
            ]
        if any('train' in x for x in rows):
            t = r.get('train')
            cells += [_fmt(t and t['seconds'], 3), _fmt(t and t['peak_mb'], 0)]
        cells += [
            _ratio(i1['latency_ms'], rb1 and rb1['latency_ms']),
            _ratio(i_n['images_per_s'], rbn and rbn['images_per_s']),
            _ratio(i_n['peak_mb'], rbn and rbn['peak_mb']),
            _ratio(r['params_g'], rf and rf['params_g']),
            _ratio(r['gflops'], rf and rf['gflops'])
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def merge_repeats(reps: list) -> dict:
    """One row from repeated measurements of a config: per batch size the
    repeat with the lowest latency (the least disturbed by other
    processes); the training step likewise; FLOPs and parameters agree."""
    ok = [r for r in reps if 'failed' not in r]
    if not ok:
        return reps[-1]
    row = dict(ok[0], repeats=len(ok))
    row['inference'] = {
        n: min((r['inference'][n] for r in ok), key=lambda v: v['latency_ms'])
        for n in ok[0]['inference']
    }
    if 'train' in row:
        row['train'] = min((r['train'] for r in ok),
                           key=lambda v: v['seconds'])
    if 'peak_fraction' in row:
        row['peak_fraction'] = max(r['peak_fraction'] for r in ok)
    if 'exported' in row:
        row['exported'] = {
            fmt: min((r['exported'][fmt] for r in ok),
                     key=lambda v: v['latency_ms'])
            for fmt in row['exported']
        }
    return row


def exported_table(rows: list, ref: dict) -> str:
    """Batch-1 latency of each runtime of the exported T-MAD rows, with
    ratios against the same model in PyTorch float32 and the reference."""
    lines = []
    for r in rows:
        if 'exported' not in r or r['amp'] != 'none':
            continue
        torch_rows = [x for x in rows if x['name'] == r['name']]
        rf = ref.get('none')
        base = r['inference']['1']['latency_ms'] \
            if '1' in r['inference'] else None
        ref_ms = rf['inference']['1']['latency_ms'] \
            if rf and '1' in rf['inference'] else None
        if not lines:
            lines = [
                '| model | runtime | latency b1 (ms) | x PyTorch fp32 | x ' +
                (rf['name'] if rf else 'ref') + ' fp32 |', '|---|---|---|---'
                '|---|'
            ]
        for x in torch_rows:
            ms = x['inference']['1']['latency_ms'] \
                if '1' in x['inference'] else None
            label = 'PyTorch ' + ('fp32' if x['amp'] == 'none' else
                                  x['amp'])
            lines.append(f'| {r["name"]} | {label} | {_fmt(ms, 1)} | '
                         f'{_ratio(ms, base)} | {_ratio(ms, ref_ms)} |')
        for fmt, v in r['exported'].items():
            label = dict(onnx='onnxruntime (CPU)',
                         torchscript='TorchScript')[fmt]
            lines.append(f'| {r["name"]} | {label} | '
                         f'{_fmt(v["latency_ms"], 1)} | '
                         f'{_ratio(v["latency_ms"], base)} | '
                         f'{_ratio(v["latency_ms"], ref_ms)} |')
    return '\n'.join(lines)


def _worker_argv(argv: list, amp: str) -> list:
    """The command line minus the config list (workers get one each) and
    with one precision."""
    args = parse_args(argv)
    out = [
        '--device', args.device, '--size',
        str(args.size), '--hole',
        str(args.hole), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), '--amp', amp, '--train-batch',
        str(args.train_batch), '--batch-sizes'
    ] + [str(b) for b in args.batch_sizes]
    if args.train_step:
        out.append('--train-step')
    if args.channels_last:
        out.append('--channels-last')
    if args.threads:
        out += ['--threads', str(args.threads)]
    if args.export:
        out += ['--export'] + args.export
    if args.peak_tflops:
        out += ['--peak-tflops', str(args.peak_tflops)]
    if args.cfg_options:
        out += ['--cfg-options'] + args.cfg_options
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.worker or args.worker_roofline:
        row = measure_config(args.worker, args) if args.worker else \
            measure_roofline(args)
        with open(args.worker_out, 'w') as f:
            json.dump(row, f)
        return row
    # a time limit's SIGTERM stops the run as Ctrl-C does: the files keep
    # what is measured (below), and subprocess.run kills the running worker
    # (which would otherwise go on measuring beside whatever runs next)
    if threading.current_thread() is not threading.main_thread():
        return _measure_all(args, argv)  # signals go to the main thread
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _measure_all(args, argv)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f'stopped by signal {signum}')


def _measure_all(args, argv: list) -> list:
    """Every config (and the roofline) measured, the files written after
    each measurement."""
    from mmedit_tmad.utils import cli
    if args.device == 'cuda':
        import torch
        if not torch.cuda.is_available():
            raise cli.UsageError('--device cuda: no CUDA device is available')
    configs = args.configs
    if not configs:
        configs = [c for c in DEFAULT_CONFIGS if osp.isfile(osp.join(ROOT, c))]
        missing = sorted(set(DEFAULT_CONFIGS) - set(configs))
        if missing:
            print('skipped (config not found): ' + ', '.join(missing))
    for c in configs:
        if not osp.isfile(c) and not osp.isfile(osp.join(ROOT, c)):
            raise cli.UsageError(f'config not found: {c}')
    configs = [c if osp.isfile(c) else osp.join(ROOT, c) for c in configs]
    _check_outputs(args, configs)
    amps = list(dict.fromkeys(args.amp))
    runs = {(c, a): [] for c in configs for a in amps}
    roofs = []
    done, total, written = 0, len(runs) * max(1, args.repeat), False
    for rep in range(max(1, args.repeat)):
        if not args.no_roofline:
            print(f'measuring the roofline (repeat {rep + 1}) ...',
                  flush=True)
            roof = run_worker(None, args, _worker_argv(argv, amps[0]))
            if 'failed' not in roof:
                roofs.append(roof)
        for c in configs:
            for a in amps:
                start = time.time()
                print(
                    f'measuring {osp.relpath(c, ROOT)} at {a} (repeat '
                    f'{rep + 1}) ...',
                    flush=True)
                row = run_worker(c, args, _worker_argv(argv, a))
                runs[c, a].append(row)
                print(
                    f'  done in {time.time() - start:.0f} s{_summary(row)}',
                    flush=True)
                done += 1
                if done < total:
                    # what is measured so far, in case the run is stopped
                    rows = _report(args, runs, roofs, amps, written,
                                   f'{done} of {total} measurements')
                    written = written or bool(rows)
    return _report(args, runs, roofs, amps, written)


def _summary(row: dict) -> str:
    """One measurement in a line of the progress log."""
    if 'failed' in row:
        return ': failed'
    parts = [
        f'b{n} {v["latency_ms"]:.1f} ms ({v["images_per_s"]:.1f} img/s)'
        for n, v in row['inference'].items()
    ]
    if 'train' in row:
        parts.append(f'train step {row["train"]["seconds"]:.3f} s')
    return ': ' + ', '.join(parts)


def _report(args,
            runs: dict,
            roofs: list,
            amps: list,
            written: bool = False,
            partial: Optional[str] = None) -> list:
    """The table of ``runs`` printed (the final one) and written to
    ``--out`` / ``--md``; ``partial``: what is measured so far (the files
    then say so, and a later call replaces them); ``written``: whether this
    run wrote them already. Returns the rows measured (none: nothing was
    written)."""
    from mmedit_tmad.utils import cli
    # the fastest repeat of each conv-stack mode
    roof = dict(roofs[0], rates={
        k: max(r['rates'][k] for r in roofs)
        for k in roofs[0]['rates']
    }) if roofs else None
    rows = [merge_repeats(runs[key]) for key in runs if runs[key]]
    failed = [r for r in rows if 'failed' in r]
    rows = [r for r in rows if 'failed' not in r]
    if not rows:
        if partial:
            return []
        raise SystemExit('every benchmark failed')
    add_roofline(rows, roof)
    ref = {}
    for r in rows:
        if r['name'].startswith(args.ref):
            ref.setdefault(r['amp'], r)
    if not ref:
        print(f'no config starts with --ref {args.ref!r}: no ratios')
    table = make_table(rows, ref, args)
    best = (f', best of {args.repeat} round-robin repeats'
            if args.repeat > 1 else '')
    ref_name = next(iter(ref.values()))['name'] if ref else '-'
    note = (f'{args.device}, {args.size}x{args.size}, centred '
            f'{int(round(args.size * args.hole))}px square hole, amp '
            f'{" ".join(amps)}, channels_last {args.channels_last}, '
            f'{rows[0]["threads"] if rows else "-"} threads, '
            f'latency = median of {args.iters} timed passes after '
            f'{args.warmup} warm-up{best}; '
            f'ratios against {ref_name} at the same precision')
    if roof:
        n, c, h, w = roof['shape']
        note += (f'; roofline = {roof["convs"]} convs {c}->{c} 3x3 on '
                 f'{n}x{c}x{h}x{w}, GFLOP/s: ' + ', '.join(
                     f'{k} {v:.0f}' for k, v in roof['rates'].items()))
    dropped = {r['name']: r['dropped'] for r in rows if r['dropped']}
    if dropped:
        note += ('; perceptual losses without local weights dropped: ' +
                 ', '.join(f'{k} ({", ".join(v)})'
                           for k, v in dropped.items()))
    if failed:
        note += '; failed: ' + ', '.join(f'{r["name"]} ({r["failed"]})'
                                         for r in failed)
    train_failed = {r['name']: r['train_failed'] for r in rows
                    if 'train_failed' in r}
    if train_failed:
        note += '; train step failed: ' + ', '.join(
            f'{k} ({v})' for k, v in train_failed.items())
    extra = exported_table(rows, ref) if args.export else ''
    if extra:
        table += ('\n\nExported whole inference (batch 1, the input size '
                  'fixed at export; onnxruntime CPU provider, TorchScript)'
                  ':\n\n' + extra)
    if partial:
        note = f'PARTIAL ({partial}; the run did not finish): {note}'
    else:
        print(f'\n{note}\n\n{table}\n')
    # files this run wrote already are its own to replace
    overwrite = args.overwrite or written
    if args.out:
        cli.write_text(
            args.out,
            json.dumps(
                dict(args=vars(args), rows=rows, failed=failed,
                     roofline=roof, partial=partial), indent=1),
            overwrite)
    if args.md:
        cli.write_text(args.md, f'{note}\n\n{table}\n', overwrite)
    return rows


def _check_outputs(args, configs: list) -> None:
    """``--out`` and ``--md``: new files (or ``--overwrite``), distinct, not
    a config; checked before anything is measured."""
    from mmedit_tmad.utils import cli
    outputs = [(p, opt) for p, opt in ((args.out, '--out'), (args.md, '--md'))
               if p]
    cli.check_outputs(
        outputs,
        inputs=configs,
        overwrite=args.overwrite,
        option=' / '.join(opt for _, opt in outputs))


if __name__ == '__main__':
    from mmedit_tmad.utils import cli
    sys.exit(cli.run(main))
