# Copyright (c) OpenMMLab. All rights reserved.
"""The tools' shared behaviour: errors and exit codes, output checks,
claimed folders, no-clobber writes. Each tool's own tests run it through
the tool as a user does (a subprocess)."""
import argparse
import json
import os
import warnings

import pytest

from mmedit_tmad.utils import cli


def _raiser(err):

    def main(argv):
        raise err

    return main


@pytest.mark.parametrize('err, code, line', [
    (cli.UsageError('--out x exists'), 2, 'error: --out x exists'),
    (SystemExit('every method failed'), 1, 'error: every method failed'),
    (OSError('cannot decode image file a.jpg'), 1,
     'error: cannot decode image file a.jpg'),
    (KeyError('gt'), 1, "error: KeyError: 'gt'"),
    (KeyboardInterrupt(), 130, 'error: interrupted'),
])
def test_run_reports_one_line(err, code, line, capsys, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.run(_raiser(err), []) == code
    assert capsys.readouterr().err == line + '\n'


def test_run_debug_prints_the_traceback(capsys, monkeypatch):
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    assert cli.run(_raiser(ValueError('bad')), ['--debug']) == 1
    err = capsys.readouterr().err
    assert err.startswith('Traceback') and err.endswith('error: bad\n')
    monkeypatch.setenv(cli.DEBUG_ENV, '1')
    assert cli.run(_raiser(ValueError('bad')), []) == 1
    assert 'Traceback' in capsys.readouterr().err
    monkeypatch.setenv(cli.DEBUG_ENV, '0')
    assert cli.run(_raiser(ValueError('bad')), []) == 1
    assert 'Traceback' not in capsys.readouterr().err


def test_run_passes_exit_numbers_and_success(capsys):
    assert cli.run(lambda argv: None, []) == 0
    assert cli.run(_raiser(SystemExit(2)), []) == 2  # argparse's
    assert cli.run(_raiser(SystemExit(None)), []) == 0
    assert capsys.readouterr().err == ''


def test_worker_error_shows_the_original_line(capsys):
    """A DataLoader worker's error carries its traceback in the message."""
    from torch._utils import ExceptionWrapper
    try:
        raise OSError('cannot decode image file /d/a.png (9 bytes): empty')
    except OSError:
        wrapped = ExceptionWrapper(where='in DataLoader worker process 0')
    with pytest.raises(OSError) as err:
        wrapped.reraise()
    assert cli.run(_raiser(err.value), []) == 1
    assert capsys.readouterr().err == \
        'error: cannot decode image file /d/a.png (9 bytes): empty\n'
    # the worker names an error class of a package by its full name
    from mmedit_tmad.utils.image_io import ImageDecodeError
    try:
        raise ImageDecodeError('cannot decode image file /d/b.png')
    except OSError:
        wrapped = ExceptionWrapper(where='in DataLoader worker process 1')
    with pytest.raises(ImageDecodeError) as err:
        wrapped.reraise()
    assert cli.run(_raiser(err.value), []) == 1
    assert capsys.readouterr().err == \
        'error: cannot decode image file /d/b.png\n'


def test_third_party_future_warnings_only(recwarn):
    with warnings.catch_warnings():
        warnings.simplefilter('always')
        cli.filter_third_party_warnings()
        for module in ('transformers.utils.generic', 'diffusers', 'mine'):
            warnings.warn_explicit(
                'old API', FutureWarning, 'f.py', 1, module=module)
        warnings.warn_explicit(
            'other', UserWarning, 'f.py', 1, module='transformers')
        warnings.warn_explicit(
            'pkg_resources is deprecated as an API. See',
            UserWarning,
            'f.py',
            1,
            module='mmengine')
    shown = [(w.category, str(w.message)) for w in recwarn]
    assert shown == [(FutureWarning, 'old API'), (UserWarning, 'other')]


def test_run_shows_warnings_as_one_line(capsys, monkeypatch):
    """``warning: <message>`` without the code that warned (``--debug``:
    Python's form); third-party deprecations stay hidden; the process's
    own warning display is as before once the tool returns."""
    monkeypatch.delenv(cli.DEBUG_ENV, raising=False)
    before = warnings.showwarning
    shown_by = []

    def main(argv):
        shown_by.append(warnings.showwarning)
        warnings.warn('a 2x3 photo has 1 memory window')
        warnings.warn_explicit(
            'old API', FutureWarning, 'f.py', 1, module='transformers')

    assert cli.run(main, []) == 0
    assert capsys.readouterr().err == \
        'warning: a 2x3 photo has 1 memory window\n'
    assert warnings.showwarning is before
    assert cli.run(main, ['--debug']) == 0
    assert shown_by[1] is before


def test_check_outputs(tmp_path):
    photo = tmp_path / 'photo.png'
    photo.write_bytes(b'x')
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'old.png').write_bytes(b'x')
    new = str(out / 'new.png')
    cli.check_outputs([(new, 'photo.png')], inputs=[str(photo), None])
    with pytest.raises(
            cli.UsageError, match='written twice, for a.jpg and '
            'a.png'):
        cli.check_outputs([(str(out / 'a.png'), 'a.jpg'),
                           (str(out / 'a.png'), 'a.png')])
    for overwrite in (False, True):
        with pytest.raises(cli.UsageError, match='is an input'):
            cli.check_outputs([(str(photo), '')], [str(photo)], overwrite)
        with pytest.raises(cli.UsageError, match='is a folder'):
            cli.check_outputs([(str(out), '')], overwrite=overwrite)
    with pytest.raises(
            cli.UsageError, match=r'old.png exists; pass '
            '--overwrite'):
        cli.check_outputs([(str(out / 'old.png'), ''), (new, '')])
    cli.check_outputs([(str(out / 'old.png'), '')], overwrite=True)
    # a link to an input is the input
    os.symlink(photo, out / 'link.png')
    with pytest.raises(cli.UsageError, match='is an input'):
        cli.check_outputs([(str(out / 'link.png'), '')], [str(photo)], True)


def test_check_out_dir(tmp_path, monkeypatch):
    (tmp_path / 'f').write_text('')
    with pytest.raises(cli.UsageError, match='is a file'):
        cli.check_out_dir(str(tmp_path / 'f'))
    with pytest.raises(cli.UsageError, match='folder of the inputs'):
        cli.check_out_dir(str(tmp_path) + '/', [(str(tmp_path), '--img')])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(cli.UsageError, match=r'\(--mask\)'):
        cli.check_out_dir('.', [('', '--mask')])  # 'mask.png': here
    cli.check_out_dir(str(tmp_path / 'out'), [(str(tmp_path), '--img')])


def test_claim_dir(tmp_path):
    work = str(tmp_path / 'work')
    assert cli.claim_dir(work, 'tool', dict(n=1, k=(1, 2))) == 'new'
    assert json.load(open(os.path.join(work, '.tool.json')))['signature'] \
        == dict(n=1, k=[1, 2])
    assert cli.claim_dir(work, 'tool', dict(n=1, k=[1, 2])) == 'same'
    with pytest.raises(cli.UsageError, match='other arguments'):
        cli.claim_dir(work, 'tool', dict(n=2, k=[1, 2]))
    assert cli.claim_dir(work, 'tool', dict(n=2), overwrite=True) == \
        'overwrite'
    assert cli.claim_dir(work, 'tool', dict(n=2)) == 'same'
    foreign = tmp_path / 'photos'
    foreign.mkdir()
    (foreign / 'a.jpg').write_bytes(b'x')
    with pytest.raises(cli.UsageError, match='did not make'):
        cli.claim_dir(str(foreign), 'tool', option='--out')
    assert cli.claim_dir(str(foreign), 'tool', known=['a.jpg']) == 'same'
    (tmp_path / 'empty').mkdir()
    assert cli.claim_dir(str(tmp_path / 'empty'), 'tool') == 'new'
    (tmp_path / 'file').write_text('')
    with pytest.raises(cli.UsageError, match='is a file'):
        cli.claim_dir(str(tmp_path / 'file'), 'tool')


def test_write_bytes_never_replaces_unless_asked(tmp_path):
    path = str(tmp_path / 'sub' / 'a.txt')
    cli.write_text(path, 'one')
    with pytest.raises(FileExistsError, match='was not replaced'):
        cli.write_text(path, 'two')
    assert open(path).read() == 'one'
    cli.write_text(path, 'three', overwrite=True)
    assert open(path).read() == 'three'
    assert sorted(os.listdir(tmp_path / 'sub')) == ['a.txt']  # no temp


def test_check_annotation_lists(tmp_path):
    from mmengine.config import Config
    (tmp_path / 'meta').mkdir()
    (tmp_path / 'meta' / 'train.txt').write_text('a.png\n')
    (tmp_path / 'meta' / 'val.txt').write_text('\n \n')

    def loader(ann_file, root=str(tmp_path)):
        return dict(dataset=dict(data_root=root, ann_file=ann_file))

    cfg = Config(
        dict(
            train_dataloader=loader('meta/train.txt'),
            val_dataloader=loader('meta/val.txt'),
            # a list of dataloaders (MultiTestLoop), a wrapped dataset
            test_dataloader=[
                loader('meta/train.txt'),
                dict(
                    dataset=dict(
                        type='RepeatDataset',
                        dataset=dict(
                            data_root='', ann_file=str(tmp_path / 'no.txt'))))
            ],
            other_dataloader=loader('meta/x.txt', 's3://bucket/data')))
    cli.check_annotation_lists(cfg, ['train_dataloader', 'other_dataloader'])
    with pytest.raises(
            cli.UsageError,
            match=r'val_dataloader: annotation '
            r'list \S+/meta/val.txt is empty'):
        cli.check_annotation_lists(cfg, ['val_dataloader'])
    with pytest.raises(cli.UsageError, match=r'\S+/no.txt not found'):
        cli.check_annotation_lists(cfg, ['test_dataloader'])
    # a dataset of the model zoo's configs names its converter
    for root, hint in (('data/photos_256', 'make photos'),
                       (str(tmp_path / 'data' / 'embedded_128'),
                        'embedded_photos.py --out data/embedded_128'),
                       (str(tmp_path / 'data' / 'photos_2560'),
                        'folder_to_list.py')):
        cfg.val_dataloader = loader('meta/none.txt', root)
        with pytest.raises(cli.UsageError) as err:
            cli.check_annotation_lists(cfg, ['val_dataloader'])
        assert hint in str(err.value)
    cfg.val_dataloader = None
    cli.check_annotation_lists(cfg, ['val_dataloader', 'missing_key'])


def test_add_runner_args():
    parser = argparse.ArgumentParser()
    cli.add_runner_args(parser)
    args = parser.parse_args([])
    assert (args.cfg_options, args.launcher, args.local_rank) == (None,
                                                                  'none', 0)
    args = parser.parse_args([
        '--cfg-options', 'a=1', 'b.c=[1,2]', '--launcher', 'pytorch',
        '--local-rank', '3'
    ])
    assert args.cfg_options == {'a': 1, 'b.c': [1, 2]}
    assert (args.launcher, args.local_rank) == ('pytorch', 3)
    assert parser.parse_args(['--local_rank', '2']).local_rank == 2
    with pytest.raises(SystemExit):
        parser.parse_args(['--launcher', 'lsf'])
