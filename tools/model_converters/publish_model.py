# Copyright (c) OpenMMLab. All rights reserved.
"""Turn a training checkpoint into shippable inference weights.

As mmagic's ``tools/model_converters/publish_model.py``: the optimiser
states and message hub are dropped, the file name gets the first 8 hex
digits of its sha256. In addition, only the inference modules are kept
(T-MAD: ``generator``, ``retrieval``, ``psnet``, the memory's sampling
state and the iteration buffer ``cur_iter``, which tells a phase-2 model
from a coarse-only one; the discriminators are training-only), and
``--fp16`` stores floating-point weights in half precision (they are loaded
back into float32 models; check the quality with tools/test.py before
shipping). Prints the sha256 for the model zoo's metafile.

Usage:
    python tools/model_converters/publish_model.py work_dirs/x/iter_2100.pth \
        checkpoints/tmad_telea_1xb4_photos-256x256_20261130.pth --fp16
"""
import argparse
import hashlib
import io
import os
import os.path as osp
import sys

import torch

from mmedit_tmad.apis.model_init import check_checkpoint_file
from mmedit_tmad.apis.model_zoo import sha256sum
from mmedit_tmad.utils import cli

DEFAULT_KEEP = ('generator', 'retrieval', 'psnet', 'texture_memory',
                'cur_iter')


def publish(src: str,
            out: str,
            keep=DEFAULT_KEEP,
            fp16: bool = False,
            overwrite: bool = False) -> str:
    """Write the inference weights of ``src``; return the final path
    (``<out stem>-<sha256[:8]>.pth``)."""
    check_checkpoint_file(src)
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    state = ckpt.get('state_dict', ckpt)
    kept = {
        k: v
        for k, v in state.items()
        if k.split('.')[0] in keep or k in keep
    }
    if not kept:
        raise cli.UsageError(
            f'{src} holds none of {", ".join(keep)}: not a T-MAD checkpoint? '
            '(choose the modules with --keep)')
    if fp16:
        kept = {
            k: v.half() if v.is_floating_point() else v
            for k, v in kept.items()
        }
    meta = {
        k: v
        for k, v in (ckpt.get('meta') or {}).items()
        if k in ('iter', 'epoch', 'seed', 'experiment_name', 'mmengine')
    }
    meta.update(source=osp.basename(src), fp16=fp16, kept=list(keep))
    buf = io.BytesIO()  # in memory: the bytes, so the name, are fixed
    torch.save(dict(meta=meta, state_dict=kept), buf)
    data = buf.getvalue()
    final = f'{osp.splitext(out)[0]}-{hashlib.sha256(data).hexdigest()[:8]}' \
        '.pth'
    cli.check_outputs([(final, src)], inputs=[src], overwrite=overwrite)
    os.makedirs(osp.dirname(osp.abspath(final)), exist_ok=True)
    cli.write_bytes(final, data, overwrite=overwrite)
    return final


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('checkpoint', help='training checkpoint (input)')
    parser.add_argument(
        'out', help='output file; -<sha256[:8]> is added to its name')
    parser.add_argument(
        '--keep',
        nargs='+',
        default=list(DEFAULT_KEEP),
        help='top-level modules and buffers kept')
    parser.add_argument(
        '--fp16', action='store_true', help='store weights in half precision')
    cli.add_common_args(parser)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    final = publish(args.checkpoint, args.out, args.keep, args.fp16,
                    args.overwrite)
    size = osp.getsize(final) / 2**20
    print(f'{final}: {size:.1f} MiB, sha256 {sha256sum(final)}')
    return final


if __name__ == '__main__':
    sys.exit(cli.run(main))
