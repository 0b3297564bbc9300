# Copyright (c) OpenMMLab. All rights reserved.
"""AOT-GAN's soft-mask PatchGAN, initialisable by mmengine's runner."""
from mmagic.models.archs import SoftMaskPatchDiscriminator

from mmedit_tmad.registry import MODELS


@MODELS.register_module()
class AOTSoftMaskPatchDiscriminator(SoftMaskPatchDiscriminator):
    """mmagic's ``SoftMaskPatchDiscriminator`` with a working init.

    Same layers, forward and initialisation as mmagic's class. mmagic 1.2's
    ``generation_init_weights`` reads an unset local (``init_info``) for
    every module that is neither a conv nor a batch norm once mmengine has
    attached ``_params_init_info`` to the modules, which the runner does
    before ``init_weights``: ``tools/train.py`` with mmagic's AOT-GAN config
    stops with ``UnboundLocalError``. This class hides that attribute while
    mmagic's init runs (only the init log lines are lost) and restores it.
    """

    def init_weights(self) -> None:
        """mmagic's normal(0, 0.02) init, safe inside the runner."""
        hidden = {}
        for module in self.modules():
            if '_params_init_info' in module.__dict__:
                hidden[module] = module.__dict__.pop('_params_init_info')
        try:
            super().init_weights()
        finally:
            for module, info in hidden.items():
                module._params_init_info = info
