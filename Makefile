# The two commands of the README: `make run` and `make test`. Both install what is missing first.
PY := .venv/bin/python
FRONTLINE := .venv/bin/frontline
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT

.PHONY: run test bench bench-scale setup db-start db-stop clean-db

run:
	@bash scripts/bootstrap.sh
	@$(FRONTLINE) up

test:
	@bash scripts/bootstrap.sh --test
	@FRONTLINE_PG_DURABLE=false FRONTLINE_WAL_ARCHIVE=off $(FRONTLINE) db start >/dev/null
	@$(PY) -m pytest $(PYTEST_ARGS)

# The read path, history and browser (bench/run.py), then the scale section (bench/scale.py: the seed data and
# synthetic wars of 100 and 1,000 days side by side; sizes and limits from BENCH_* variables, see its docstring),
# the snapshot import, and five wars on one instance against each alone (bench/wars.py).
bench:
	@bash scripts/bootstrap.sh --bench
	@$(FRONTLINE) db start >/dev/null
	@$(PY) bench/run.py
	@$(PY) bench/scale.py
	@$(PY) bench/import_snapshots.py
	@$(PY) bench/wars.py

# The scale section alone. Quick: BENCH_WAR_DAYS=10,30 BENCH_SAVES=100 BENCH_SAVES_BUDGET=300 make bench-scale
bench-scale:
	@bash scripts/bootstrap.sh --bench
	@$(FRONTLINE) db start >/dev/null
	@$(PY) bench/scale.py

setup:
	@bash scripts/bootstrap.sh --test

db-start:
	@$(FRONTLINE) db start

db-stop:
	@$(FRONTLINE) db stop
