# Copyright (c) OpenMMLab. All rights reserved.
"""Every config under configs/ (and tests/configs/) loads and builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmedit_tmad.registry import DATASETS, MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '/_base_/' not in p) + sorted(
                             glob.glob(osp.join(ROOT, 'tests', 'configs',
                                                '*.py')))


def test_configs_found():
    assert any('/configs/tmad/' in p for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path, random_vgg):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['mmedit_tmad']
    assert cfg.default_scope == 'mmagic'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    # the base depth rule: configs/<dir>/x.py -> at most 3 levels of _base_
    depth, frontier = 0, [path]
    while frontier:
        nxt = []
        for p in frontier:
            if p.startswith('mmagic::'):
                continue
            bases = Config._get_base_files(p) if hasattr(
                Config, '_get_base_files') else []
            nxt += [
                b if b.startswith('mmagic::') else osp.normpath(
                    osp.join(osp.dirname(p), b)) for b in bases
            ]
        frontier = [p for p in nxt]
        depth += bool(nxt)
    assert depth <= 3, f'{path}: _base_ is {depth} levels deep'


@pytest.mark.parametrize(
    'path', [p for p in CONFIGS if 'embedded' in osp.basename(p)],
    ids=osp.basename)
def test_embedded_dataset_builds(path, embedded_32, tmp_path):
    import make_fixed_masks
    masks = make_fixed_masks.main(
        ['--out', str(tmp_path), '--size', '32', '--num', '4', '--kinds',
         'rect'])
    cfg = Config.fromfile(path)
    init_default_scope(cfg.default_scope)
    for key in ('train_dataloader', 'val_dataloader'):
        ds_cfg = cfg[key]['dataset']
        ds_cfg['data_root'] = embedded_32
        for t in ds_cfg.pipeline:
            if t['type'] == 'TMADLoadFixedMask':
                t['mask_list'] = osp.join(masks, 'rect', 'list.txt')
            if 'mask_config' in t and 'img_shape' in t['mask_config']:
                t['mask_config']['img_shape'] = (32, 32)
                t['mask_config']['max_bbox_shape'] = (16, 16)
                t['mask_config']['max_bbox_delta'] = 8
                t['mask_config']['min_margin'] = 4
        dataset = DATASETS.build(ds_cfg)
        assert len(dataset) > 0
        sample = dataset[0]
        assert sample['inputs'].shape[-2:] == (32, 32)
        assert sample['data_samples'].mask.shape[-2:] == (32, 32)
