# Copyright (c) OpenMMLab. All rights reserved.
"""The README's main job: train and evaluate on the embedded real photos.

Builds the embedded dataset from photos that installed packages ship (no
download), trains the given config on CPU, evaluates the last checkpoint on
the held-out photos and prints the metrics.

Usage:
    python tools/demo.py [--config CFG] [--iters N] [--work-dir DIR]
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

import mmedit_tmad  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
import embedded_photos  # noqa: E402

DEFAULT_CONFIG = osp.join(ROOT, 'configs', 'tmad',
                          'tmad_coarse_1xb4_embedded-128x128.py')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--iters', type=int, default=300,
                        help='training iterations (~1 s each on 2 cores)')
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'embedded'))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs',
                                                       'demo'))
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    crop = cfg.input_shape[0]
    if not osp.isfile(osp.join(args.data, 'meta', 'train.txt')):
        counts = embedded_photos.build(args.data, crop)
        print(f'embedded photos: {counts} crops of {crop}x{crop} in '
              f'{args.data}')
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = args.data
    cfg.work_dir = args.work_dir
    if args.iters is not None:
        cfg.train_cfg.max_iters = args.iters
        cfg.default_hooks.checkpoint.interval = args.iters
    # evaluated once, after training, by runner.test()
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = {}

    class KeepMetrics(Hook):
        # mmagic's MultiTestLoop hands the metrics to hooks only

        def after_test_epoch(self, runner, metrics=None):
            metrics_out.update(metrics or {})

    metrics_out = metrics
    runner.register_hook(KeepMetrics(), 'LOWEST')
    runner.test()
    metrics = {k: float(v) for k, v in metrics.items()}
    print('\nheld-out photos, random rectangle holes:')
    print('| ' + ' | '.join(metrics) + ' |')
    print('|' + '---|' * len(metrics))
    print('| ' + ' | '.join(f'{v:.3f}' for v in metrics.values()) + ' |')
    print(f'work dir: {args.work_dir}')


if __name__ == '__main__':
    main()
