# Copyright (c) OpenMMLab. All rights reserved.
"""mmagic's ``LoadImageFromFile`` with a clear error for undecodable files."""
import numpy as np
from mmagic.datasets.transforms import LoadImageFromFile

from mmedit_tmad.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TMADLoadImageFromFile(LoadImageFromFile):
    """Load an image; an empty, truncated or corrupt file is named.

    mmagic's ``LoadImageFromFile`` hands the bytes to ``mmcv.imfrombytes``,
    which returns ``None`` for a file it cannot decode (the next transform
    then fails with ``'NoneType' object has no attribute 'ndim'``) and lets
    OpenCV's ``!buf.empty()`` assertion through for an empty file. Here both
    raise an ``OSError`` with the path and the file size.

    With the default ``color_type='color'`` (as mmagic), other formats have
    a defined result, as for any OpenCV colour read: grayscale is repeated
    to 3 channels, 16-bit images are scaled to 8 bits (``value >> 8``) and
    an alpha channel is dropped. Arguments are mmagic's.
    """

    def _load_image(self, filename):
        try:
            img = super()._load_image(filename)
        except FileNotFoundError:
            raise
        except Exception as err:  # OpenCV's assertion on an empty buffer
            raise OSError(
                f'cannot decode image file {filename} '
                f'({self._size(filename)}): empty or not an image') from err
        if not isinstance(img, np.ndarray):
            raise OSError(f'cannot decode image file {filename} '
                          f'({self._size(filename)}): corrupt or truncated')
        return img

    def _size(self, filename) -> str:
        try:
            return f'{len(self.file_backend.get(filename))} bytes'
        except Exception:  # noqa: BLE001  only for the message
            return 'size unknown'
