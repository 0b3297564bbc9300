# Copyright (c) OpenMMLab. All rights reserved.
"""Export T-MAD's whole inference (ONNX, TorchScript) and run the files.

:func:`export_model` writes :class:`TMADExportModule` of a model for one
input size: an ONNX file (the TorchScript-based ``torch.onnx`` exporter,
opset 17) or a traced TorchScript file, each with its settings embedded
(ONNX ``metadata_props`` / TorchScript extra file ``tmad.json``).
:func:`init_exported` loads such a file as an :class:`ExportedTMAD`, which
:func:`mmedit_tmad.apis.inpaint` runs like a model: any image size (padded
to the exported size, or cut into windows that fit it), valid pixels byte
for byte, the retrieval in ``return_steps``.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmedit_tmad.models.editors.tmad.tmad_coarse_net import prior_fill
from mmedit_tmad.models.editors.tmad.tmad_export_module import \
    TMADExportModule
from mmedit_tmad.models.editors.tmad.tmad_texture_synthesis import \
    TMADTextureSynthesis

#: Values of ``fmt`` in :func:`export_model`.
FORMATS = ('onnx', 'torchscript')
#: Key of the settings in an exported file.
META_KEY = 'tmad'
ONNX_OPSET = 17


def _example(module: TMADExportModule) -> Tuple[torch.Tensor, ...]:
    """Inputs of the exported size for tracing: a photo-like image, a hole
    in its middle, no padding."""
    h, w = module.size
    img = torch.linspace(0, 255, h * w).view(1, 1, h, w).repeat(1, 3, 1, 1)
    mask = torch.zeros(1, 1, h, w)
    mask[..., h // 4:h // 2, w // 4:w // 2] = 1
    inputs = (img, mask, torch.zeros_like(mask))
    if module.fill_input:
        inputs += (torch.zeros_like(img), )
    return inputs


def export_model(model: nn.Module,
                 out: str,
                 fmt: str = 'onnx',
                 size: Tuple[int, int] = (256, 256),
                 overwrite: bool = False) -> dict:
    """Write the whole inference of a T-MAD model for ``size`` to ``out``.

    Args:
        model (nn.Module): A :class:`TMADInpaintor` in phase 2 (e.g. from
            :func:`mmedit_tmad.apis.init_model`); exported on the CPU in
            float32.
        out (str): The file to write (refused if it exists, unless
            ``overwrite``).
        fmt (str): ``'onnx'`` or ``'torchscript'``. Default: 'onnx'.
        size (tuple[int, int]): (H, W) of the graph's input. Default:
            (256, 256).
        overwrite (bool): Replace an existing ``out``. Default: False.

    Returns:
        dict: The settings embedded in the file.
    """
    if fmt not in FORMATS:
        raise ValueError(f'fmt must be one of {FORMATS}, got {fmt!r}')
    if osp.exists(out) and not overwrite:
        raise FileExistsError(f'{out} exists; pass overwrite=True to '
                              'replace it')
    device = next(model.parameters()).device
    model = model.float().cpu().eval()
    try:
        module = TMADExportModule(model, size).eval()
        meta = dict(
            format=fmt,
            size=list(module.size),
            patch_size=module.patch_size,
            size_unit=max(module.patch_size,
                          getattr(model.generator, 'size_divisor', 1)),
            fill_prior=getattr(model.generator, 'fill_prior', None),
            num_pool=model.texture_memory.num_pool,
            stride=model.texture_memory.stride,
            num_candidates=int(model.retrieval.num_outputs),
            texture_synthesis=synthesis_settings(model),
            inputs=list(module.input_names),
            outputs=list(module.output_names))
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        tmp = f'{out}.part'
        inputs = _example(module)
        with torch.no_grad():
            if fmt == 'torchscript':
                traced = torch.jit.trace(module, inputs, check_trace=False)
                torch.jit.save(
                    traced, tmp, _extra_files={'tmad.json': json.dumps(meta)})
            else:
                _export_onnx(module, inputs, tmp, meta)
        os.replace(tmp, out)
    finally:
        model.to(device)
        if osp.exists(f'{out}.part'):
            os.remove(f'{out}.part')
    return meta


def synthesis_settings(model: nn.Module) -> Optional[dict]:
    """The model's ``TMADTextureSynthesis`` arguments, or None: the step
    runs after the graph (:class:`ExportedTMAD`), as a classical prior runs
    before it."""
    synth = getattr(model, 'texture_synthesis', None)
    return None if synth is None else synth.settings


def _export_onnx(module: TMADExportModule, inputs: tuple, path: str,
                 meta: dict) -> None:
    import warnings

    import onnx
    with warnings.catch_warnings():
        # the TorchScript-based exporter is deprecated in favour of the
        # torch.export one, which needs onnxscript and data-independent
        # graphs; this graph is static, and the old exporter is exact here
        warnings.simplefilter('ignore')
        torch.onnx.export(
            module,
            inputs,
            path,
            dynamo=False,
            opset_version=ONNX_OPSET,
            input_names=list(module.input_names),
            output_names=list(module.output_names))
    proto = onnx.load(path)
    entry = proto.metadata_props.add()
    entry.key, entry.value = META_KEY, json.dumps(meta)
    onnx.save(proto, path)


class ExportedTMAD:
    """An exported T-MAD file, run by onnxruntime (CPU) or TorchScript.

    :func:`mmedit_tmad.apis.inpaint` takes it in place of a model (no
    ``reference``: the exported memory draws from the photo only).

    Attributes:
        path (str): The file.
        meta (dict): Its settings (:func:`export_model`): ``format``,
            ``size`` (H, W), ``patch_size``, ``size_unit``, ``fill_prior``,
            ``num_pool``, ``stride`` (of the memory windows),
            ``num_candidates``, ``texture_synthesis`` (the arguments of the
            model's ``TMADTextureSynthesis``, run on the graph's result;
            None without one), ``inputs``, ``outputs``.
    """

    def __init__(self, path: str, meta: dict, runner) -> None:
        self.path = path
        self.meta = meta
        self._runner = runner
        synth = meta.get('texture_synthesis')
        self.texture_synthesis = None if synth is None else \
            TMADTextureSynthesis(**synth)

    @property
    def size(self) -> Tuple[int, int]:
        return tuple(self.meta['size'])

    @property
    def patch_size(self) -> int:
        return int(self.meta['patch_size'])

    def __call__(self, img: np.ndarray, hole: np.ndarray,
                 exclude: np.ndarray) -> Dict[str, np.ndarray]:
        """Run the graph on one padded image of the exported size.

        Args:
            img (np.ndarray): (H, W, 3) uint8 BGR.
            hole (np.ndarray): (H, W) bool.
            exclude (np.ndarray): (H, W) bool, padding.

        Returns:
            dict: the graph's outputs (``result`` and ``coarse`` (H, W, 3)
            float 0-255 BGR; ``hole``, ``indices``, ``positions`` of the
            single image); with ``texture_synthesis``, ``result`` is its
            output and ``network_result`` the graph's.
        """
        h, w = self.size
        if img.shape[:2] != (h, w) or hole.shape != (h, w):
            raise ValueError(f'{self.path} takes {h}x{w} inputs, got '
                             f'{img.shape[0]}x{img.shape[1]}')
        # (1, 3, H, W) float 0-255
        feeds = dict(
            img=np.ascontiguousarray(
                img.transpose(2, 0, 1)[None]).astype(np.float32),
            mask=hole[None, None].astype(np.float32),
            exclude=exclude[None, None].astype(np.float32))
        if 'fill' in self.meta['inputs']:
            # the classical prior, outside the graph: TMADCoarseNet.prior
            x = torch.from_numpy(feeds['img']) / 127.5 - 1.
            mask = torch.from_numpy(feeds['mask'])
            feeds['fill'] = prior_fill(x * (1. - mask), mask,
                                       self.meta['fill_prior']).numpy()
        outs = dict(zip(self.meta['outputs'], self._runner(feeds)))
        if self.texture_synthesis is not None:
            outs['network_result'] = outs['result']
            outs['result'] = self.texture_synthesis(
                torch.from_numpy(outs['result']),
                torch.from_numpy(feeds['mask']),
                torch.from_numpy(feeds['exclude'])).numpy()
        for key in ('result', 'coarse', 'network_result'):
            if key in outs:
                outs[key] = outs[key][0].transpose(1, 2, 0)
        for key in ('hole', 'indices', 'positions'):
            outs[key] = outs[key][0]
        return outs


def init_exported(path: str) -> ExportedTMAD:
    """Load a file of :func:`export_model` (``.onnx``: onnxruntime on the
    CPU; else TorchScript)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'exported model not found: {path}')
    with open(path, 'rb') as f:
        head = f.read(2)
    if head == b'PK':  # TorchScript files are zip archives
        extra = {'tmad.json': ''}
        module = torch.jit.load(path, map_location='cpu', _extra_files=extra)
        if not extra['tmad.json']:
            raise ValueError(f'{path} is a TorchScript file, but not one of '
                             'tools/deployment/export.py (no tmad.json)')
        meta = json.loads(extra['tmad.json'])

        def run(feeds):
            with torch.no_grad():
                outs = module(*[
                    torch.from_numpy(feeds[name]) for name in meta['inputs']
                ])
            return [o.numpy() for o in outs]

        return ExportedTMAD(path, meta, run)
    import onnxruntime as ort
    try:
        sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    except Exception as err:  # onnxruntime raises its own error types
        raise ValueError(f'{path} is neither a TorchScript nor an ONNX file '
                         f'that onnxruntime can load: {err}') from None
    props = sess.get_modelmeta().custom_metadata_map
    if META_KEY not in props:
        raise ValueError(f'{path} is an ONNX file, but not one of '
                         'tools/deployment/export.py (no tmad metadata)')
    meta = json.loads(props[META_KEY])
    return ExportedTMAD(path, meta, lambda feeds: sess.run(None, feeds))


def exported_steps(model: ExportedTMAD, image: np.ndarray, hole: np.ndarray,
                   retrieval: bool) -> dict:
    """:func:`mmedit_tmad.apis.inpainting._run` for an exported file: the
    (h, w) window padded to the exported size (reflect, the padding kept
    out of the memory), run, cropped back.

    Returns:
        dict: as ``_run``.
    """
    h, w = hole.shape
    hh, ww = model.size
    if h > hh or w > ww:
        raise ValueError(f'a {h}x{w} window does not fit the exported size '
                         f'{hh}x{ww}')
    pad = (hh - h, ww - w)
    img_p = _reflect(image, pad)
    hole_p = _reflect(hole, pad)
    exclude = np.ones((hh, ww), bool)
    exclude[:h, :w] = False
    outs = model(img_p, hole_p, exclude)

    def uint8(a):
        return np.clip(np.round(a), 0, 255).astype(np.uint8)[:h, :w]

    res = dict(
        padding=pad,
        input_shape=(hh, ww),
        pred=uint8(outs['result']),
        coarse=uint8(outs['coarse']))
    if retrieval:
        k = model.patch_size
        cols = ww // k
        cells = np.flatnonzero(outs['hole'])
        yx = np.stack([cells // cols * k, cells % cols * k], -1)
        keep = np.array([hole[y:y + k, x:x + k].any() for y, x in yx],
                        dtype=bool).reshape(-1)
        pos = outs['positions'].astype(np.int64)
        idx = outs['indices'][cells][keep]
        res.update(
            hole_cells=yx[keep].reshape(-1, 2),
            retrieved=pos[idx].reshape(-1, idx.shape[-1], 2),
            retrieved_sources=np.zeros(idx.shape, np.int64),
            memory_positions=pos,
            memory_sources=np.zeros(len(pos), np.int64),
            patch_size=k,
            num_valid_memory=_clean_windows(hole_p | exclude, k,
                                            int(model.meta['stride'])))
    return res


def _clean_windows(dirty: np.ndarray, k: int, s: int) -> int:
    """Memory windows (k x k, stride s) without a hole or padding pixel."""
    # (H+1, W+1) summed-area table
    sat = np.pad(dirty.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    ys = np.arange(0, dirty.shape[0] - k + 1, s)
    xs = np.arange(0, dirty.shape[1] - k + 1, s)
    y, x = ys[:, None], xs[None]
    sums = sat[y + k, x + k] - sat[y, x + k] - sat[y + k, x] + sat[y, x]
    return int((sums == 0).sum())


def compare_retrieval(a, b, tol: int = 2) -> str:
    """How the retrieval of two :class:`InpaintResult` of one photo and
    mask compare.

    ``'identical'``: the same hole cells and the same windows in the same
    ranks. ``'tied windows'``: where the windows differ, their pixels in
    the coarse result differ by at most ``tol`` grey levels: ties among
    (nearly) identical windows, as a flat fill has, which floating-point
    noise of another runtime may rank either way. ``'different'``
    otherwise. Two results without retrieval are identical.
    """
    if a.retrieved is None or b.retrieved is None:
        return 'identical' if a.retrieved is b.retrieved else 'different'
    if not np.array_equal(a.hole_cells, b.hole_cells) or \
            a.retrieved.shape != b.retrieved.shape:
        return 'different'
    if np.array_equal(a.retrieved, b.retrieved):
        return 'identical'
    k = a.patch_size
    for (ya, xa), (yb, xb) in zip(a.retrieved.reshape(-1, 2),
                                  b.retrieved.reshape(-1, 2)):
        wa = a.coarse[ya:ya + k, xa:xa + k].astype(np.int16)
        wb = b.coarse[yb:yb + k, xb:xb + k].astype(np.int16)
        if wa.shape != wb.shape or np.abs(wa - wb).max() > tol:
            return 'different'
    return 'tied windows'


def _reflect(a: np.ndarray, pad: Tuple[int, int]) -> np.ndarray:
    """Reflect-pad the bottom and right of (h, w[, c]) by ``pad``; pads
    larger than the array repeat the reflection (numpy's rule)."""
    if pad == (0, 0):
        return a
    width = ((0, pad[0]), (0, pad[1])) + ((0, 0), ) * (a.ndim - 2)
    if min(a.shape[:2]) == 1:  # nothing to reflect in a 1-pixel side
        return np.pad(a, width, mode='edge')
    return np.pad(a, width, mode='reflect')
