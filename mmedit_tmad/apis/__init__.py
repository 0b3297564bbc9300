# Copyright (c) OpenMMLab. All rights reserved.
"""Inference on a user's own photo: ``init_model`` and ``inpaint``; an
exported file: ``export_model`` and ``init_exported``."""
from .exported import ExportedTMAD, export_model, init_exported
from .inpainting import (InpaintResult, InpaintWindow, crop_windows, inpaint,
                         size_unit)
from .masks import draw_mask, make_mask, parse_box, parse_stroke, read_mask
from .model_init import check_checkpoint_file, init_model, resolve_device
from .model_zoo import list_models, resolve_config, resolve_model

__all__ = [
    'init_model', 'inpaint', 'InpaintResult', 'InpaintWindow', 'crop_windows',
    'size_unit', 'draw_mask', 'make_mask', 'parse_box', 'parse_stroke',
    'read_mask', 'resolve_device', 'check_checkpoint_file', 'list_models',
    'resolve_model', 'resolve_config', 'export_model', 'init_exported',
    'ExportedTMAD'
]
