# Copyright (c) OpenMMLab. All rights reserved.
"""Build an inpainting model from a config for inference (mmagic's way)."""
import copy
import os.path as osp
import zipfile
from typing import Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint

from mmedit_tmad.registry import MODELS
from .model_zoo import resolve_config
from mmedit_tmad.utils.precision import set_precision

# training-only parts of a T-MAD config that inference leaves out: the
# perceptual loss reads the VGG-19 weights file at construction; the
# discriminators and the losses on them are not shipped with the weights
_TRAIN_ONLY = ('loss_percep', 'disc', 'loss_pd', 'loss_patch_gan',
               'loss_blend')
# the same for mmagic's inpaintors (OneStageInpaintor and its subclasses):
# without ``disc`` they build no GAN loss either
_HOST_TRAIN_ONLY = ('disc', )


def drop_train_only(model_cfg: dict) -> list:
    """Set the training-only parts of an inpaintor's config to None, in
    place (``_TRAIN_ONLY`` of a ``TMADInpaintor``, ``_HOST_TRAIN_ONLY`` of
    mmagic's); returns the keys it dropped."""
    train_only = _TRAIN_ONLY if model_cfg.get('type') == 'TMADInpaintor' \
        else _HOST_TRAIN_ONLY
    dropped = [key for key in train_only if model_cfg.get(key) is not None]
    for key in dropped:
        model_cfg[key] = None
    return dropped


def resolve_device(device: Union[str, torch.device]) -> torch.device:
    """``'cpu'``, ``'cuda'``, ``'cuda:1'``... checked against this machine."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f'unknown device {device!r}') from err
    if dev.type == 'cuda':
        if not torch.cuda.is_available():
            raise RuntimeError(f'device {device!r} asked for, but CUDA is '
                               'not available here (use --device cpu)')
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise RuntimeError(f'device {device!r} asked for, but there are '
                               f'{torch.cuda.device_count()} CUDA devices')
    elif dev.type != 'cpu':
        raise ValueError(f'device must be cpu or cuda[:i], got {device!r}')
    return dev


def check_checkpoint_file(path: str) -> None:
    """A checkpoint file that ``torch.load`` can read, without reading it.

    torch saves a zip archive (since 1.6), whose directory is at its end: a
    truncated file has none. A file of the legacy format (a pickle) passes.
    Without this, torch fails with 'PytorchStreamReader failed reading zip
    archive', an ``EOFError`` without a message or a ``KeyError`` of a
    byte value, none of which names the file.

    Raises:
        FileNotFoundError: No file at ``path``.
        OSError: An empty, truncated or foreign file, named.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    size = osp.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(4)
    if zipfile.is_zipfile(path) or head[:1] == b'\x80':  # zip, or pickle
        return
    why = 'empty file' if size == 0 else \
        'truncated (the zip archive has no directory)' if \
        head == b'PK\x03\x04' else 'not a checkpoint saved by torch'
    raise OSError(f'cannot load checkpoint {path} ({size} bytes): {why}')


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               cfg_options: Optional[dict] = None,
               precision: str = 'auto') -> nn.Module:
    """Build an inpaintor from a config and load its weights, ready to infer.

    Like ``mmagic.apis.init_model``, with these differences: the default
    device is the CPU; training-only parts are left out (the critics and
    their losses, and ``loss_percep``, which reads the VGG-19 weights, of a
    ``TMADInpaintor``; the discriminator of mmagic's inpaintors), so weights
    published without them load, and so do full training checkpoints; the
    checkpoint must match the model (missing or unexpected weights raise a
    ValueError naming them, a missing file a FileNotFoundError, an empty,
    truncated or foreign file an OSError naming it). A T-MAD
    checkpoint saved in phase 1 keeps its iteration count, so the model
    returns the coarse result, as in testing.

    **Model zoo**: ``config`` may be a model name of ``model-index.yml``
    instead of a file, e.g. ``init_model('tmad_telea_1xb4_photos-256x256')``;
    its config is used, and its shipped weights (``checkpoints/``, checked
    against the metafile's sha256) unless ``checkpoint`` is given
    (:func:`mmedit_tmad.apis.model_zoo.resolve_model`).

    **Speed**: ``precision`` is resolved by
    :func:`mmedit_tmad.utils.set_precision`: bfloat16 autocast on a CPU
    with AMX, float32 elsewhere, and on a CPU a T-MAD model is laid out
    ``channels_last``. :func:`mmedit_tmad.apis.inpaint` runs the model at
    the resolved ``model.infer_precision``.

    Args:
        config (str | Config): Config file or object, or a model name.
        checkpoint (str, optional): Weights; None keeps the initial ones.
            Default: None.
        device (str | torch.device): ``'cpu'`` or ``'cuda[:i]'``.
            Default: 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config.
            Default: None.
        precision (str): ``'auto'``, ``'fp32'`` or ``'bf16'``.
            Default: 'auto'.

    Returns:
        nn.Module: The model in eval mode on ``device``, with ``cfg`` and
        ``infer_precision`` set.
    """
    if isinstance(config, str):
        try:
            config, checkpoint = resolve_config(config, checkpoint)
        except KeyError as err:
            raise FileNotFoundError(err.args[0]) from None
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        config = Config.fromfile(config)
    elif not isinstance(config, Config):
        raise TypeError('config must be a file path or a Config, got '
                        f'{type(config).__name__}')
    else:
        config = copy.deepcopy(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    dev = resolve_device(device)
    # mmedit_tmad's modules are registered: this package imported it
    init_default_scope(config.get('default_scope', 'mmagic'))
    model_cfg = config.model.copy()
    model_cfg.pop('init_cfg', None)
    dropped = drop_train_only(model_cfg)
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        check_checkpoint_file(checkpoint)
        ckpt = _load_checkpoint(checkpoint, map_location='cpu')
        state = ckpt.get('state_dict', ckpt)
        state = {
            k: v
            for k, v in state.items()
            if not any(k.startswith(f'{d}.') for d in dropped)
        }
        missing, unexpected = model.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ValueError(
                f'checkpoint {checkpoint} does not match the config: missing '
                f'{sorted(missing)[:8]}, unexpected {sorted(unexpected)[:8]}'
                f' ({len(missing)} and {len(unexpected)} in all)')
    model.cfg = config
    model.to(dev)
    model.eval()
    set_precision(model, precision)
    return model
