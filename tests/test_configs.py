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


def base_depth(path: str) -> int:
    """Levels of ``_base_`` below a config (``mmagic::`` bases count 1)."""
    bases = [
        b if b.startswith('mmagic::') else osp.normpath(
            osp.join(osp.dirname(path), b))
        for b in Config._get_base_files(path)
    ]
    return max((1 if b.startswith('mmagic::') else 1 + base_depth(b)
                for b in bases),
               default=0)


def test_base_depth_is_measured():
    irregular = osp.join(ROOT, 'configs', 'tmad',
                         'tmad_irregular_4xb4_places-256x256.py')
    # irregular -> places -> tmad_runtime -> mmagic::inpaint_default_runtime
    assert base_depth(irregular) == 3


def test_configs_found():
    assert any('/configs/tmad/' in p for p in CONFIGS)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path, random_vgg):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['mmedit_tmad']
    assert cfg.default_scope == 'mmagic'
    init_default_scope(cfg.default_scope)
    model = MODELS.build(cfg.model)
    # the classical rows (configs/classical) have nothing to learn
    non_learned = {
        'TeleaInpaintor', 'PatchMatchInpaintor', 'BiharmonicInpaintor'
    }
    assert sum(p.numel() for p in model.parameters()) > 0 or \
        cfg.model.type in non_learned
    # the base depth rule: configs/<dir>/x.py -> at most 3 levels of _base_
    depth = base_depth(path)
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


@pytest.mark.parametrize('name,prefix_key', [
    ('tmad_4xb4_places-256x256.py', 'places'),
    ('tmad_irregular_4xb4_places-256x256.py', 'places'),
    ('tmad_4xb4_celeba-256x256.py', 'celeba'),
    ('tmad_4xb4_paris-256x256.py', 'paris'),
])
def test_paper_dataset_configs_build(name, prefix_key, tmp_path):
    """Places / CelebA-HQ / Paris configs read a folder laid out as stated;
    their test pipelines load the fixed evaluation masks."""
    import cv2
    import make_fixed_masks
    import numpy as np
    masks = make_fixed_masks.main(
        ['--out', str(tmp_path / 'masks'), '--size', '256', '--num', '2'])
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'tmad', name))
    init_default_scope(cfg.default_scope)
    for key in ('train_dataloader', 'val_dataloader'):
        ds_cfg = cfg[key]['dataset']
        fixed = [
            t for t in ds_cfg.pipeline if t['type'] == 'TMADLoadFixedMask'
        ]
        assert bool(fixed) == (key == 'val_dataloader')
        for t in fixed:
            t['mask_list'] = t['mask_list'].replace(cfg.mask_root, masks)
        root = tmp_path / key
        folder = root / ds_cfg.data_prefix['gt']
        folder.mkdir(parents=True)
        # an official-style list line: leading '/' stripped by the converter
        cv2.imwrite(str(folder / 'img0.jpg'),
                    np.random.RandomState(0).randint(
                        0, 255, (400, 500, 3)).astype(np.uint8))
        ann = root / ds_cfg.ann_file
        ann.parent.mkdir(parents=True, exist_ok=True)
        ann.write_text('img0.jpg 3\n')
        ds_cfg.data_root = str(root)
        dataset = DATASETS.build(ds_cfg)
        assert len(dataset) == 1
        sample = dataset[0]
        assert sample['inputs'].shape == (3, 256, 256), prefix_key
        mask = sample['data_samples'].mask
        assert mask.shape[-2:] == (256, 256) and 0 < mask.sum() < 256 * 256
        if key == 'val_dataloader':  # the same hole every time
            again = dataset[0]['data_samples'].mask
            assert (again == mask).all()


@pytest.mark.parametrize(
    'path',
    [p for p in CONFIGS if '/configs/' in p and '/tests/' not in p],
    ids=osp.basename)
def test_evaluators_report_the_paper_columns(path):
    """Tab.III's columns: hole l1, PSNR, SSIM and TV, for every config."""
    cfg = Config.fromfile(path)
    for key in ('val_evaluator', 'test_evaluator'):
        if cfg.get(key) is None:
            continue
        types = {e['type'] for e in cfg[key]}
        assert {'MAE', 'PSNR', 'SSIM', 'TMADTV'} <= types, (key, types)


def test_psnet_ablations_share_one_protocol():
    """Tab.V/VI on the shipped model: every variant is the N_c = 4 file with
    one change of the model, and starts from the shipped coarse net, frozen,
    with a PSNet and retrieval of its own."""
    import torch
    folder = osp.join(ROOT, 'configs', 'tmad', 'ablations')
    ref = Config.fromfile(
        osp.join(folder, 'tmad_psnet-nc4_1xb4_photos-256x256.py'))
    changes = {
        'nc1': {'retrieval', 'psnet'},
        'nc2': {'retrieval', 'psnet'},
        'nc6': {'retrieval', 'psnet'},
        'wsum': {'retrieval', 'psnet'},
        'lgan': {'loss_pd', 'loss_patch_gan'},
        'noblend': {'loss_blend'},
    }
    skip = {'experiment_name', 'work_dir', 'model'}
    for name, keys in changes.items():
        cfg = Config.fromfile(
            osp.join(folder, f'tmad_psnet-{name}_1xb4_photos-256x256.py'))
        assert cfg.work_dir.endswith(f'tmad_psnet-{name}_1xb4_photos-'
                                     '256x256')
        assert {k: v for k, v in cfg.to_dict().items() if k not in skip} \
            == {k: v for k, v in ref.to_dict().items() if k not in skip}
        differ = {
            k
            for k in set(cfg.model) | set(ref.model)
            if cfg.model.get(k) != ref.model.get(k)
        }
        assert differ == keys, name
    assert ref.model.train_cfg.frozen_modules == ['generator']
    assert ref.model.train_cfg.coarse_iters == 0
    init_default_scope(ref.default_scope)
    model = MODELS.build(ref.model)
    shipped = torch.load(
        osp.join(ROOT, ref.shipped), map_location='cpu')['state_dict']
    for key, value in model.generator.state_dict().items():
        assert torch.equal(value, shipped[f'generator.{key}'].float()), key
    # PSNet starts from scratch, not from the shipped one
    psnet = model.psnet.state_dict()
    assert any(not torch.equal(v, shipped[f'psnet.{k}'].float())
               for k, v in psnet.items())


def test_fill_prior_ablation_differs_in_the_prior_only():
    folder = osp.join(ROOT, 'configs', 'tmad', 'ablations')
    cfgs = {
        v: Config.fromfile(
            osp.join(folder, f'tmad_prior-{v}_1xb4_photos-256x256.py'))
        for v in ('telea', 'none', 'patchmatch', 'biharmonic')
    }
    dicts = {v: c.to_dict() for v, c in cfgs.items()}
    for d in dicts.values():
        d.pop('experiment_name'), d.pop('work_dir')
        assert d['model']['train_cfg']['coarse_iters'] == \
            d['train_cfg']['max_iters']  # phase 1 only
    assert dicts['telea']['model']['encdec'].pop('fill_prior') == 'telea'
    assert dicts['none']['model']['encdec'].pop('fill_prior') is None
    assert dicts['patchmatch']['model']['encdec'].pop(
        'fill_prior') == 'patchmatch'
    assert dicts['biharmonic']['model']['encdec'].pop(
        'fill_prior') == 'biharmonic'
    assert dicts['telea'] == dicts['none'] == dicts['patchmatch'] == \
        dicts['biharmonic']


def _leaves(obj, prefix=''):
    """Flat ``{dotted.path: value}`` of a nested dict / list."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)) and any(
            isinstance(v, (dict, list, tuple)) for v in obj):
        items = enumerate(obj)
    else:
        return {prefix: obj}
    out = {}
    for key, value in items:
        out.update(_leaves(value, f'{prefix}{key}.'))
    return out


def test_recipe_ablations_change_one_choice():
    """Each recipe-* file is the Telea-prior reference run with one choice
    changed (the batch file keeps the number of training images)."""
    folder = osp.join(ROOT, 'configs', 'tmad', 'ablations')

    def load(name):
        d = _leaves(Config.fromfile(osp.join(folder, name)).to_dict())
        return {
            k: v
            for k, v in d.items()
            if not k.startswith(('experiment_name', 'work_dir'))
        }

    ref = load('tmad_prior-telea_1xb4_photos-256x256.py')
    changes = {
        'lr5e-4_1xb4': {'optim_wrapper.generator.optimizer.lr.': 5e-4},
        'c8_1xb4': {'model.encdec.channel_factor.': 8},
        'batch8_1xb8': {
            'iters.': 150,
            'model.train_cfg.coarse_iters.': 150,
            'train_cfg.max_iters.': 150,
            'param_scheduler.periods.': [150],
            'default_hooks.checkpoint.interval.': 150,
            'train_dataloader.batch_size.': 8,
        },
        'wideviews_1xb4': {
            'train_pipeline.1.scale.': (0.6, 1.0),
            'train_dataloader.dataset.pipeline.1.scale.': (0.6, 1.0),
        },
    }
    for name, expected in changes.items():
        cfg = load(f'tmad_recipe-{name}_photos-256x256.py')
        differ = {
            k: cfg.get(k)
            for k in set(cfg) | set(ref) if cfg.get(k) != ref.get(k)
        }
        assert differ == expected, name
    cfg = load('tmad_recipe-constlr_1xb4_photos-256x256.py')
    differ = {k for k in set(cfg) | set(ref) if cfg.get(k) != ref.get(k)}
    assert differ and all(k.startswith('param_scheduler.') for k in differ)
    assert cfg['param_scheduler.type.'] == 'ConstantLR'
    assert cfg['param_scheduler.factor.'] == 1.0


def test_longer_training_continues_phase_one_from_the_shipped_weights():
    """tmad_longer-3800it: the shipped config, started from the zoo's
    weights, with phase 1 running for every one of its iterations (the
    weights carry ``cur_iter``, which the phase is decided by)."""
    import torch

    from mmedit_tmad.apis.model_zoo import resolve_model
    shipped = resolve_model('tmad_telea_1xb4_photos-256x256')
    ref = _leaves(Config.fromfile(shipped['config']).to_dict())
    cfg = _leaves(
        Config.fromfile(
            osp.join(ROOT, 'configs', 'tmad', 'ablations',
                     'tmad_longer-3800it_1xb4_photos-256x256.py')).to_dict())
    differ = {
        k: cfg.get(k)
        for k in set(cfg) | set(ref) if cfg.get(k) != ref.get(k)
        and not k.startswith(('experiment_name', 'work_dir'))
    }
    assert osp.abspath(differ.pop('load_from.')) == osp.abspath(
        osp.join(ROOT, shipped['weights']))
    state = torch.load(
        osp.join(ROOT, shipped['weights']), map_location='cpu')['state_dict']
    more = differ.pop('more_iters.')
    assert differ.pop('model.train_cfg.coarse_iters.') == \
        int(state['cur_iter']) + more
    assert differ.pop('train_cfg.max_iters.') == more
    assert differ.pop('param_scheduler.periods.') == [more]
    assert set(differ) == {
        'optim_wrapper.generator.optimizer.lr.', 'train_cfg.val_interval.',
        'param_scheduler.restart_weights.', 'randomness.seed.',
        'default_hooks.checkpoint.interval.',
        'default_hooks.checkpoint.max_keep_ckpts.'
    }


def _config_dict(*parts) -> dict:
    """A config under configs/ as a dict, without its run names."""
    d = Config.fromfile(osp.join(ROOT, 'configs', *parts)).to_dict()
    d.pop('experiment_name'), d.pop('work_dir')
    return d


def test_border_ablation_is_the_texture_first_entry_faded_in():
    """tmad_synthesis-border differs from the zoo's texture-first entry in
    the guide's fade-in alone (README: "Fading the guide in")."""
    zoo = _config_dict('tmad', 'tmad_telea-pmtexture_1xb4_photos-256x256.py')
    border = _config_dict('tmad', 'ablations',
                          'tmad_synthesis-border_1xb4_photos-256x256.py')
    synth = border['model']['texture_synthesis']
    assert (synth.pop('guide_border'), synth.pop('guide_ramp')) == (4., 4.)
    assert border == zoo


def test_biharmonic_entries_are_the_telea_ones_with_the_new_prior():
    """tmad_biharmonic(-pmtexture): the Telea-prior entry (-pmtexture) with
    the biharmonic prior and the fine-tune from its weights; the two
    differ in the synthesis' guide alone."""
    def load(name):
        return _config_dict('tmad', f'tmad_{name}_1xb4_photos-256x256.py')

    bh, bh_pm = load('biharmonic'), load('biharmonic-pmtexture')
    telea, telea_pm = load('telea'), load('telea-pmtexture')
    assert bh['model']['encdec']['fill_prior'] == 'biharmonic'
    assert bh['load_from'].endswith(
        'tmad_telea_1xb4_photos-256x256_20261130-277f66e7.pth')
    assert bh['model']['train_cfg']['coarse_iters'] == \
        2000 + bh['train_cfg']['max_iters']  # phase 1 from iteration 2000
    synth = bh_pm['model']['texture_synthesis']
    assert synth == telea_pm['model']['texture_synthesis']
    assert (synth.pop('guide'), synth.pop('guide_sigma')) == \
        ('patchmatch', 4.)
    assert bh_pm == bh
    # against the Telea-prior entry: the prior and the training alone
    for key in ('load_from', 'more_iters', 'randomness', 'param_scheduler',
                'optim_wrapper', 'train_cfg', 'default_hooks'):
        bh.pop(key, None), telea.pop(key, None)
    bh['model']['encdec'].pop('fill_prior')
    telea['model']['encdec'].pop('fill_prior')
    bh['model']['train_cfg'].pop('coarse_iters')
    telea['model']['train_cfg'].pop('coarse_iters')
    assert bh == telea


def test_the_longer_deepfillv2_is_the_first_one_trained_on():
    """deepfillv2_longer-640it: the same-time DeepFillv2 config, started
    from its published weights for 170 more iterations, nothing else."""
    first = _config_dict('deepfillv2', 'deepfillv2_1xb4_photos-256x256.py')
    longer = _config_dict(
        'deepfillv2', 'deepfillv2_longer-640it_1xb4_photos-256x256.py')
    assert longer.pop('load_from').endswith(
        'deepfillv2_1xb4_photos-256x256_20261130-5c96b09a.pth')
    assert longer.pop('randomness') == dict(seed=1)
    assert first.pop('randomness') == dict(seed=0)
    assert longer['train_cfg'].pop('max_iters') == 170
    assert first['train_cfg'].pop('max_iters') == 470
    longer.pop('default_hooks'), first.pop('default_hooks')
    assert first.pop('load_from', None) is None
    assert longer == first


def test_the_telea_control_is_the_biharmonic_entry_without_its_prior():
    """tmad_longer-2600it: the biharmonic entry's fine-tune, with the
    shipped Telea prior kept (the control of the prior's gain)."""
    bh = _config_dict('tmad', 'tmad_biharmonic_1xb4_photos-256x256.py')
    ctrl = _config_dict('tmad', 'ablations',
                        'tmad_longer-2600it_1xb4_photos-256x256.py')
    assert ctrl['model']['encdec']['fill_prior'] == 'telea'
    assert bh['model']['encdec'].pop('fill_prior') == 'biharmonic'
    ctrl['model']['encdec'].pop('fill_prior')
    assert ctrl == bh


def test_finetune_config_is_the_shipped_recipe_on_a_folder(tmp_path):
    """tmad_telea-finetune: the zoo's weights, the coarse net trained on
    (phase 1) for every iteration of the run at a learning rate below the
    zoo's, on ``data/my_photos``; its validation gives photos of any size
    and aspect the fixed 256x256 holes."""
    import cv2
    import make_fixed_masks
    import numpy as np
    import torch

    from mmedit_tmad.apis.model_zoo import resolve_model
    shipped = resolve_model('tmad_telea_1xb4_photos-256x256')
    path = osp.join(ROOT, 'configs', 'tmad',
                    'tmad_telea-finetune_1xb4_folder-256x256.py')
    cfg = Config.fromfile(path)
    ref = Config.fromfile(shipped['config'])
    assert osp.abspath(cfg.load_from) == osp.abspath(
        osp.join(ROOT, shipped['weights']))
    state = torch.load(
        osp.join(ROOT, shipped['weights']), map_location='cpu')['state_dict']
    # phase 1 (Eq.1) from the first iteration to the last
    iters = cfg.train_cfg.max_iters
    assert cfg.model.train_cfg.coarse_iters == int(state['cur_iter']) + iters
    cfg.model.train_cfg.coarse_iters = ref.model.train_cfg.coarse_iters
    assert cfg.model == ref.model
    assert cfg.train_dataloader.dataset.pipeline == \
        ref.train_dataloader.dataset.pipeline
    # gentler than the zoo's start, one cosine cycle over the run
    for group in ('generator', 'disc'):
        lr = cfg.optim_wrapper[group].optimizer.lr
        assert cfg.param_scheduler.eta_min < lr < \
            ref.optim_wrapper[group].optimizer.lr
    assert cfg.param_scheduler.periods == [iters]
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.data_root == 'data/my_photos'

    masks = make_fixed_masks.main([
        '--out', str(tmp_path / 'masks'), '--size', '256', '--num', '2',
        '--kinds', 'rect_large'
    ])
    root = tmp_path / 'my_photos'
    (root / 'val').mkdir(parents=True)
    rng = np.random.RandomState(0)
    photos = {  # name: the file's shape; a grey one and a small one
        'wide.jpg': (217, 300, 3),
        'tall.png': (700, 410, 3),
        'grey_small.png': (90, 120)
    }
    for name, shape in photos.items():
        cv2.imwrite(str(root / 'val' / name),
                    rng.randint(0, 255, shape).astype(np.uint8))
    (root / 'meta').mkdir()
    (root / 'meta' / 'val.txt').write_text('\n'.join(photos) + '\n')
    init_default_scope(cfg.default_scope)
    ds_cfg = cfg.val_dataloader.dataset
    ds_cfg.data_root = str(root)
    for t in ds_cfg.pipeline:
        if t['type'] == 'TMADLoadFixedMask':
            t['mask_list'] = t['mask_list'].replace(ref.mask_root, masks)
    dataset = DATASETS.build(ds_cfg)
    fixed = [
        cv2.imread(osp.join(masks, 'rect_large', f'{i:05d}.png'), 0) > 0
        for i in range(2)
    ]
    for i, name in enumerate(photos):
        sample = dataset[i]
        assert sample['inputs'].shape == (3, 256, 256)
        mask = sample['data_samples'].mask.numpy().squeeze() > 0
        assert (mask == fixed[i % 2]).all()
    # the centre of the photo, its shorter side resized to 256
    tall = cv2.imread(str(root / 'val' / 'tall.png'))
    tall = cv2.resize(
        tall, (256, 700 * 256 // 410), interpolation=cv2.INTER_AREA)
    top = (tall.shape[0] - 256) // 2
    gt = dataset[1]['data_samples'].gt_img.numpy().transpose(1, 2, 0)
    assert np.abs(gt.astype(float) - tall[top:top + 256]).max() <= 1
