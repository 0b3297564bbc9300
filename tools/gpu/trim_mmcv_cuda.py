# Copyright (c) OpenMMLab. All rights reserved.
"""Keep only some of mmcv's CUDA kernels in an unpacked mmcv 2.x source.

mmcv compiles ~60 CUDA files for its ops; T-MAD uses one of them, CARAFE.
This removes the other ``mmcv/ops/csrc/pytorch/cuda/*.cu`` files and the
declarations / registrations that name them in ``cuda/cudabind.cpp``, so
that a CUDA build compiles in a fraction of the time. Every op keeps its
C++ entry point and CPU kernel: ``import mmcv.ops`` works as before, and an
op whose CUDA kernel was left out raises mmcv's own error when called on a
CUDA tensor ("implementation for device cuda not found", or "not compiled
with GPU support" for the few entry points that call a kernel directly:
their ``#ifdef MMCV_WITH_CUDA`` blocks are switched off).

An op is named as in mmcv's file names (``carafe``, ``roi_align``); it
keeps every kernel file whose name starts with it and every top-level
statement of ``cudabind.cpp`` that mentions it (case and underscores
ignored: ``carafe`` keeps ``CARAFENAIVEForwardCUDAKernelLauncher``).

Usage:
    python tools/gpu/trim_mmcv_cuda.py SRC_DIR carafe [OP ...]
"""
import argparse
import glob
import os
import os.path as osp
import sys


def statements(text: str) -> list:
    """Split C++ source into top-level statements (with their comments).

    A statement ends at a ``;`` or a closing ``}`` at brace depth 0, or at
    the end of a preprocessor line; a ``;`` right after a ``}`` stays with
    its statement.
    """
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == '#' and depth == 0 and text[start:i].strip() == '':
            end = text.find('\n', i)
            end = len(text) if end < 0 else end + 1
            out.append(text[start:end])
            start = i = end
            continue
        if c == '/' and text.startswith('//', i):
            i = text.find('\n', i)
            i = len(text) if i < 0 else i
            continue
        if c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                j = i + 1
                while j < len(text) and text[j] in ' \t':
                    j += 1
                if j < len(text) and text[j] == ';':
                    i = j
                out.append(text[start:i + 1])
                start = i + 1
        elif c == ';' and depth == 0:
            out.append(text[start:i + 1])
            start = i + 1
        i += 1
    out.append(text[start:])
    return out


def _key(text: str) -> str:
    return text.lower().replace('_', '')


def trim(src: str, ops: list) -> tuple:
    """Trim ``src`` in place; return (kept .cu files, removed .cu files)."""
    cuda_dir = osp.join(src, 'mmcv', 'ops', 'csrc', 'pytorch', 'cuda')
    bind = osp.join(cuda_dir, 'cudabind.cpp')
    if not osp.isfile(bind):
        raise FileNotFoundError(f'{bind} not found: not an mmcv 2.x source')
    keys = [_key(op) for op in ops]
    kept, removed = [], []
    for path in sorted(glob.glob(osp.join(cuda_dir, '*.cu'))):
        name = _key(osp.basename(path))
        if any(name.startswith(k) for k in keys):
            kept.append(osp.basename(path))
        else:
            os.remove(path)
            removed.append(osp.basename(path))
    if not kept:
        raise ValueError(f'no CUDA kernel file of mmcv matches {ops}')
    # entry points that call a CUDA function directly (nms_rotated,
    # nms_quadri, spconv_ops, deform_conv's checks) take their
    # "not compiled with GPU support" branch
    for path in glob.glob(osp.join(osp.dirname(cuda_dir), '*.cpp')):
        name = _key(osp.basename(path))
        if name == 'info.cpp' or any(name.startswith(k) for k in keys):
            continue
        with open(path) as f:
            text = f.read()
        if '#ifdef MMCV_WITH_CUDA' in text:
            with open(path, 'w') as f:
                f.write(
                    text.replace('#ifdef MMCV_WITH_CUDA',
                                 '#if 0  // CUDA kernel left out'))
    with open(bind) as f:
        parts = statements(f.read())
    keep = [
        p for p in parts if p.strip().startswith('#') or any(
            k in _key(p) for k in keys)
    ]
    with open(bind, 'w') as f:
        f.write('\n'.join(p.strip('\n') for p in keep) + '\n')
    return kept, removed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='unpacked mmcv source (holds setup.py)')
    parser.add_argument('ops', nargs='+', help='ops to keep, e.g. carafe')
    args = parser.parse_args(argv)
    try:
        kept, removed = trim(args.src, args.ops)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'mmcv CUDA kernels kept: {" ".join(kept)} ({len(removed)} '
          'left out)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
