# The two commands of the README:
#   make demo   - set up (first run ~15 min), then train + evaluate T-MAD on the
#                 embedded real photos on CPU
#   make test   - set up, then run the test suite
# Both first run tools/setup_env.sh, which returns in a second once done.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: env demo test clean-env

env:
	@VENV=$(abspath $(VENV)) bash tools/setup_env.sh

demo: env
	$(PY) tools/demo.py

test: env
	@bash tools/run_tests.sh $(PY) $(PYTEST_ARGS)

clean-env:
	rm -rf $(VENV)
