# Copyright (c) OpenMMLab. All rights reserved.
"""Image files that do not decode completely are errors naming the file:
the one check behind the pipeline, the API and the tools (their own tests
run it through each of them)."""
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from mmedit_tmad.apis import read_mask
from mmedit_tmad.utils.image_io import (ImageDecodeError, exif_orientation,
                                        image_file_problem,
                                        imfrombytes_checked, imread_8bit,
                                        imread_checked)


@pytest.fixture(scope='module')
def photo():
    """A real photo, 64x80 BGR."""
    return cv2.resize(
        data.astronaut()[..., ::-1], (80, 64), interpolation=cv2.INTER_AREA)


def _encode(img, ext, params=()):
    ok, buf = cv2.imencode(ext, img, list(params))
    assert ok
    return buf.tobytes()


@pytest.mark.parametrize('ext', ['.png', '.jpg', '.bmp', '.tiff', '.webp'])
def test_complete_files_decode(photo, ext, tmp_path):
    path = tmp_path / f'photo{ext}'
    path.write_bytes(_encode(photo, ext))
    img = imread_checked(str(path))
    assert img.shape == photo.shape
    if ext in ('.png', '.bmp', '.tiff'):
        assert np.array_equal(img, photo)


@pytest.mark.parametrize('ext', ['.png', '.tiff'])
def test_16bit_files_are_read_at_8_bits(photo, ext, tmp_path):
    """The high byte, as stored otherwise: grey stays grey, alpha stays."""
    cases = dict(
        colour=photo,
        grey=photo[..., 0],
        alpha=np.dstack([photo, photo[..., 1]]))
    for name, img in cases.items():
        # the low byte: anything, here 0-255 in turn
        low = np.arange(img.size, dtype=np.uint16).reshape(img.shape) % 256
        path = tmp_path / f'{name}{ext}'
        path.write_bytes(_encode(img.astype(np.uint16) * 256 + low, ext))
        assert imread_checked(str(path)).dtype == np.uint16
        got = imread_8bit(str(path))
        assert got.dtype == np.uint8 and np.array_equal(got, img), name
    # 8-bit files are read as by imread_checked
    path = tmp_path / f'eight{ext}'
    path.write_bytes(_encode(photo, ext))
    assert np.array_equal(imread_8bit(str(path)), photo)


def test_progressive_jpeg_and_trailing_bytes_decode(photo):
    prog = _encode(photo, '.jpg', [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    assert image_file_problem(prog) is None
    # bytes after the end marker (some cameras append data) are harmless
    assert imfrombytes_checked(prog + b'\0' * 100, 'x.jpg').shape == \
        photo.shape


@pytest.mark.parametrize('ext', ['.png', '.jpg', '.bmp', '.tiff', '.webp'])
@pytest.mark.parametrize('keep', [0.5, 0.9])
def test_truncated_files_are_named(photo, ext, keep, tmp_path, capfd):
    content = _encode(photo, ext)
    path = tmp_path / f'cut{ext}'
    path.write_bytes(content[:int(len(content) * keep)])
    # OpenCV finds a truncated TIFF; the others are found before decoding
    why = 'corrupt, truncated' if ext == '.tiff' else 'truncated: the'
    with pytest.raises(
            ImageDecodeError,
            match=f'cannot decode image file {path} '
            rf'\({int(len(content) * keep)} bytes\): {why}'):
        imread_checked(str(path))
    assert capfd.readouterr().err == ''  # no decoder's log line


def test_truncated_jpeg_is_not_filled_in(photo):
    """OpenCV alone returns a whole image for half a JPEG, the missing rows
    filled with a flat colour, and raises nothing."""
    content = _encode(photo, '.jpg')
    cut = content[:len(content) // 2]
    filled = cv2.imdecode(np.frombuffer(cut, np.uint8), cv2.IMREAD_COLOR)
    assert filled.shape == photo.shape
    assert np.abs(filled[-8:].astype(int) - photo[-8:]).mean() > 20
    with pytest.raises(ImageDecodeError, match='truncated'):
        imfrombytes_checked(cut, 'cut.jpg')


def test_thumbnail_end_marker_is_not_the_end(photo):
    """An APP1 segment holding a JPEG thumbnail (with its own end marker)
    before the image data: a truncated file is still caught."""
    content = _encode(photo, '.jpg')
    thumb = _encode(photo[::8, ::8], '.jpg')
    app1 = b'\xff\xe1' + (len(thumb) + 8).to_bytes(2, 'big') + \
        b'Exif\0\0' + thumb
    full = content[:2] + app1 + content[2:]
    assert imfrombytes_checked(full, 'exif.jpg').shape == photo.shape
    with pytest.raises(ImageDecodeError, match='truncated'):
        imfrombytes_checked(full[:len(full) - 300], 'exif.jpg')


@pytest.mark.parametrize('content, match', [
    (b'', r'\(0 bytes\): empty file'),
    (b'hello, not an image\n', 'corrupt, truncated or not an image'),
    (b'\x89PNG\r\n\x1a\n', 'truncated'),
    (b'\xff\xd8\xff', 'truncated'),
])
def test_empty_and_wrong_content(content, match, tmp_path):
    path = tmp_path / 'bad.png'
    path.write_bytes(content)
    with pytest.raises(ImageDecodeError, match=match) as err:
        imread_checked(str(path), kind='mask')
    assert str(err.value).startswith(f'cannot decode mask file {path}')
    # both an OSError (as the pipeline raised) and a ValueError (the API)
    assert isinstance(err.value, OSError) and \
        isinstance(err.value, ValueError)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='image file not found'):
        imread_checked(str(tmp_path / 'none.png'))
    with pytest.raises(FileNotFoundError):
        imread_checked(str(tmp_path))  # a folder


def _exif_file(img_bgr, ext, orientation, path, byte_order='II'):
    """``img`` (BGR(A)) stored as a camera stores a turned shot: the pixels
    as given, an EXIF orientation tag (IFD0, one SHORT entry) beside them."""
    order = {'II': 'little', 'MM': 'big'}[byte_order]
    entry = ((0x0112).to_bytes(2, order) + (3).to_bytes(2, order) +
             (1).to_bytes(4, order) + orientation.to_bytes(2, order) +
             b'\0\0')
    exif = (byte_order.encode() + (42).to_bytes(2, order) +
            (8).to_bytes(4, order) + (1).to_bytes(2, order) + entry +
            b'\0\0\0\0')
    data = _encode(img_bgr, ext)
    if ext == '.jpg':  # an APP1 segment right after the start marker
        app1 = b'Exif\0\0' + exif
        data = (data[:2] + b'\xff\xe1' + (len(app1) + 2).to_bytes(2, 'big') +
                app1 + data[2:])
    else:  # an eXIf chunk after the header chunk
        chunk = (len(exif).to_bytes(4, 'big') + b'eXIf' + exif +
                 zlib.crc32(b'eXIf' + exif).to_bytes(4, 'big'))
        data = data[:33] + chunk + data[33:]
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize('byte_order', ['II', 'MM'])
@pytest.mark.parametrize('ext', ['.jpg', '.png'])
def test_exif_orientation_is_turned_upright_as_opencv_shows_it(
        photo, ext, byte_order, tmp_path):
    """A phone's turned shot is read upright, exactly as OpenCV's colour
    read (the training pipeline, mmcv.imread) turns it, for all 8 tags."""
    shapes = set()
    for orientation in range(1, 9):
        path = _exif_file(photo, ext, orientation,
                          tmp_path / f'o{orientation}{ext}', byte_order)
        with open(path, 'rb') as f:
            assert exif_orientation(f.read()) == orientation
        want = cv2.imread(path, cv2.IMREAD_COLOR)
        got = imread_8bit(path)
        assert got.shape == want.shape and np.array_equal(got, want), \
            orientation
        shapes.add(got.shape)
        # as stored without upright=True (and from the other readers)
        assert imread_checked(path).shape == photo.shape
    assert shapes == {(64, 80, 3), (80, 64, 3)}


def test_exif_orientation_turns_alpha_and_masks_too(photo, tmp_path):
    # alpha = the green channel: it must stay with the colour
    rgba = np.dstack([photo, photo[..., 1]])
    path = _exif_file(rgba, '.png', 6, tmp_path / 'alpha.png')
    got = imread_8bit(path)
    assert got.shape == (80, 64, 4)
    assert np.array_equal(got[..., :3], cv2.imread(path, cv2.IMREAD_COLOR))
    assert np.array_equal(got[..., 3], got[..., 1])
    hole = np.zeros((64, 80), np.uint8)
    hole[:10, :20] = 255  # top left as stored: top right once turned
    path = _exif_file(hole, '.png', 6, tmp_path / 'mask.png')
    upright = read_mask(path, (80, 64))
    assert upright[:20, -10:].all() and upright.sum() == 200


@pytest.mark.parametrize('ext', ['.tiff', '.webp', '.bmp'])
def test_other_formats_are_read_as_opencv_shows_them(photo, ext, tmp_path):
    """TIFF OpenCV turns in every read, WebP in none: no second turn."""
    img = Image.fromarray(photo[..., ::-1])
    exif = img.getexif()
    exif[0x0112] = 6
    path = str(tmp_path / f'turned{ext}')
    img.save(path, **({} if ext == '.bmp' else dict(exif=exif.tobytes())))
    assert np.array_equal(
        imread_8bit(path), cv2.imread(path, cv2.IMREAD_COLOR))


@pytest.mark.parametrize('exif', [
    b'', b'II*\0', b'II*\0\x08\0\0\0', b'II*\0\xff\0\0\0\x05\0',
    b'XX*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x06\0\0\0',
    b'II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0\x09\0\0\0',
    b'II*\0\x08\0\0\0\x01\0\x12\x01\x04\0\x01\0\0\0\x06\0\0\0',
    b'II*\0\x08\0\0\0\x05\0\x12\x01\x03\0\x01\0\0\0\x06\0'
])
def test_broken_or_missing_exif_reads_as_stored(exif):
    """Truncated IFDs, foreign byte orders, out-of-range values, another
    type than SHORT: as stored (1), never an error."""
    jpeg = _encode(np.zeros((8, 8, 3), np.uint8), '.jpg')
    app1 = b'Exif\0\0' + exif
    data = (jpeg[:2] + b'\xff\xe1' + (len(app1) + 2).to_bytes(2, 'big') +
            app1 + jpeg[2:])
    assert exif_orientation(data) == 1
    assert exif_orientation(jpeg) == 1
    assert exif_orientation(b'BM' + bytes(60)) == 1
