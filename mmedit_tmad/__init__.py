# Copyright (c) OpenMMLab. All rights reserved.
"""T-MAD image inpainting for OpenMMLab mmagic.

``import mmedit_tmad`` registers every T-MAD module into mmagic's registries
and makes runner checkpoints loadable on torch >= 2.6; a config only adds::

    custom_imports = dict(imports=['mmedit_tmad'], allow_failed_imports=False)
"""
from . import datasets, engine, evaluation, models  # noqa: F401  (registration)
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
