# The two commands of the README: `make run` and `make test`. Both install what is missing first.
PY := .venv/bin/python
FRONTLINE := .venv/bin/frontline
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test bench setup db-start db-stop clean-db

run:
	@bash scripts/bootstrap.sh
	@$(FRONTLINE) up

test:
	@bash scripts/bootstrap.sh --test
	@$(FRONTLINE) db start >/dev/null
	@$(PY) -m pytest $(PYTEST_ARGS)

bench:
	@bash scripts/bootstrap.sh --bench
	@$(PY) bench/run.py

setup:
	@bash scripts/bootstrap.sh --test

db-start:
	@$(FRONTLINE) db start

db-stop:
	@$(FRONTLINE) db stop
