# Copyright (c) OpenMMLab. All rights reserved.
"""CARAFE upsampling that runs on every device.

CARAFE: Content-Aware ReAssembly of FEatures (Wang et al., ICCV 2019) is the
upsampler of every T-MAD decoder (paper Sec.IV, "Implementation Details").
mmcv 2.1.0 implements the reassembly only as CUDA/MLU kernels; on a CPU build
``mmcv.ops.carafe`` raises ``carafe_forward_impl: implementation for device cpu
not found``. This module keeps mmcv's :class:`~mmcv.ops.CARAFEPack` (kernel
prediction, normalisation, initialisation) and swaps only the reassembly step:
mmcv's kernel whenever the tensor is on CUDA, a pure-PyTorch implementation of
the same maths otherwise.
"""
import warnings
from typing import Optional

import torch
import torch.nn.functional as F
from mmcv.ops.carafe import CARAFEPack
from torch import Tensor

from mmedit_tmad.registry import MODELS

# Set to False the first time mmcv's CUDA kernel turns out to be missing (an mmcv
# built without CUDA ops), so the warning is given once.
_MMCV_CUDA_CARAFE: Optional[bool] = None


def _check_carafe_args(features: Tensor, masks: Tensor, kernel_size: int,
                       group_size: int, scale_factor: int) -> None:
    """The argument contract of mmcv's ``carafe``, as readable errors."""
    if features.dim() != 4 or masks.dim() != 4:
        raise ValueError('carafe expects 4-D features (n, c, h, w) and masks '
                         f'(n, k*k*g, h*s, w*s); got {tuple(features.shape)} '
                         f'and {tuple(masks.shape)}')
    if not (isinstance(scale_factor, int) and scale_factor >= 1):
        raise ValueError(f'scale_factor must be an int >= 1, got {scale_factor}')
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f'kernel_size must be odd and >= 1, got {kernel_size}')
    n, c, h, w = features.shape
    if c % group_size != 0:
        raise ValueError(f'feature channels ({c}) must be divisible by '
                         f'group_size ({group_size})')
    expected = (n, kernel_size * kernel_size * group_size, h * scale_factor,
                w * scale_factor)
    if tuple(masks.shape) != expected:
        raise ValueError(f'masks must have shape {expected} for features '
                         f'{tuple(features.shape)}, kernel_size={kernel_size}, '
                         f'group_size={group_size}, scale_factor={scale_factor};'
                         f' got {tuple(masks.shape)}')


def carafe_pytorch(features: Tensor, masks: Tensor, kernel_size: int,
                   group_size: int, scale_factor: int) -> Tensor:
    """CARAFE feature reassembly in pure PyTorch (any device, autograd).

    Same maths as mmcv's CUDA kernels (``carafe`` and ``carafe_naive``)::

        out[n, c, p, q] = sum_{ky, kx} x[n, c, p // s + ky - r, q // s + kx - r]
                                       * masks[n, g * k * k + ky * k + kx, p, q]

    with ``r = (k - 1) // 2``, ``g = c // (C / G)`` and zero padding outside
    the feature map.

    Memory: the ``k*k`` taps are visited in a loop over *views* of the padded
    low-resolution features, broadcast against the matching mask tap, and
    accumulated in place into the output. Nothing of size ``k*k x`` the
    feature map is materialised (as ``F.unfold`` would), and autograd saves
    only views of the inputs, so the peak is about one output-sized buffer.

    Args:
        features (Tensor): Input features of shape (n, c, h, w).
        masks (Tensor): Normalised reassembly kernels of shape
            (n, k*k*group_size, h*s, w*s).
        kernel_size (int): Reassembly kernel size k (odd).
        group_size (int): Number of channel groups G sharing a kernel.
        scale_factor (int): Upsampling factor s.

    Returns:
        Tensor: Upsampled features of shape (n, c, h*s, w*s).
    """
    _check_carafe_args(features, masks, kernel_size, group_size, scale_factor)
    n, c, h, w = features.shape
    k, g, s = kernel_size, group_size, scale_factor
    r = (k - 1) // 2
    padded = F.pad(features, (r, r, r, r))
    # (n, g, c/g, h+2r, w+2r): channels split into the kernel groups
    padded = padded.view(n, g, c // g, h + 2 * r, w + 2 * r)
    # (n, g, k*k, h, s, w, s): output row p = i*s + a reads source row i
    kernels = masks.view(n, g, k * k, h, s, w, s)
    dtype = torch.promote_types(features.dtype, masks.dtype)
    out = features.new_zeros((n, g, c // g, h, s, w, s), dtype=dtype)
    for ky in range(k):
        for kx in range(k):
            # (n, g, c/g, h, 1, w, 1): the source pixel shifted by the tap
            tap = padded[:, :, :, ky:ky + h, kx:kx + w].unsqueeze(4).unsqueeze(6)
            # (n, g, 1, h, s, w, s): the tap's weight at each output pixel
            weight = kernels[:, :, ky * k + kx].unsqueeze(2)
            out.addcmul_(tap, weight)
    # (n, c, h*s, w*s)
    return out.view(n, c, h * s, w * s)


def carafe(features: Tensor, masks: Tensor, kernel_size: int,
           group_size: int, scale_factor: int) -> Tensor:
    """CARAFE reassembly: mmcv's CUDA kernel on CUDA, pure PyTorch elsewhere.

    mmcv's kernel handles float32 and float16; other dtypes (bfloat16 under
    autocast) are computed in float32 and cast back.

    Args and returns as :func:`carafe_pytorch`.
    """
    global _MMCV_CUDA_CARAFE
    if features.is_cuda and _MMCV_CUDA_CARAFE is not False:
        from mmcv.ops import carafe as mmcv_carafe
        _check_carafe_args(features, masks, kernel_size, group_size,
                           scale_factor)
        dtype = features.dtype
        if dtype not in (torch.float32, torch.float16) or \
                masks.dtype != dtype:
            features, masks = features.float(), masks.float()
        try:
            out = mmcv_carafe(features.contiguous(), masks.contiguous(),
                              kernel_size, group_size, scale_factor)
            _MMCV_CUDA_CARAFE = True
            return out.to(dtype)
        except RuntimeError as err:
            if 'not found' not in str(err):
                raise
            _MMCV_CUDA_CARAFE = False
            warnings.warn('mmcv was built without CUDA ops; CARAFE falls '
                          'back to the PyTorch implementation on CUDA '
                          f'tensors ({err})')
    return carafe_pytorch(features, masks, kernel_size, group_size,
                          scale_factor)


@MODELS.register_module()
class TMADCARAFEPack(CARAFEPack):
    """mmcv's ``CARAFEPack`` whose reassembly runs on CPU as well as CUDA.

    Kernel prediction (1x1 channel compressor -> content encoder ->
    pixel-shuffle -> softmax over the k*k taps), the initialisation and the
    arguments are mmcv's own; only :meth:`feature_reassemble` dispatches
    through :func:`carafe`.

    Args:
        channels (int): Input feature channels.
        scale_factor (int): Upsampling factor.
        up_kernel (int): Reassembly kernel size. Default: 5.
        up_group (int): Reassembly kernel groups. Default: 1.
        encoder_kernel (int): Content-encoder kernel size. Default: 3.
        encoder_dilation (int): Content-encoder dilation. Default: 1.
        compressed_channels (int): Channels after the compressor. Default: 64.
    """

    def feature_reassemble(self, x: Tensor, mask: Tensor) -> Tensor:
        """Reassemble ``x`` (n, c, h, w) with kernels ``mask``.

        Returns:
            Tensor: (n, c, h*s, w*s).
        """
        return carafe(x, mask, self.up_kernel, self.up_group,
                      self.scale_factor)
