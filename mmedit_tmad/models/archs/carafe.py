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
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from mmedit_tmad.registry import MODELS

# Set to False the first time mmcv's CUDA kernel turns out to be missing (an
# mmcv built without CUDA ops), so the warning is given once.
_MMCV_CUDA_CARAFE: Optional[bool] = None


def _check_carafe_args(features: Tensor, masks: Tensor, kernel_size: int,
                       group_size: int, scale_factor: int) -> None:
    """The argument contract of mmcv's ``carafe``, as readable errors."""
    if features.dim() != 4 or masks.dim() != 4:
        raise ValueError('carafe expects 4-D features (n, c, h, w) and masks '
                         f'(n, k*k*g, h*s, w*s); got {tuple(features.shape)} '
                         f'and {tuple(masks.shape)}')
    if not (isinstance(scale_factor, int) and scale_factor >= 1):
        raise ValueError('scale_factor must be an int >= 1, got '
                         f'{scale_factor}')
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError('kernel_size must be odd and >= 1, got '
                         f'{kernel_size}')
    n, c, h, w = features.shape
    if c % group_size != 0:
        raise ValueError(f'feature channels ({c}) must be divisible by '
                         f'group_size ({group_size})')
    expected = (n, kernel_size * kernel_size * group_size, h * scale_factor,
                w * scale_factor)
    if tuple(masks.shape) != expected:
        raise ValueError(f'masks must have shape {expected} for features '
                         f'{tuple(features.shape)}, '
                         f'kernel_size={kernel_size}, '
                         f'group_size={group_size}, '
                         f'scale_factor={scale_factor};'
                         f' got {tuple(masks.shape)}')


def _subpixel_kernels(masks: Tensor, k: int, g: int, s: int) -> Tensor:
    """(n, g*k*k, h*s, w*s) -> (n, g, k*k, s*s, h, w), one plane per sub-pixel.

    Output pixel ``(i*s + a, j*s + b)`` reads source pixel ``(i, j)``; with the
    ``s*s`` sub-pixels ``a*s + b`` as planes of the source size, every
    elementwise step below runs over contiguous ``(h, w)`` rows (in the output
    layout the innermost run is ``s`` = 2 elements, which leaves the CPU's
    vector units idle: 3-4x slower).
    """
    n, _, hs, ws = masks.shape
    return F.pixel_unshuffle(masks, s).view(n, g, k * k, s * s, hs // s,
                                            ws // s)


def _save(ctx, features: Tensor, masks: Tensor, k: int, g: int,
          s: int) -> None:
    """Keep what backward needs: the inputs only, and the sizes."""
    ctx.save_for_backward(features, masks)
    ctx.kgs = (k, g, s)


def _saved(ctx) -> tuple:
    """``features, masks, (k, g, s, r, c/g)`` of :func:`_save`."""
    features, masks = ctx.saved_tensors
    k, g, s = ctx.kgs
    return features, masks, (k, g, s, (k - 1) // 2, features.shape[1] // g)


class _CARAFEFunction(Function):
    """Tap-by-tap CARAFE on sub-pixel planes, hand-written backward."""

    @staticmethod
    def forward(ctx, features: Tensor, masks: Tensor, kernel_size: int,
                group_size: int, scale_factor: int) -> Tensor:
        n, c, h, w = features.shape
        k, g, s = kernel_size, group_size, scale_factor
        r = (k - 1) // 2
        # (n, g, c/g, h+2r, w+2r): channels split into the kernel groups
        padded = F.pad(features, (r, r, r, r)).view(n, g, c // g, h + 2 * r,
                                                    w + 2 * r)
        # (n, g, k*k, 1, s*s, h, w): tap t's weight of every sub-pixel
        kernels = _subpixel_kernels(masks, k, g, s).unsqueeze(3)
        out = features.new_zeros((n, g, c // g, s * s, h, w))
        for ky in range(k):
            for kx in range(k):
                # (n, g, c/g, 1, h, w): the source pixel shifted by the tap
                tap = padded[:, :, :, ky:ky + h, kx:kx + w].unsqueeze(3)
                out.addcmul_(tap, kernels[:, :, ky * k + kx])
        _save(ctx, features, masks, k, g, s)
        # (n, c*s*s, h, w) -> (n, c, h*s, w*s)
        return F.pixel_shuffle(out.view(n, c * s * s, h, w), s)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> tuple:
        features, masks, (k, g, s, r, cg) = _saved(ctx)
        n, c, h, w = features.shape
        # (n, c, h*s, w*s) -> (n, g, c/g, s*s, h, w)
        go = F.pixel_unshuffle(grad_out.contiguous(), s).view(
            n, g, cg, s * s, h, w)
        # (n, g, c/g, h+2r, w+2r)
        padded = F.pad(features, (r, r, r, r)).view(n, g, cg, h + 2 * r,
                                                    w + 2 * r)
        # (n, g, k*k, s*s, h, w)
        kernels = _subpixel_kernels(masks, k, g, s)
        grad_x = torch.zeros_like(padded) if ctx.needs_input_grad[0] else None
        grad_m = torch.empty_like(kernels) if ctx.needs_input_grad[1] \
            else None
        # one product buffer for every tap (a fresh one per tap costs more
        # in page faults than the product itself)
        prod = torch.empty_like(go) if grad_m is not None else None
        for ky in range(k):
            for kx in range(k):
                t = ky * k + kx
                if grad_m is not None:
                    # sum over the group's channels of go * tap:
                    # (n, g, c/g, s*s, h, w) -> (n, g, s*s, h, w)
                    tap = padded[:, :, :, ky:ky + h, kx:kx + w].unsqueeze(3)
                    torch.mul(go, tap, out=prod)
                    torch.sum(prod, 2, out=grad_m[:, :, t])
                if grad_x is not None:
                    # sum over the sub-pixels of go * kernel -> (n, g, c/g,
                    # h, w), added at the tap's shift
                    target = grad_x[:, :, :, ky:ky + h, kx:kx + w]
                    for sub in range(s * s):
                        target.addcmul_(go[:, :, :, sub],
                                        kernels[:, :, t, sub].unsqueeze(2))
        if grad_x is not None:
            # (n, g, c/g, h+2r, w+2r) -> (n, c, h, w)
            grad_x = grad_x[..., r:r + h, r:r + w].reshape(n, c, h, w)
        if grad_m is not None:
            # (n, g*k*k*s*s, h, w) -> (n, g*k*k, h*s, w*s)
            grad_m = F.pixel_shuffle(grad_m.view(n, -1, h, w), s)
        return grad_x, grad_m, None, None, None


def _channels_last_kernels(masks: Tensor, k: int, g: int, s: int) -> Tensor:
    """(n, g*k*k, h*s, w*s) -> (n, k*k, s*s, h, w, g, 1): per tap and
    sub-pixel, one weight per pixel and group, broadcast over its channels.
    """
    n, _, hs, ws = masks.shape
    h, w = hs // s, ws // s
    # (n, g, k*k, h, s, w, s) -> (n, k*k, s, s, h, w, g): one copy
    kernels = masks.view(n, g, k * k, h, s, w, s).permute(0, 2, 4, 6, 3, 5, 1)
    return kernels.reshape(n, k * k, s * s, h, w, g, 1)


class _CARAFEChannelsLast(Function):
    """CARAFE on ``channels_last`` features, in their own layout.

    The same tap loop as :class:`_CARAFEFunction` on (n, s*s, h, w, g, c/g)
    planes, channels innermost: no layout conversion on either side of the
    convolutions around it (1.5-3.5x faster than converting to NCHW and
    back).
    """

    @staticmethod
    def forward(ctx, features: Tensor, masks: Tensor, kernel_size: int,
                group_size: int, scale_factor: int) -> Tensor:
        n, c, h, w = features.shape
        k, g, s = kernel_size, group_size, scale_factor
        r = (k - 1) // 2
        # (n, h, w, c) is the memory order of channels_last: a view
        nhwc = features.permute(0, 2, 3, 1)
        # (n, h+2r, w+2r, g, c/g)
        padded = F.pad(nhwc, (0, 0, r, r, r, r)).view(n, h + 2 * r,
                                                      w + 2 * r, g, c // g)
        kernels = _channels_last_kernels(masks, k, g, s)
        out = features.new_zeros((n, s * s, h, w, g, c // g))
        for ky in range(k):
            for kx in range(k):
                # (n, 1, h, w, g, c/g): the source pixel shifted by the tap
                tap = padded[:, None, ky:ky + h, kx:kx + w]
                out.addcmul_(tap, kernels[:, ky * k + kx])
        _save(ctx, features, masks, k, g, s)
        # (n, s, s, h, w, c) -> (n, h, s, w, s, c) -> (n, h*s, w*s, c)
        out = out.view(n, s, s, h, w, c).permute(0, 3, 1, 4, 2, 5).reshape(
            n, h * s, w * s, c)
        # (n, c, h*s, w*s), channels_last
        return out.permute(0, 3, 1, 2)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor) -> tuple:
        features, masks, (k, g, s, r, cg) = _saved(ctx)
        n, c, h, w = features.shape
        # (n, c, h*s, w*s) -> (n, h, s, w, s, c) -> (n, s*s, h, w, g, c/g)
        go = grad_out.permute(0, 2, 3, 1).reshape(n, h, s, w, s, c).permute(
            0, 2, 4, 1, 3, 5).reshape(n, s * s, h, w, g, cg)
        padded = F.pad(features.permute(0, 2, 3, 1),
                       (0, 0, r, r, r, r)).view(n, h + 2 * r, w + 2 * r, g,
                                                cg)
        kernels = _channels_last_kernels(masks, k, g, s)
        grad_x = torch.zeros_like(padded) if ctx.needs_input_grad[0] else None
        # (n, k*k, s*s, h, w, g)
        grad_m = kernels.new_empty(kernels.shape[:-1]) \
            if ctx.needs_input_grad[1] else None
        prod = torch.empty_like(go) if grad_m is not None else None
        for ky in range(k):
            for kx in range(k):
                t = ky * k + kx
                if grad_m is not None:
                    tap = padded[:, None, ky:ky + h, kx:kx + w]
                    torch.mul(go, tap, out=prod)
                    # sum over the group's channels -> (n, s*s, h, w, g)
                    torch.sum(prod, -1, out=grad_m[:, t])
                if grad_x is not None:
                    target = grad_x[:, ky:ky + h, kx:kx + w]
                    for sub in range(s * s):
                        target.addcmul_(go[:, sub], kernels[:, t, sub])
        if grad_x is not None:
            # (n, h, w, c) -> (n, c, h, w), channels_last
            grad_x = grad_x[:, r:r + h, r:r + w].reshape(n, h, w,
                                                         c).permute(0, 3, 1, 2)
        if grad_m is not None:
            # (n, k*k, s*s, h, w, g) -> (n, g*k*k*s*s, h, w) -> (n, g*k*k,
            # h*s, w*s)
            grad_m = grad_m.permute(0, 5, 1, 2, 3, 4).reshape(n, -1, h, w)
            grad_m = F.pixel_shuffle(grad_m, s)
        return grad_x, grad_m, None, None, None


def carafe_pytorch(features: Tensor, masks: Tensor, kernel_size: int,
                   group_size: int, scale_factor: int) -> Tensor:
    """CARAFE feature reassembly in pure PyTorch (any device).

    Same maths as mmcv's CUDA kernels (``carafe`` and ``carafe_naive``)::

        out[n, c, p, q] = sum_{ky, kx}
            x[n, c, p // s + ky - r, q // s + kx - r]
            * masks[n, g * k * k + ky * k + kx, p, q]

    with ``r = (k - 1) // 2``, ``g = c // (C / G)`` and zero padding outside
    the feature map.

    Layout: the output is accumulated as ``s*s`` sub-pixel planes of the
    source size (``pixel_unshuffle`` of the kernels, ``pixel_shuffle`` of
    the result), so every step runs over contiguous rows; accumulating in
    the output layout directly is 3-4x slower on CPU.

    ``channels_last`` features (T-MAD on a CPU, see
    :mod:`mmedit_tmad.utils.precision`) are reassembled in their own layout,
    channels innermost, and the result is ``channels_last``.

    Precision: half and bfloat16 inputs (autocast) are computed in float32
    and cast back to the inputs' common dtype: in bfloat16 the 25-term sums
    are no faster on CPU and lose about 3 significant bits.

    Memory: the ``k*k`` taps are visited in a loop over *views* of the padded
    low-resolution features, broadcast against the matching kernel plane and
    accumulated in place; nothing of size ``k*k x`` the feature map is made
    (as ``F.unfold`` would), and only the inputs are saved for backward. The
    backward pass is written out in the same layout (first-order only).

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
    dtype = torch.promote_types(features.dtype, masks.dtype)
    work = torch.promote_types(dtype, torch.float32)
    features, masks = features.to(work), masks.to(work).contiguous()
    if torch.jit.is_tracing():  # TorchScript / ONNX export: plain ops
        return _carafe_traced(features, masks, kernel_size, group_size,
                              scale_factor).to(dtype)
    if not features.is_contiguous() and features.is_contiguous(
            memory_format=torch.channels_last):
        out = _CARAFEChannelsLast.apply(features, masks, kernel_size,
                                        group_size, scale_factor)
    else:
        out = _CARAFEFunction.apply(features.contiguous(), masks,
                                    kernel_size, group_size, scale_factor)
    return out.to(dtype)


def _carafe_traced(features: Tensor, masks: Tensor, k: int, g: int,
                   s: int) -> Tensor:
    """:class:`_CARAFEFunction`'s forward in out-of-place ops, which a
    tracer (TorchScript, ONNX) records as a graph of standard operators."""
    n, c, h, w = features.shape
    r = (k - 1) // 2
    # (n, g, c/g, h+2r, w+2r)
    padded = F.pad(features.contiguous(),
                   (r, r, r, r)).reshape(n, g, c // g, h + 2 * r, w + 2 * r)
    # (n, g, k*k, 1, s*s, h, w)
    kernels = _subpixel_kernels(masks, k, g, s).unsqueeze(3)
    out = None
    for ky in range(k):
        for kx in range(k):
            # (n, g, c/g, s*s, h, w)
            tap = padded[:, :, :, ky:ky + h, kx:kx + w].unsqueeze(3) * \
                kernels[:, :, ky * k + kx]
            out = tap if out is None else out + tap
    # (n, c*s*s, h, w) -> (n, c, h*s, w*s)
    return F.pixel_shuffle(out.reshape(n, c * s * s, h, w), s)


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
