# Copyright (c) OpenMMLab. All rights reserved.
from .archs import *  # noqa: F401,F403
from .editors import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
