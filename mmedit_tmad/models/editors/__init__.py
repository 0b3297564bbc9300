# Copyright (c) OpenMMLab. All rights reserved.
from .baselines import *  # noqa: F401,F403
from .cra import *  # noqa: F401,F403
from .deepfill_psnet import *  # noqa: F401,F403
from .tmad import *  # noqa: F401,F403
