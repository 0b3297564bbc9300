# Copyright (c) OpenMMLab. All rights reserved.
"""mmagic's ``LoadImageFromFile`` with a clear error for undecodable files."""
import os.path as osp

import numpy as np
from mmagic.datasets.transforms import LoadImageFromFile
from mmengine.fileio import get_file_backend

from mmedit_tmad.registry import TRANSFORMS
from mmedit_tmad.utils.image_io import imfrombytes_checked


@TRANSFORMS.register_module()
class TMADLoadImageFromFile(LoadImageFromFile):
    """Load an image; an empty, truncated or corrupt file is named.

    mmagic's ``LoadImageFromFile`` hands the bytes to ``mmcv.imfrombytes``,
    which returns ``None`` for a file it cannot decode (the next transform
    then fails with ``'NoneType' object has no attribute 'ndim'``), lets
    OpenCV's ``!buf.empty()`` assertion through for an empty file, and
    decodes a truncated JPEG with its missing rows grey. Here each case
    raises an ``OSError`` (:class:`~mmedit_tmad.utils.image_io.
    ImageDecodeError`) with the path and the file size; a missing file is
    the file backend's ``FileNotFoundError``, which names it.

    With the default ``color_type='color'`` (as mmagic), other formats have
    a defined result, as for any OpenCV colour read: grayscale is repeated
    to 3 channels, 16-bit images are scaled to 8 bits (PNG: ``value >> 8``) and
    an alpha channel is dropped. Arguments are mmagic's.
    """

    def _load_image(self, filename: str) -> np.ndarray:
        if self.file_backend is None:
            self.file_backend = get_file_backend(
                uri=filename, backend_args=self.backend_args)
        key = filename
        if (self.backend_args or {}).get('backend') == 'lmdb':
            key = osp.splitext(osp.basename(filename))[0]
        if key in self.cache:
            content = self.cache[key]
        else:
            content = self.file_backend.get(key)
            if self.use_cache:
                self.cache[key] = content
        return imfrombytes_checked(
            content,
            filename,
            flag=self.color_type,
            channel_order=self.channel_order,
            backend=self.imdecode_backend)
