# Copyright (c) OpenMMLab. All rights reserved.
import os

import cv2
import folder_to_list
import numpy as np
import pytest


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / 'imgs'
    os.makedirs(root / 'sub')
    for name in ('b.png', 'a.jpg', 'sub/c.png'):
        cv2.imwrite(str(root / name), np.zeros((4, 4, 3), np.uint8))
    (root / 'notes.txt').write_text('not an image')
    return root


def test_folder_list(folder, tmp_path):
    out = tmp_path / 'meta' / 'train.txt'
    names = folder_to_list.main([str(folder), '--out', str(out)])
    assert names == ['a.jpg', 'b.png', 'sub/c.png']
    assert out.read_text().split() == names


def test_unreadable_files_are_named(folder, tmp_path):
    (folder / 'broken.png').write_bytes(b'not a png')
    out = str(tmp_path / 'l.txt')
    with pytest.raises(SystemExit, match=r'(?s)1 of 4 .*broken\.png'):
        folder_to_list.main([str(folder), '--out', out])
    names = folder_to_list.main([str(folder), '--out', out, '--skip-bad'])
    assert 'broken.png' not in names and len(names) == 3


def test_official_list_with_labels(folder, tmp_path):
    lst = tmp_path / 'places365_val.txt'
    lst.write_text('/a.jpg 3\n/sub/c.png 7\n/missing.jpg 1\n')
    out = str(tmp_path / 'l.txt')
    with pytest.raises(SystemExit, match='missing.jpg'):
        folder_to_list.main([str(folder), '--from-list', str(lst), '--out',
                             out])
    names = folder_to_list.main([str(folder), '--from-list', str(lst),
                                 '--out', out, '--skip-bad'])
    assert names == ['a.jpg', 'sub/c.png']
    with pytest.raises(SystemExit, match='does not exist'):
        folder_to_list.main([str(folder / 'nope'), '--out', out])
