# Copyright (c) OpenMMLab. All rights reserved.
"""The model zoo: a model name -> its config and its shipped weights.

As ``MMagicInferencer(model_name=...)``: the names are those of
``model-index.yml`` (its ``configs/*/metafile.yml``). A model whose
``Weights`` is a file under ``checkpoints/`` ships with the package and is
checked against the metafile's ``SHA256`` before it is loaded; the other
entries are configs to train.
"""
import hashlib
import os.path as osp
from typing import Dict, Optional, Tuple

import yaml

_PKG = osp.dirname(osp.dirname(osp.abspath(__file__)))


def zoo_root() -> str:
    """Folder holding ``model-index.yml``, ``configs/`` and ``checkpoints/``.

    The repository of an editable install, else the package's ``.mim``
    copy (``pip install .``).
    """
    for root in (osp.dirname(_PKG), osp.join(_PKG, '.mim')):
        if osp.isfile(osp.join(root, 'model-index.yml')):
            return root
    raise FileNotFoundError(
        f'model-index.yml is neither in {osp.dirname(_PKG)} nor in '
        f'{osp.join(_PKG, ".mim")}; reinstall mmedit_tmad')


def list_models(root: Optional[str] = None) -> Dict[str, dict]:
    """Every model of the zoo: name -> ``collection`` (the method),
    ``config``, ``weights``, ``sha256``.

    ``config`` and ``weights`` are absolute paths (``weights`` None for a
    model without shipped weights).
    """
    root = root or zoo_root()
    with open(osp.join(root, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = {}
    for metafile in index.get('Import', []):
        with open(osp.join(root, metafile)) as f:
            meta = yaml.safe_load(f)
        for model in meta.get('Models', []):
            weights = model.get('Weights', '')
            shipped = isinstance(weights, str) and \
                weights.startswith('checkpoints/')
            models[model['Name']] = dict(
                collection=model.get('In Collection', ''),
                config=osp.join(root, model['Config']),
                weights=osp.join(root, weights) if shipped else None,
                sha256=model.get('SHA256'))
    return models


def sha256sum(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def resolve_model(name: str, root: Optional[str] = None) -> dict:
    """Config and checked weights of a model name.

    Raises:
        KeyError: An unknown name (the message lists the known ones).
        FileNotFoundError: Shipped weights missing from the installation.
        OSError: Weights whose sha256 differs from the metafile's.
    """
    models = list_models(root)
    if name not in models:
        shipped = sorted(n for n, m in models.items() if m['weights'])
        raise KeyError(
            f'{name!r} is neither a config file nor a model of the zoo; '
            f'models with weights: {", ".join(shipped) or "none"} '
            f'(all names: model-index.yml)')
    model = dict(models[name], name=name)
    weights = model['weights']
    if weights is not None:
        if not osp.isfile(weights):
            raise FileNotFoundError(
                f'the weights of {name} are missing: {weights}; they ship '
                'with the repository (git clone) and with pip install .')
        if model['sha256'] and sha256sum(weights) != model['sha256']:
            raise OSError(f'{weights} is not the file the model zoo lists '
                          f'(sha256 differs from {model["sha256"]}); '
                          'restore it with git checkout')
    return model


def resolve_config(config: str,
                   checkpoint: Optional[str] = None
                   ) -> Tuple[str, Optional[str]]:
    """A config file as given, or a model name's config and weights.

    Args:
        config (str): A config file (an existing file, or a name ending in
            ``.py``: left to the caller to find) or a model name.
        checkpoint (str, optional): Weights given by the user; for a model
            name they replace the shipped ones. Default: None.

    Returns:
        tuple[str, str | None]: The config file and the weights.

    Raises:
        KeyError, FileNotFoundError, OSError: As :func:`resolve_model`.
    """
    if osp.isfile(config) or config.endswith('.py'):
        return config, checkpoint
    zoo = resolve_model(config)
    return zoo['config'], checkpoint or zoo['weights']
