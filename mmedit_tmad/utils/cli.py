# Copyright (c) OpenMMLab. All rights reserved.
"""What every command-line tool of mmedit_tmad does the same way.

* **Errors**: :func:`run` calls a tool's ``main`` and turns an exception
  into one line, ``error: <message>`` on stderr, and an exit code; the full
  traceback is printed with ``--debug`` or ``MMEDIT_TMAD_DEBUG=1``.
* **Exit codes**: :data:`EXIT_OK` 0, :data:`EXIT_FAILURE` 1 (the run
  failed: an input that cannot be read, an error of the model),
  :data:`EXIT_USAGE` 2 (a bad argument, a missing input, a refused output;
  argparse exits with 2 as well), :data:`EXIT_INTERRUPTED` 130 (Ctrl-C).
* **Outputs**: a tool never writes over an input, never over a file that
  it did not create in the same run (unless ``--overwrite``), and never
  lets two of its outputs share a name (:func:`check_outputs`,
  :func:`check_out_dir`, :func:`claim_dir`); new files are created
  without replacing one that appears meanwhile (:func:`write_bytes`).
* **Warnings**: :func:`filter_third_party_warnings` hides the warnings
  that the host's dependencies (transformers, diffusers, mmengine's use of
  ``pkg_resources``) raise about their own code.

The rules are described for users in ``docs/robustness.md``.
"""
import argparse
import json
import os
import os.path as osp
import re
import sys
import traceback
import warnings
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Environment variable that makes :func:`run` print tracebacks.
DEBUG_ENV = 'MMEDIT_TMAD_DEBUG'
#: Packages whose import-time FutureWarnings the tools hide.
THIRD_PARTY_WARNING_MODULES = ('transformers', 'diffusers')
#: Extensions of image files the tools read and write.
IMG_EXTS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


class UsageError(SystemExit):
    """A command line that cannot be carried out as given (exit code 2).

    Raised before anything is loaded or written: a bad argument, an input
    path that does not exist, an output that would overwrite or collide. A
    ``SystemExit``, so that it stops a tool called in-process as well;
    ``str(err)`` is the message.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.code)


def filter_third_party_warnings() -> None:
    """Hide warnings that the host's dependencies raise about their own code.

    mmagic imports transformers and diffusers; on import they warn
    (FutureWarning) about deprecated torch APIs that they call themselves.
    mmengine imports ``pkg_resources``, which warns (UserWarning) that it is
    deprecated. None of it concerns a user of the tools. Only these are
    hidden: FutureWarnings attributed to transformers or diffusers, and the
    ``pkg_resources`` deprecation; every other warning is shown as before.
    """
    for name in THIRD_PARTY_WARNING_MODULES:
        warnings.filterwarnings(
            'ignore', category=FutureWarning, module=rf'{name}(\.|$)')
    warnings.filterwarnings(
        'ignore',
        message='pkg_resources is deprecated as an API',
        category=UserWarning)


def add_common_args(parser: argparse.ArgumentParser,
                    overwrite: bool = True) -> None:
    """``--overwrite`` (if the tool writes files) and ``--debug``."""
    if overwrite:
        parser.add_argument(
            '--overwrite',
            action='store_true',
            help='replace output files that exist already (an input file '
            'is never replaced)')
    parser.add_argument(
        '--debug',
        action='store_true',
        help=f'print the full traceback of an error (or set {DEBUG_ENV}=1)')


def add_runner_args(parser: argparse.ArgumentParser) -> None:
    """``--cfg-options``, ``--launcher`` and ``--local-rank``: the
    arguments that ``tools/train.py`` and ``tools/test.py`` take as
    mmagic's own scripts do."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # When using PyTorch version >= 2.0.0, the `torch.distributed.launch`
    # will pass the `--local-rank` parameter to the script instead of
    # `--local_rank`.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


# errors whose message speaks for itself (no type name shown)
_PLAIN_ERRORS = (OSError, ValueError, TypeError, RuntimeError, SystemExit)


def _message(err: BaseException) -> str:
    """The one line shown for an exception."""
    text = str(err).strip()
    # an error raised in a DataLoader worker carries the worker's whole
    # traceback; its last line is the original error
    if 'Original Traceback' in text:
        text = text.splitlines()[-1].strip()
        # 'OSError: ...' or 'package.module.SomeError: ...'
        prefix = re.match(rf'([\w.]+\.)?{type(err).__name__}: ', text)
        if isinstance(err, _PLAIN_ERRORS) and prefix:
            text = text[prefix.end():]
    if not isinstance(err, _PLAIN_ERRORS) or not text:
        text = f'{type(err).__name__}: {text}' if text else \
            type(err).__name__
    return text


def _show_warning(message, category, filename, lineno, file=None,
                  line=None) -> None:
    """A warning as one line on stderr, ``warning: <message>``, as errors
    are shown (``--debug``: Python's form, with the code that warned)."""
    try:
        print(f'warning: {message}', file=sys.stderr if file is None else file)
    except OSError:  # stderr gone: as Python's own showwarning
        pass


def run(main: Callable[[List[str]], object],
        argv: Optional[Sequence[str]] = None) -> int:
    """Run a tool's ``main(argv)``; return its exit code.

    Use as ``sys.exit(cli.run(main))`` at the bottom of a tool. Errors are
    reported as ``error: <message>`` on stderr (one line, plus the
    traceback with ``--debug`` in ``argv`` or ``MMEDIT_TMAD_DEBUG=1``),
    warnings as ``warning: <message>`` (Python's form with ``--debug``).
    ``SystemExit`` with a number (argparse's) passes through.

    Args:
        main (Callable): The tool's main function; takes the arguments.
        argv (Sequence[str], optional): Default: ``sys.argv[1:]``.

    Returns:
        int: :data:`EXIT_OK`, :data:`EXIT_FAILURE`, :data:`EXIT_USAGE` or
        :data:`EXIT_INTERRUPTED`.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')
    try:
        with warnings.catch_warnings():
            filter_third_party_warnings()
            if not debug:
                warnings.showwarning = _show_warning
            main(argv)
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        print('error: interrupted', file=sys.stderr)
        return EXIT_INTERRUPTED
    except SystemExit as err:
        if err.code is None or isinstance(err.code, int):
            return err.code or EXIT_OK
        if debug:
            traceback.print_exc()
        print(f'error: {_message(err)}', file=sys.stderr)
        return EXIT_USAGE if isinstance(err, UsageError) else EXIT_FAILURE
    except Exception as err:  # noqa: BLE001  every error becomes one line
        if debug:
            traceback.print_exc()
        print(f'error: {_message(err)}', file=sys.stderr)
        return EXIT_FAILURE
    finally:
        sys.stdout.flush()
    return EXIT_OK


# ----------------------------------------------------------------------
# inputs and outputs
# ----------------------------------------------------------------------
def same_path(a: str, b: str) -> bool:
    """Whether two paths name the same file or folder (links resolved)."""
    if osp.exists(a) and osp.exists(b):
        return osp.samefile(a, b)
    return osp.realpath(a) == osp.realpath(b)


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (links resolved)."""
    path, folder = osp.realpath(path), osp.realpath(folder)
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def require_file(path: Optional[str], option: str) -> None:
    """A given input file must exist (:class:`UsageError`)."""
    if path is not None and not osp.isfile(path):
        what = 'is a folder, not a file' if osp.isdir(path) else \
            'no such file'
        raise UsageError(f'{option}: {what}: {path}')


def require_image_ext(path: str, option: str = '--out') -> None:
    """An output image file needs an extension that OpenCV can write."""
    import cv2
    ext = osp.splitext(path)[1].lower()
    if ext not in IMG_EXTS or not cv2.haveImageWriter(path):
        raise UsageError(f'{option} {path}: give an image file name ending '
                         f'in one of {", ".join(IMG_EXTS)}')


def check_outputs(outputs: Iterable[Tuple[str, str]],
                  inputs: Iterable[Optional[str]] = (),
                  overwrite: bool = False,
                  option: str = '--out') -> None:
    """Refuse outputs that would lose data (:class:`UsageError`).

    Refused always: two outputs of this run with one path (each output
    comes with the input it is made from, for the message), an output that
    is an input file, an output that is a folder. Refused unless
    ``overwrite``: an output file that exists.

    Args:
        outputs (Iterable[tuple[str, str]]): ``(path, made from)`` pairs;
            ``made from`` may be ''.
        inputs (Iterable[str]): Files this run reads (None is skipped).
        overwrite (bool): Whether existing files may be replaced.
            Default: False.
        option (str): The option that names the outputs, for the message.
            Default: '--out'.
    """
    inputs = [p for p in inputs if p is not None and osp.exists(p)]
    seen = {}
    existing = []
    for path, source in outputs:
        key = osp.realpath(path)
        if key in seen:
            first = seen[key]
            raise UsageError(
                f'{option}: {path} would be written twice, for '
                f'{first or "one input"} and {source or "another"}; give '
                'the inputs different names or run them separately')
        seen[key] = source
        for inp in inputs:
            if same_path(path, inp):
                raise UsageError(
                    f'{option}: {path} is an input of this run and is never '
                    'written over; choose another output')
        if osp.isdir(path):
            raise UsageError(f'{option}: {path} is a folder; give a file '
                             'name')
        if osp.lexists(path):
            existing.append(path)
    if existing and not overwrite:
        more = f' (and {len(existing) - 1} more)' if len(existing) > 1 else ''
        raise UsageError(f'{option}: {existing[0]} exists{more}; pass '
                         '--overwrite to replace, or choose another output')


def check_out_dir(out_dir: str,
                  input_dirs: Iterable[Tuple[Optional[str], str]] = (),
                  option: str = '--out') -> None:
    """An output folder must not be a file nor a folder holding inputs.

    Results written next to their inputs would be read as inputs by the
    next run (and could replace them), so this is refused always.

    Args:
        out_dir (str): The output folder (it may not exist yet).
        input_dirs (Iterable[tuple[str, str]]): ``(folder, option)`` of the
            folders this run reads inputs from.
        option (str): The output option, for the message. Default: '--out'.
    """
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise UsageError(f'{option}: {out_dir} is a file; give a folder')
    for folder, name in input_dirs:
        if folder is not None and same_path(out_dir, folder or '.'):
            raise UsageError(
                f'{option} {out_dir} is the folder of the inputs ({name}); '
                'results there would mix with them: choose another folder')


def _datasets(cfg) -> Iterable[dict]:
    """A dataset config and those it wraps (``dataset`` / ``datasets``)."""
    if isinstance(cfg, dict):
        yield cfg
        inner = cfg.get('dataset', cfg.get('datasets'))
        for sub in inner if isinstance(inner, (list, tuple)) else [inner]:
            yield from _datasets(sub)


#: the converter that writes each dataset of the model zoo's configs
#: (``data_root`` as the configs give it)
DATASET_CONVERTERS = {
    'data/photos_256': 'make photos (tools/dataset_converters/'
    'photo_collection.py --out data/photos_256)',
    'data/embedded_128': 'tools/dataset_converters/embedded_photos.py '
    '--out data/embedded_128',
}


def _dataset_hint(root: Optional[str]) -> str:
    """How to make the dataset at ``root`` (a sentence)."""
    norm = osp.normpath(root) if root else ''
    for known, command in DATASET_CONVERTERS.items():
        if norm == known or norm.endswith(osp.sep + known):
            return f'make it with {command}'
    return ('write one with tools/dataset_converters/folder_to_list.py '
            '(docs/datasets.md)')


def check_annotation_lists(cfg, keys: Sequence[str]) -> None:
    """The annotation lists of a config's datasets exist and are not empty.

    Checked before a runner is built, for the dataloaders under ``keys``
    (a dataloader or a list of them; None is skipped): every ``ann_file``
    (joined to ``data_root`` as mmengine does) on the local disk must be a
    file with at least one non-blank line (:class:`UsageError`). A list
    that names a missing or broken image is found when the image is loaded
    (an error naming it).

    Args:
        cfg (Config): The config.
        keys (Sequence[str]): Dataloader keys, e.g. ``['train_dataloader']``.
    """
    for key in keys:
        loaders = cfg.get(key)
        if not isinstance(loaders, (list, tuple)):
            loaders = [loaders]
        for loader in loaders:
            if not isinstance(loader, dict):
                continue
            for dataset in _datasets(loader.get('dataset')):
                ann_file, root = dataset.get('ann_file'), dataset.get(
                    'data_root')
                if not isinstance(ann_file, str) or not ann_file:
                    continue
                path = ann_file if osp.isabs(ann_file) or not root else \
                    osp.join(root, ann_file)
                if '://' in path:  # not on the local disk
                    continue
                if not osp.isfile(path):
                    raise UsageError(f'{key}: annotation list {path} not '
                                     'found (data_root + ann_file); '
                                     f'{_dataset_hint(root)}')
                with open(path) as f:
                    if not any(line.strip() for line in f):
                        raise UsageError(
                            f'{key}: annotation list {path} is empty')


def claim_dir(folder: str,
              tool: str,
              signature: Optional[dict] = None,
              overwrite: bool = False,
              option: str = '--work-dir',
              known: Sequence[str] = ()) -> str:
    """Make ``folder`` this tool's own, or refuse a folder of other files.

    A tool that keeps its results in a folder (a work dir it resumes, a
    dataset it builds) marks it with ``.<tool>.json``, holding the
    ``signature`` of the run (the arguments that decide the content).

    * A folder that does not exist or is empty is created and marked:
      ``'new'``.
    * A folder marked by this tool with the same signature (or with any,
      when ``signature`` is None) is the tool's own: ``'same'``. So is an
      unmarked folder holding one of the ``known`` files of earlier
      versions of the tool (it is marked now).
    * A folder marked with another signature, or holding other files, is
      refused (:class:`UsageError`) unless ``overwrite``: ``'overwrite'``
      (it is marked with the new signature).

    Args:
        folder (str): The folder.
        tool (str): The tool's name.
        signature (dict, optional): JSON-able arguments of the run.
            Default: None.
        overwrite (bool): Take a folder of other files. Default: False.
        option (str): The option, for the message. Default: '--work-dir'.
        known (Sequence[str]): Relative paths that show an earlier run of
            the tool without a mark. Default: ().

    Returns:
        str: ``'new'``, ``'same'`` or ``'overwrite'``.
    """
    mark = osp.join(folder, f'.{tool}.json')
    signature = json.loads(json.dumps(signature))  # tuples -> lists
    if osp.exists(folder) and not osp.isdir(folder):
        raise UsageError(f'{option}: {folder} is a file; give a folder')
    if not osp.isdir(folder) or not os.listdir(folder):
        state = 'new'
    elif osp.isfile(mark):
        with open(mark) as f:
            old = json.load(f).get('signature')
        if signature is None or old == signature:
            return 'same'
        if not overwrite:
            raise UsageError(
                f'{option} {folder} holds the results of {tool} with other '
                f'arguments ({old}); choose another folder, or pass '
                '--overwrite to replace them')
        state = 'overwrite'
    elif any(osp.exists(osp.join(folder, k)) for k in known):
        state = 'same'
    elif overwrite:
        state = 'overwrite'
    else:
        raise UsageError(
            f'{option} {folder} holds files that {tool} did not make; '
            'choose another folder, or pass --overwrite to use it')
    os.makedirs(folder, exist_ok=True)
    write_text(
        mark,
        json.dumps(dict(tool=tool, signature=signature), indent=1) + '\n',
        overwrite=True)
    return state


def write_bytes(path: str, data: bytes, overwrite: bool = False) -> None:
    """Write a file whole: atomically, never over a file unless asked.

    Without ``overwrite`` a file of that name that appeared since the
    checks (another process) is kept and ``FileExistsError`` raised. The
    content goes to a temporary file first, so an interrupted write leaves
    no partial file under the final name.

    Args:
        path (str): The file.
        data (bytes): Its content.
        overwrite (bool): Replace an existing file. Default: False.
    """
    # imported here: mmedit_tmad.engine imports the host, which this
    # module must not do before its warning filter is in place
    from mmedit_tmad.engine.atomic_io import atomic_write, write_temp
    if overwrite:
        atomic_write(path, data)
        return
    tmp = write_temp(path, data)
    try:
        try:
            os.link(tmp, path)  # fails if the name exists: no replacement
        except FileExistsError:
            raise FileExistsError(
                f'{path} appeared during the run; it was not replaced')
        except OSError:  # a file system without hard links
            with open(path, 'xb') as f:
                f.write(data)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_text(path: str, text: str, overwrite: bool = False) -> None:
    """:func:`write_bytes` of UTF-8 text."""
    write_bytes(path, text.encode('utf-8'), overwrite)


def write_image(path: str,
                img,
                overwrite: bool = False,
                params: Optional[Sequence[int]] = None) -> None:
    """Encode an image by its file extension and :func:`write_bytes` it."""
    import cv2
    ok, buf = cv2.imencode(osp.splitext(path)[1], img, list(params or []))
    if not ok:
        raise OSError(f'cannot encode an image as {path}')
    write_bytes(path, buf.tobytes(), overwrite)
