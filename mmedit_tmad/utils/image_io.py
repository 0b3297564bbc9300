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

:func:`imread_8bit` (the reader of users' photos and masks) turns a file
upright by its EXIF orientation tag (:func:`exif_orientation`), as OpenCV's
colour read under the training pipeline and image viewers show it, so a
phone's portrait photo, its mask and the boxes drawn on it share one frame.
"""
import os.path as osp
import re
from typing import Iterator, Optional, Tuple

import mmcv
import numpy as np

__all__ = [
    'ImageDecodeError', 'image_file_problem', 'imfrombytes_checked',
    'imread_checked', 'imread_8bit', 'exif_orientation', 'orient_upright'
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


def _png_chunks(data: bytes) -> Iterator[Tuple[bytes, int, int]]:
    """``(type, start, end)`` of each whole chunk of a PNG stream (its data
    is ``data[start:end]``), up to ``IEND``; a cut chunk ends the walk."""
    pos, size = len(_PNG_SIGNATURE), len(data)
    while pos + 8 <= size:
        length = int.from_bytes(data[pos:pos + 4], 'big')
        kind, start = data[pos + 4:pos + 8], pos + 8
        pos = start + length + 4  # data, CRC
        if pos > size:
            return
        yield kind, start, start + length
        if kind == b'IEND':
            return


def _png_problem(data: bytes) -> Optional[str]:
    """Why a PNG stream is incomplete, or None if it reaches ``IEND``."""
    if any(kind == b'IEND' for kind, _, _ in _png_chunks(data)):
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


def _jpeg_exif(data: bytes) -> Optional[bytes]:
    """The EXIF block (a TIFF structure) of a JPEG's first ``Exif`` APP1
    segment, or None; the walk stops at the first scan."""
    pos, size = 2, len(data)
    while pos + 4 <= size and data[pos] == 0xFF:
        code = data[pos + 1]
        if code == 0xFF:  # fill byte
            pos += 1
            continue
        if code in _JPEG_STANDALONE or 0xD0 <= code <= 0xD7:
            pos += 2
            continue
        if code in (0xDA, 0xD9):  # start of scan, end of image
            return None
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], 'big')
        if code == 0xE1 and data[pos + 4:pos + 10] == b'Exif\x00\x00':
            return data[pos + 10:end]
        pos = end
    return None


def _png_exif(data: bytes) -> Optional[bytes]:
    """The data of a PNG's ``eXIf`` chunk (before or after the image
    data), or None."""
    for kind, start, end in _png_chunks(data):
        if kind == b'eXIf':
            return data[start:end]
    return None


def _tiff_orientation(exif: bytes) -> int:
    """Tag 0x0112 (a SHORT) of IFD0 of an EXIF block; 0 where absent."""
    order = {b'II': 'little', b'MM': 'big'}.get(exif[:2])
    if order is None or len(exif) < 8:
        return 0
    ifd = int.from_bytes(exif[4:8], order)
    count = int.from_bytes(exif[ifd:ifd + 2], order) \
        if ifd + 2 <= len(exif) else 0
    for at in range(ifd + 2, ifd + 2 + 12 * count, 12):
        entry = exif[at:at + 12]  # tag, type, count, value
        if len(entry) < 12:
            break
        if int.from_bytes(entry[:2], order) == 0x0112:
            if int.from_bytes(entry[2:4], order) != 3:  # not a SHORT
                return 0
            return int.from_bytes(entry[8:10], order)
    return 0


def exif_orientation(data: bytes) -> int:
    """The EXIF orientation (1-8) of the bytes of a JPEG or PNG file.

    OpenCV's colour and grey reads (``mmcv.imread``'s ``'color'``,
    ``'grayscale'``: the training pipeline's) turn a JPEG or PNG file
    upright by this tag and its ``'unchanged'`` read does not; TIFF files
    it turns in every mode, WebP files in none. 1 (as stored) for other
    formats and for a missing, unreadable or out-of-range tag.

    Args:
        data (bytes): The whole file.

    Returns:
        int: 1 as stored, 2 mirrored, 3 turned by 180 degrees, 4 flipped,
        5 transposed, 6 to be turned 90 degrees clockwise, 7 transversed,
        8 to be turned 90 degrees anticlockwise (EXIF 2.3, tag 0x0112).
    """
    if data.startswith(_JPEG_SOI):
        exif = _jpeg_exif(data)
    elif data.startswith(_PNG_SIGNATURE):
        exif = _png_exif(data)
    else:
        return 1
    value = _tiff_orientation(exif) if exif else 0
    return value if 1 <= value <= 8 else 1


#: EXIF orientation -> the view of an (h, w, ...) array that is upright
_UPRIGHT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: a.swapaxes(0, 1)[:, ::-1],
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: a.swapaxes(0, 1)[::-1],
}


def orient_upright(img: np.ndarray, orientation: int) -> np.ndarray:
    """An (h, w) or (h, w, c) image stored with EXIF ``orientation``,
    turned upright (as OpenCV turns it; every channel, alpha too)."""
    if orientation == 1:
        return img
    if orientation not in _UPRIGHT:
        raise ValueError(f'EXIF orientation must be 1-8, got {orientation!r}')
    return np.ascontiguousarray(_UPRIGHT[orientation](img))


def imfrombytes_checked(content: bytes,
                        filename: str,
                        flag: str = 'unchanged',
                        channel_order: str = 'bgr',
                        backend: Optional[str] = None,
                        kind: str = 'image',
                        upright: bool = False) -> np.ndarray:
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
        upright (bool): With ``flag='unchanged'``, turn a JPEG or PNG file
            upright by its EXIF orientation (:func:`exif_orientation`), as
            the other flags do. Default: False (as stored).

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
    if upright and flag == 'unchanged':
        img = orient_upright(img, exif_orientation(content))
    return img


def imread_checked(path: str,
                   flag: str = 'unchanged',
                   channel_order: str = 'bgr',
                   backend: Optional[str] = None,
                   kind: str = 'image',
                   upright: bool = False) -> np.ndarray:
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
                               kind, upright)


def imread_8bit(path: str, kind: str = 'image') -> np.ndarray:
    """Read an image file upright, at 8 bits (see :func:`imread_checked`).

    Grey, colour and colour + alpha stay as stored (BGR order), turned
    upright by the file's EXIF orientation as OpenCV's colour read turns
    it (JPEG, PNG and TIFF files; :func:`exif_orientation`). A 16-bit
    file (PNG, TIFF) keeps the high byte of each value (``value >> 8``):
    a 16-bit PNG as the training pipeline (``TMADLoadImageFromFile``, i.e.
    OpenCV's colour read) gives it, a 16-bit TIFF within one level of that
    (OpenCV rounds ``value / 257`` there). Other depths (float TIFF) are
    returned as decoded.
    """
    img = imread_checked(path, flag='unchanged', kind=kind, upright=True)
    if img.dtype == np.uint16:
        img = (img >> 8).astype(np.uint8)
    return img
