# Copyright (c) OpenMMLab. All rights reserved.
import pytest

from mmedit_tmad.registry import METRICS


def test_missing_inception_weights_name_the_file(tmp_path):
    path = str(tmp_path / 'inception-2015-12-05.pt')
    with pytest.raises(FileNotFoundError,
                       match=r'inception-2015-12-05\.pt.*nvlabs'):
        METRICS.build(dict(type='TMADTransFID', inception_path=path))
    with pytest.raises(FileNotFoundError, match='pytorch-fid'):
        METRICS.build(
            dict(type='TMADTransFID', inception_path=path,
                 inception_style='PyTorch'))
