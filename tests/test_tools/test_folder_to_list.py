# Copyright (c) OpenMMLab. All rights reserved.
import os
import os.path as osp

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


TOOL = osp.join('tools', 'dataset_converters', 'folder_to_list.py')


def test_out_is_never_the_list_nor_replaced_unasked(folder, tmp_path, run_tool,
                                                    run_main):
    lst = tmp_path / 'official.txt'
    lst.write_text('/a.jpg 3\n')
    run = run_tool(TOOL,
                   [folder, '--from-list', lst, '--out', lst, '--overwrite'])
    assert run.returncode == 2
    assert run.error == f'error: --out: {lst} is an input of this run and ' \
        'is never written over; choose another output'
    out = tmp_path / 'train.txt'
    out.write_text('mine\n')
    run = run_main(folder_to_list.main, [folder, '--out', out])
    assert run.returncode == 2
    assert 'train.txt exists; pass --overwrite' in run.error
    assert lst.read_text() == '/a.jpg 3\n' and out.read_text() == 'mine\n'
    run = run_main(folder_to_list.main, [folder, '--out', out, '--overwrite'])
    assert run.returncode == 0, run.stderr
    assert out.read_text().split() == ['a.jpg', 'b.png', 'sub/c.png']


def test_truncated_and_empty_files_are_listed_with_the_reason(
        folder, tmp_path, run_tool):
    img = (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8)
    jpg = cv2.imencode('.jpg', img)[1].tobytes()
    (folder / 'cut.jpg').write_bytes(jpg[:len(jpg) // 2])
    (folder / 'empty.png').write_bytes(b'')
    out = tmp_path / 'l.txt'
    run = run_tool(TOOL, [folder, '--out', out])
    assert run.returncode == 1
    assert run.stderr.startswith('error: 2 of 5 images are missing or '
                                 f'unreadable under {folder}:')
    assert '\n  cut.jpg (truncated: the JPEG data ends before its end ' \
        'marker)\n  empty.png (empty file)\n' in run.stderr
    assert 'Traceback' not in run.stderr and not out.exists()
    names = folder_to_list.main([str(folder), '--out', str(out), '--skip-bad'])
    assert names == ['a.jpg', 'b.png', 'sub/c.png']
