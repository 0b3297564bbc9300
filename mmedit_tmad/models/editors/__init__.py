# Copyright (c) OpenMMLab. All rights reserved.
from .tmad import *  # noqa: F401,F403
