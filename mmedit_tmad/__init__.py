# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD image inpainting for OpenMMLab mmagic.

``import mmedit_tmad`` registers every T-MAD module into mmagic's registries
and makes runner checkpoints loadable on torch >= 2.6; a config only adds::

    custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)
"""
import os
import warnings

import numpy as np

# albumentations, which mmagic's data transforms import, asks PyPI for its
# latest version on every import (a network call with a 2 s timeout, and a
# warning where there is no network). Nothing here goes to the network at
# run time: the check is off unless the user has set the variable.
os.environ.setdefault('NO_ALBUMENTATIONS_UPDATE', '1')

# mmagic 1.2 reads ``np.bool8`` at import time, an alias that numpy 2
# removed (the CPU set-up pins numpy 1.26; GPU images ship numpy 2, whose
# builds of scipy and OpenCV need it): the alias is restored, nothing else.
if not hasattr(np, 'bool8'):
    np.bool8 = np.bool_

from .utils.cli import filter_third_party_warnings  # noqa: E402
from .version import __version__, version_info  # noqa: E402

# mmagic imports transformers and diffusers, whose import warns
# (FutureWarning) about deprecated torch APIs that they call themselves:
# nothing a user of mmedit_tmad can act on. Those warnings alone are hidden
# while the host is imported; the tools hide them for the whole run.
with warnings.catch_warnings():
    filter_third_party_warnings()
    from . import datasets, engine, evaluation, models  # noqa: F401

__all__ = ['__version__', 'version_info']
