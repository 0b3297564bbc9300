# Copyright (c) OpenMMLab. All rights reserved.
import argparse
import glob
import logging
import os
import os.path as osp
import sys
import warnings

# mmedit_tmad first: importing it registers the T-MAD modules and hides
# the warnings that the host's dependencies raise about their own code
import mmedit_tmad  # noqa: F401  # isort:skip

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmagic.utils import print_colored_log

from mmedit_tmad.engine import load_from_local
from mmedit_tmad.utils import (cli, cpu_has_bf16_matmul,
                               setup_cpu_distributed, teardown_distributed)


def enable_amp(cfg) -> None:
    """``--amp``: mmengine's ``AmpOptimWrapper`` on CUDA (float16 with loss
    scaling), ``TMADBF16OptimWrapper`` (bfloat16 autocast) on a CPU, where
    ``AmpOptimWrapper`` cannot be built. Every ``OptimWrapper`` of the
    config is switched (one, or each of a ``MultiOptimWrapperConstructor``
    dict)."""
    cuda = torch.cuda.is_available()
    if not cuda and not cpu_has_bf16_matmul():
        print_colored_log(
            '--amp: no AMX for oneDNN here (this CPU lacks it, or '
            'ONEDNN_MAX_CPU_ISA keeps oneDNN below it), where bfloat16 '
            'convolutions run slower than float32 (see docs/benchmarks.md); '
            'training in bfloat16 all the same',
            level=logging.WARNING)
    amp_types = ('AmpOptimWrapper', 'TMADBF16OptimWrapper')

    def switch(wrapper: dict) -> None:
        if wrapper.get('type', 'OptimWrapper') in amp_types:
            print_colored_log(
                'AMP training is already enabled in your config.',
                level=logging.WARNING)
            return
        assert wrapper.get('type', 'OptimWrapper') == 'OptimWrapper', (
            '`--amp` is only supported when the optimizer wrapper '
            f'`type is OptimWrapper` but got {wrapper.get("type")}.')
        if cuda:
            wrapper['type'] = 'AmpOptimWrapper'
            wrapper['loss_scale'] = 'dynamic'
        else:
            wrapper['type'] = 'TMADBF16OptimWrapper'

    if ('constructor' not in cfg.optim_wrapper) or \
            cfg.optim_wrapper['constructor'] == \
            'DefaultOptimWrapperConstructor':
        switch(cfg.optim_wrapper)
    else:
        for val in cfg.optim_wrapper.values():
            if isinstance(val, dict) and 'type' in val:
                switch(val)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--work-dir',
        help='the dir to save logs and models (one that holds checkpoints '
        'needs --resume or --overwrite)')
    parser.add_argument(
        '--resume', action='store_true', help='Whether to resume checkpoint.')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='automatic mixed precision: float16 + loss scaling on CUDA '
        '(mmengine AmpOptimWrapper), bfloat16 autocast on a CPU '
        '(TMADBF16OptimWrapper; faster than float32 only with AMX)')
    parser.add_argument(
        '--tensorboard',
        action='store_true',
        help='also write TensorBoard event files (vis_data/ of the log dir)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='enable automatically scaling LR.')
    cli.add_runner_args(parser)
    cli.add_common_args(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)

    return args


def check_work_dir(work_dir: str, resume: bool, overwrite: bool) -> None:
    """Refuse to train afresh over the checkpoints of an earlier run.

    A new run writes ``iter_<n>.pth`` and ``last_checkpoint`` under the
    same names: resume it (``--resume``), replace it (``--overwrite``) or
    use another ``--work-dir``.
    """
    if resume or overwrite or not osp.isdir(work_dir):
        return
    found = sorted(glob.glob(osp.join(work_dir, '*.pth')))
    if osp.isfile(osp.join(work_dir, 'last_checkpoint')):
        found.insert(0, osp.join(work_dir, 'last_checkpoint'))
    if found:
        raise cli.UsageError(
            f'--work-dir {work_dir} holds the checkpoints of an earlier run '
            f'({osp.basename(found[0])}, {len(found)} file(s)); pass '
            '--resume to go on with it, --overwrite to replace it, or '
            'choose another --work-dir')


def resume_point(cfg) -> None:
    """Where ``--resume`` goes on from, for a config with ``load_from``.

    mmengine resumes from ``load_from`` whenever it is set. In a fine-tune
    config (``tmad_biharmonic_*``, ``tmad_telea-finetune_*``) it names the
    published weights the run starts from, which hold no training state:
    resuming from them would fail or start over. So when ``load_from`` is
    not a training checkpoint, ``--resume`` goes on from the work dir's
    latest checkpoint, and with none there yet (killed before its first
    one) starts the fine-tune from ``load_from``. A training checkpoint in
    ``load_from`` (``--cfg-options load_from=WORK_DIR/iter_N.pth``) is
    resumed from, as in mmengine.
    """
    load_from = cfg.get('load_from')
    if not cfg.get('resume') or not load_from or not osp.isfile(load_from):
        return
    # the project's allowlisted weights_only loader, as the runner's own
    ckpt = load_from_local(load_from, map_location='cpu')
    if isinstance(ckpt, dict) and 'message_hub' in ckpt:
        return
    if osp.isfile(osp.join(cfg.work_dir, 'last_checkpoint')):
        cfg.load_from = None  # mmengine: the work dir's latest checkpoint
        print_colored_log(
            f'--resume: {load_from} holds weights only (the fine-tune\'s '
            f'start); resuming from the latest checkpoint of {cfg.work_dir}')
    else:
        cfg.resume = False
        print_colored_log(
            f'--resume: no checkpoint in {cfg.work_dir} yet; starting from '
            f'the weights of {load_from}')


def schedule_mismatch(cfg) -> list:
    """What is wrong between the run's length and its iteration-based
    learning-rate schedule, one line each (none: they agree).

    A config sets ``param_scheduler``'s periods from its own iteration
    count, so ``--cfg-options train_cfg.max_iters=N`` alone changes the run
    and not its schedule: past the schedule's end the learning rate stays
    at its floor (mmengine's cosine restarts keep the last value), and a
    schedule longer than the run is cut inside its last cycle.
    """
    max_iters = (cfg.get('train_cfg') or {}).get('max_iters')
    scheds = cfg.get('param_scheduler')
    if not max_iters or not scheds:
        return []
    scheds = [scheds] if isinstance(scheds, dict) else list(scheds)
    ends = []
    for sched in scheds:
        if sched.get('by_epoch', True):
            continue
        if sched.get('periods') is not None:
            end = sched.get('begin', 0) + sum(sched['periods'])
        else:
            end = sched.get('end')
            if end is None or end >= 2**31 - 1:  # mmengine's INF
                return []  # one runs to the end, whatever its length
        ends.append((end, sched.get('type', 'scheduler')))
    if not ends:
        return []
    end, name = max(ends)
    if end == max_iters:
        return []
    what = (f'the learning rate stays at its floor for the last '
            f'{max_iters - end} iterations' if end < max_iters else
            f'the run stops {end - max_iters} iterations before its end')
    return [
        f'param_scheduler ({name}) ends at iteration {end}, the run '
        f'(train_cfg.max_iters) at {max_iters}: {what}; set its periods '
        f'(or end) to match, e.g. with --cfg-options'
    ]


def hide_the_phase_one_scheduler_warning() -> None:
    """T-MAD's phase 1 (Eq.1) trains the coarse net alone: the patch
    critics' optimiser does not step, and at its first iteration mmengine's
    scheduler of it warns that ``scheduler.step()`` ran before
    ``optimizer.step()`` and that "the first value of the schedule" would be
    skipped. mmengine's schedules go by the iteration count, so no value is
    skipped; only that warning is hidden."""
    warnings.filterwarnings(
        'ignore',
        message=r'Detected call of `scheduler\.step\(\)` before '
        r'`optimizer\.step\(\)`',
        category=UserWarning,
        module=r'mmengine\.optim\.scheduler')


def main(argv=None):
    args = parse_args(argv)
    cli.require_file(args.config, 'config')

    # load config
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir is determined in this priority: CLI > segment in file > filename
    if args.work_dir:  # none or empty str
        # update configs according to CLI args if args.work_dir is not None
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        # use config filename as default work_dir if cfg.work_dir is None
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    # enable automatic-mixed-precision training
    if args.amp is True:
        enable_amp(cfg)

    for line in schedule_mismatch(cfg):
        warnings.warn(line)
    if cfg.model.get('type') == 'TMADInpaintor':
        hide_the_phase_one_scheduler_warning()

    if args.resume:
        cfg.resume = True
    check_work_dir(cfg.work_dir, bool(cfg.get('resume')), args.overwrite)
    resume_point(cfg)
    cli.check_annotation_lists(
        cfg, ['train_dataloader'] +
        (['val_dataloader'] if cfg.get('val_cfg') is not None else []))

    if args.tensorboard:
        backends = cfg.visualizer.setdefault('vis_backends', [])
        if not any(b.get('type') == 'TensorboardVisBackend'
                   for b in backends):
            backends.append(dict(type='TensorboardVisBackend'))

    # gloo + CPU DDP arguments when `--launcher pytorch` runs without CUDA
    setup_cpu_distributed(cfg)

    # build the runner from config
    runner = Runner.from_cfg(cfg)

    print_colored_log(f'Working directory: {cfg.work_dir}')
    print_colored_log(f'Log directory: {runner._log_dir}')

    # start training
    runner.train()

    print_colored_log(f'Log saved under {runner._log_dir}')
    print_colored_log(f'Checkpoint saved under {cfg.work_dir}')
    teardown_distributed()


if __name__ == '__main__':
    sys.exit(cli.run(main))
