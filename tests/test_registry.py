# Copyright (c) OpenMMLab. All rights reserved.
import inspect

import mmagic.registry
import torch.nn as nn
from mmengine.registry import DefaultScope

import mmedit_tmad
import mmedit_tmad.models
from mmedit_tmad import registry


def _exported_modules():
    """Every nn.Module class that ``mmedit_tmad.models`` exports."""
    return {
        name: obj
        for name, obj in vars(mmedit_tmad.models).items()
        if inspect.isclass(obj) and issubclass(obj, nn.Module)
        and obj.__module__.startswith('mmedit_tmad')
        and not inspect.isabstract(obj)  # bases such as ClassicalInpaintor
    }


def test_registry_names_the_host():
    assert registry.HOST_SCOPE == 'mmagic'
    assert registry.MODELS is mmagic.registry.MODELS
    assert registry.TRANSFORMS is mmagic.registry.TRANSFORMS
    assert registry.METRICS is mmagic.registry.METRICS


def test_every_exported_module_is_registered():
    exported = _exported_modules()
    assert exported, 'mmedit_tmad.models exports no module'
    for name, cls in exported.items():
        if '.editors.tmad.' in cls.__module__:
            assert name.startswith('TMAD'), f'{name}: T-MAD classes are TMAD*'
        assert mmagic.registry.MODELS.get(name) is cls, name


def test_registered_classes_resolve_in_host_scope():
    """What a config names with default_scope='mmagic' is our class."""
    ours = {
        name: cls
        for name, cls in mmagic.registry.MODELS.module_dict.items()
        if cls.__module__.startswith('mmedit_tmad')
    }
    assert set(_exported_modules()) <= set(ours)
    with DefaultScope.overwrite_default_scope(registry.HOST_SCOPE):
        for name, cls in ours.items():
            assert mmagic.registry.MODELS.get(name) is cls
            # a dotted scope prefix works too
            assert mmagic.registry.MODELS.get(f'mmagic.{name}') is cls


def test_version():
    assert mmedit_tmad.__version__.count('.') == 2
    assert mmedit_tmad.version_info[:2] == tuple(
        int(x) for x in mmedit_tmad.__version__.split('.')[:2])


def test_data_and_metric_classes_are_registered():
    import mmedit_tmad.datasets
    import mmedit_tmad.evaluation
    assert registry.TRANSFORMS.get('TMADLoadFixedMask') is \
        mmedit_tmad.datasets.TMADLoadFixedMask
    assert registry.METRICS.get('TMADTV') is mmedit_tmad.evaluation.TMADTV
    assert registry.METRICS.get('TMADTransFID') is \
        mmedit_tmad.evaluation.TMADTransFID
