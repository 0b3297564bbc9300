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
  phase 2) and its peak memory.

A Markdown table with ratios against the ``--ref`` model (DeepFillv2 by
default), measured in the same run, is printed and optionally written.

Usage:
    python tools/analysis_tools/benchmark.py [CONFIG ...] [--device cpu]
        [--size 256] [--batch-sizes 1 8] [--iters 10] [--warmup 3]
        [--train-step] [--amp none|fp16|bf16] [--channels-last]
        [--peak-tflops 989] [--ref deepfillv2] [--out results.json]
        [--md table.md]
"""
import argparse
import contextlib
import json
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

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
        default='none',
        help='torch.autocast dtype (default: none, fp32)')
    parser.add_argument('--channels-last', action='store_true')
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
    args = parser.parse_args(argv)
    if args.device == 'cpu' and args.amp == 'fp16':
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


def _autocast(args):
    import torch
    if args.amp == 'none':
        return contextlib.nullcontext()
    dtype = dict(fp16=torch.float16, bf16=torch.bfloat16)[args.amp]
    return torch.autocast(args.device, dtype=dtype)


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
    """
    import torch

    from mmedit_tmad.registry import MODELS
    model = MODELS.build(cfg.model)
    if hasattr(model, 'coarse_iters') and hasattr(model, 'cur_iter'):
        model.cur_iter.fill_(model.coarse_iters)
    model = model.to(device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
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
        amp=args.amp,
        channels_last=bool(args.channels_last),
        threads=torch.get_num_threads(),
        dropped=dropped)
    rss_import = _rss_mb()
    model = build_model(cfg, device, args.channels_last)
    row.update(count_params(model))
    row['rss_model_mb'] = _rss_mb() if device == 'cpu' else None
    row['rss_import_mb'] = rss_import

    def predict(data):
        with torch.no_grad(), _autocast(args):
            return model(**data, mode='predict')

    def prepared(n):
        return prepare_inputs(model, make_batch(n, args.size, args.hole),
                              args.channels_last)

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
        row['train'] = measure_train_step(model, cfg, args)
    return row


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
def run_worker(path: str, args, argv: list) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'row.json')
        cmd = [
            sys.executable,
            osp.abspath(__file__),
            '--worker',
            path,
            '--worker-out',
            out,
            '--debug'  # the worker's traceback in the failure report
        ] + argv
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if proc.returncode != 0 or not osp.isfile(out):
            tail = (proc.stdout + proc.stderr).strip().splitlines()
            print(
                f'benchmark of {path} failed (exit {proc.returncode}):\n' +
                '\n'.join(tail[-15:]),
                flush=True)
            return dict(
                config=osp.relpath(osp.abspath(path), ROOT),
                name=osp.splitext(osp.basename(path))[0],
                failed=tail[-1] if tail else f'exit {proc.returncode}')
        with open(out) as f:
            return json.load(f)


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
        'model', 'G params (M)', 'D params (M)', 'GFLOPs/img',
        f'latency b{b1} (ms)', f'img/s b{b1}'
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
    if any('train' in r for r in rows):
        head += ['train step (s)', f'train {mem} (MB)']
    head += [
        'x latency', f'x img/s b{bn}', 'x memory', 'x G params', 'x FLOPs'
    ]
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    rb1 = ref['inference'][str(b1)] if ref else None
    rbn = ref['inference'][str(bn)] if ref else None
    for r in rows:
        i1, i_n = r['inference'][str(b1)], r['inference'][str(bn)]
        cells = [
            r['name'],
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
        if any('train' in x for x in rows):
            t = r.get('train')
            cells += [_fmt(t and t['seconds'], 3), _fmt(t and t['peak_mb'], 0)]
        cells += [
            _ratio(i1['latency_ms'], rb1 and rb1['latency_ms']),
            _ratio(i_n['images_per_s'], rbn and rbn['images_per_s']),
            _ratio(i_n['peak_mb'], rbn and rbn['peak_mb']),
            _ratio(r['params_g'], ref and ref['params_g']),
            _ratio(r['gflops'], ref and ref['gflops'])
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
    return row


def _worker_argv(argv: list) -> list:
    """The command line minus the config list (workers get one each)."""
    args = parse_args(argv)
    out = [
        '--device', args.device, '--size',
        str(args.size), '--hole',
        str(args.hole), '--iters',
        str(args.iters), '--warmup',
        str(args.warmup), '--amp', args.amp, '--train-batch',
        str(args.train_batch), '--batch-sizes'
    ] + [str(b) for b in args.batch_sizes]
    if args.train_step:
        out.append('--train-step')
    if args.channels_last:
        out.append('--channels-last')
    if args.threads:
        out += ['--threads', str(args.threads)]
    if args.peak_tflops:
        out += ['--peak-tflops', str(args.peak_tflops)]
    if args.cfg_options:
        out += ['--cfg-options'] + args.cfg_options
    return out


def main(argv=None):
    from mmedit_tmad.utils import cli
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.worker:
        row = measure_config(args.worker, args)
        with open(args.worker_out, 'w') as f:
            json.dump(row, f)
        return row
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
    wargv = _worker_argv(argv)
    runs = {c: [] for c in configs}
    for rep in range(max(1, args.repeat)):
        for c in configs:
            start = time.time()
            print(
                f'measuring {osp.relpath(c, ROOT)} (repeat {rep + 1}) ...',
                flush=True)
            runs[c].append(run_worker(c, args, wargv))
            print(f'  done in {time.time() - start:.0f} s', flush=True)
    rows = [merge_repeats(runs[c]) for c in configs]
    failed = [r for r in rows if 'failed' in r]
    rows = [r for r in rows if 'failed' not in r]
    if not rows:
        raise SystemExit('every benchmark failed')
    ref = next((r for r in rows if r['name'].startswith(args.ref)), None)
    if ref is None:
        print(f'no config starts with --ref {args.ref!r}: no ratios')
    table = make_table(rows, ref, args)
    best = (f', best of {args.repeat} round-robin repeats'
            if args.repeat > 1 else '')
    note = (f'{args.device}, {args.size}x{args.size}, centred '
            f'{int(round(args.size * args.hole))}px square hole, amp '
            f'{args.amp}, channels_last {args.channels_last}, '
            f'{rows[0]["threads"] if rows else "-"} threads, '
            f'latency = median of {args.iters} timed passes after '
            f'{args.warmup} warm-up{best}; '
            f'ratios against {ref["name"] if ref else "-"}')
    dropped = {r['name']: r['dropped'] for r in rows if r['dropped']}
    if dropped:
        note += ('; perceptual losses without local weights dropped: ' +
                 ', '.join(f'{k} ({", ".join(v)})'
                           for k, v in dropped.items()))
    if failed:
        note += '; failed: ' + ', '.join(f'{r["name"]} ({r["failed"]})'
                                         for r in failed)
    print(f'\n{note}\n\n{table}\n')
    if args.out:
        cli.write_text(
            args.out,
            json.dumps(
                dict(args=vars(args), rows=rows, failed=failed), indent=1),
            args.overwrite)
    if args.md:
        cli.write_text(args.md, f'{note}\n\n{table}\n', args.overwrite)
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
