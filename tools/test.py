# Copyright (c) OpenMMLab. All rights reserved.
import argparse
import os
import os.path as osp

import mmengine
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmagic.utils import print_colored_log

import mmedit_tmad  # noqa: F401  registers the T-MAD modules, checkpoint I/O
from mmedit_tmad.utils import setup_cpu_distributed, teardown_distributed


#: Tab.III's columns and the metric names they come from.
TABLE_COLUMNS = [('l1', 'mae'), ('PSNR', 'psnr'), ('SSIM', 'ssim'),
                 ('TV', 'tv'), ('FID', 'fid')]


def metrics_table(metrics: dict) -> str:
    """One Markdown row of l1 | PSNR | SSIM | TV | FID, '-' when absent."""
    # mmagic names: 'MAE', 'PSNR', 'SSIM'; ours 'TV'; TransFID '<prefix>/fid'
    find = {k.split('/')[-1].lower(): v for k, v in metrics.items()}
    cells = [
        f'{find[key]:.3f}' if key in find else '-'
        for _, key in TABLE_COLUMNS
    ]
    head = ' | '.join(name for name, _ in TABLE_COLUMNS)
    return (f'| {head} |\n|' + '---|' * len(TABLE_COLUMNS) +
            f'\n| {" | ".join(cells)} |')


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='the file to save metric results.')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # When using PyTorch version >= 2.0.0, the `torch.distributed.launch`
    # will pass the `--local-rank` parameter to `tools/train.py` instead
    # of `--local_rank`.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()

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

    cfg.load_from = args.checkpoint

    # gloo + CPU DDP arguments when `--launcher pytorch` runs without CUDA
    setup_cpu_distributed(cfg)

    # build the runner from config
    runner = Runner.from_cfg(cfg)

    print_colored_log(f'Working directory: {cfg.work_dir}')
    print_colored_log(f'Log directory: {runner._log_dir}')

    class MetricsHook(Hook):
        """Prints the paper's Tab.III columns; writes --out."""

        def after_test_epoch(self, runner, metrics=None):
            # metrics may be 0-d tensors, which json cannot dump
            metrics = {k: float(v) for k, v in (metrics or {}).items()}
            if runner.rank == 0 and metrics:
                print_colored_log('\n' + metrics_table(metrics))
            if args.out and metrics:
                mmengine.dump(metrics, args.out)

    runner.register_hook(MetricsHook(), 'LOWEST')

    # start testing
    runner.test()
    teardown_distributed()


if __name__ == '__main__':
    main()
