# Copyright (c) OpenMMLab. All rights reserved.
"""Image files that do not decode completely are errors naming the file:
the one check behind the pipeline, the API and the tools (their own tests
run it through each of them)."""
import cv2
import numpy as np
import pytest
from skimage import data

from mmedit_tmad.utils.image_io import (ImageDecodeError, image_file_problem,
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
