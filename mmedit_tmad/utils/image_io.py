# Copyright (c) OpenMMLab. All rights reserved.
"""Read an image file completely, or fail naming it.

OpenCV, under ``mmcv.imread`` / ``mmcv.imfrombytes``, is lenient in three
ways that turn a broken file into data:

* a **truncated JPEG** is decoded anyway: libjpeg prints "Premature end of
  JPEG file" on stderr and the missing rows come back grey (128);
* an **empty file** stops at an OpenCV assertion (``!buf.empty()``) that
  names nothing;
* a file that is **not an image** (a text file named ``.png``, a truncated
  PNG) comes back as ``None``, which fails later, elsewhere.

:func:`imfrombytes_checked` and :func:`imread_checked` turn each case into
an :class:`ImageDecodeError` naming the file and its size. They are the one
implementation behind the data pipeline (``TMADLoadImageFromFile``,
``TMADLoadFixedMask``), the inference API (``mmedit_tmad.apis``) and the
command-line tools.

JPEG, PNG, BMP and WebP files are checked for completeness from their
structure before decoding (a JPEG must reach its end-of-image marker, a PNG
its ``IEND`` chunk, a BMP or WebP file the size its header states; OpenCV
would print a log line for some of them); every file must decode (OpenCV
rejects a truncated TIFF file).
"""
import os.path as osp
import re
from typing import Optional

import mmcv
import numpy as np

__all__ = [
    'ImageDecodeError', 'image_file_problem', 'imfrombytes_checked',
    'imread_checked', 'imread_8bit'
]

_JPEG_SOI = b'\xff\xd8\xff'
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
# a JPEG marker: 0xFF and a code that is neither byte stuffing (0x00), a
# restart marker inside the scan (0xD0-0xD7) nor a fill byte (0xFF)
_JPEG_MARKER = re.compile(rb'\xff[\x01-\xcf\xd8-\xfe]')
# markers without a length field
_JPEG_STANDALONE = (0x01, 0xD8)


class ImageDecodeError(OSError, ValueError):
    """An image file that is empty, truncated or not an image.

    An ``OSError`` (as the data pipeline has always raised) and a
    ``ValueError`` (as the inference API raises for bad inputs).
    """


def _jpeg_problem(data: bytes) -> Optional[str]:
    """Why a JPEG stream is incomplete, or None if it reaches its end.

    Walks the marker segments (skipping each by its length, so thumbnails
    inside APP segments do not count) and the entropy-coded scans (where
    0xFF is always stuffed) up to the end-of-image marker.
    """
    pos, size = 2, len(data)
    while True:
        found = _JPEG_MARKER.search(data, pos)
        if found is None:
            return 'truncated: the JPEG data ends before its end marker'
        at, code = found.start(), data[found.start() + 1]
        if code == 0xD9:  # end of image
            return None
        if code in _JPEG_STANDALONE:
            pos = at + 2
            continue
        if at + 4 > size:
            return 'truncated inside a JPEG marker'
        pos = at + 2 + int.from_bytes(data[at + 2:at + 4], 'big')
        if pos > size:
            return 'truncated inside a JPEG segment'


def _png_problem(data: bytes) -> Optional[str]:
    """Why a PNG stream is incomplete, or None if it reaches ``IEND``."""
    pos, size = len(_PNG_SIGNATURE), len(data)
    while pos + 8 <= size:
        length = int.from_bytes(data[pos:pos + 4], 'big')
        kind = data[pos + 4:pos + 8]
        pos += 12 + length  # length, type, data, CRC
        if pos > size:
            break
        if kind == b'IEND':
            return None
    return 'truncated: the PNG data ends before its IEND chunk'


def _sized_problem(data: bytes, size: int, kind: str) -> Optional[str]:
    """A file shorter than the size its header states."""
    if size and len(data) < size:
        return (f'truncated: the {kind} data ends at byte {len(data)} of '
                f'{size}')
    return None


def image_file_problem(data: bytes) -> Optional[str]:
    """What is wrong with the bytes of an image file, from its structure.

    Only what can be told without decoding: an empty file, a JPEG or PNG
    that ends early, a BMP or WebP file shorter than its header states.
    Returns None when nothing is found (the file may still fail to decode).

    Args:
        data (bytes): The whole file.

    Returns:
        str | None: The problem, for an error message.
    """
    if not data:
        return 'empty file'
    if data.startswith(_JPEG_SOI):
        return _jpeg_problem(data)
    if data.startswith(_PNG_SIGNATURE):
        return _png_problem(data)
    if data.startswith(b'BM') and len(data) >= 6:  # file size at 2..5
        return _sized_problem(data, int.from_bytes(data[2:6], 'little'), 'BMP')
    if data.startswith(b'RIFF') and data[8:12] == b'WEBP':  # RIFF size + 8
        return _sized_problem(data,
                              int.from_bytes(data[4:8], 'little') + 8, 'WebP')
    return None


def imfrombytes_checked(content: bytes,
                        filename: str,
                        flag: str = 'unchanged',
                        channel_order: str = 'bgr',
                        backend: Optional[str] = None,
                        kind: str = 'image') -> np.ndarray:
    """``mmcv.imfrombytes`` for a whole file, with errors that name it.

    Args:
        content (bytes): The file's bytes.
        filename (str): Its name, for the error message.
        flag (str): ``mmcv.imfrombytes``'s flag. Default: 'unchanged'.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Default: 'bgr'.
        backend (str, optional): mmcv's decoding backend. Default: None
            (mmcv's current backend).
        kind (str): What the file is, for the message (``'image'``,
            ``'mask'``). Default: 'image'.

    Returns:
        np.ndarray: The decoded image.

    Raises:
        ImageDecodeError: The file is empty, truncated or not an image.
    """
    where = f'cannot decode {kind} file {filename} ({len(content)} bytes)'
    problem = image_file_problem(content)
    if problem is not None:
        raise ImageDecodeError(f'{where}: {problem}')
    try:
        img = mmcv.imfrombytes(
            content, flag=flag, channel_order=channel_order, backend=backend)
    except Exception as err:  # the decoder's own error
        raise ImageDecodeError(f'{where}: not an image ({err})') from err
    if not isinstance(img, np.ndarray) or img.size == 0:
        raise ImageDecodeError(f'{where}: corrupt, truncated or not an image')
    return img


def imread_checked(path: str,
                   flag: str = 'unchanged',
                   channel_order: str = 'bgr',
                   backend: Optional[str] = None,
                   kind: str = 'image') -> np.ndarray:
    """Read a local image file completely (see :func:`imfrombytes_checked`).

    Raises:
        FileNotFoundError: No file at ``path`` (or a folder).
        ImageDecodeError: The file is empty, truncated or not an image.
    """
    path = str(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{kind} file not found: {path}')
    with open(path, 'rb') as f:
        content = f.read()
    return imfrombytes_checked(content, path, flag, channel_order, backend,
                               kind)


def imread_8bit(path: str, kind: str = 'image') -> np.ndarray:
    """Read an image file as stored, at 8 bits (see :func:`imread_checked`).

    Grey, colour and colour + alpha stay as stored (BGR order). A 16-bit
    file (PNG, TIFF) keeps the high byte of each value (``value >> 8``):
    a 16-bit PNG as the training pipeline (``TMADLoadImageFromFile``, i.e.
    OpenCV's colour read) gives it, a 16-bit TIFF within one level of that
    (OpenCV rounds ``value / 257`` there). Other depths (float TIFF) are
    returned as decoded.
    """
    img = imread_checked(path, flag='unchanged', kind=kind)
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    return img
