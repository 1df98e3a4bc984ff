# kmemcg-rig. The two commands: `make test` (the main job) and
# `make check` (the rig's own tests). The variables of
# tests/pipeline/variables.list are passed to run.sh. See README.md.

SHELL := /bin/bash
# The variables the rig reads, one list for make and run.sh. One given on
# the command line that is not among them is a typo (TEST= for TESTS=),
# refused before anything runs rather than ignored.
RIG_VARS := $(shell sed "s/#.*//; s/[[:space:]].*//" $(dir $(lastword $(MAKEFILE_LIST)))tests/pipeline/variables.list)
export $(RIG_VARS)
$(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(if $(filter $(v),$(RIG_VARS)),,$(shell echo "rig: error: unknown variable $(v)$(if $(filter $(v)S,$(RIG_VARS)), (did you mean $(v)S?)): the rig reads those of tests/pipeline/variables.list (see README.md, Options)" >&2)$(error unknown variable $(v)))))

.PHONY: test check check-quick deps shell build bisect nightly nightly-list index bench mutants mutants-stale sweep sweep-keep soak releases known list clean distclean

test:
	@./run.sh test

shell:
	@./run.sh shell

deps:
	@./run.sh deps

build:
	@./run.sh build

# make bisect KERNEL_SRC=~/linux GOOD=v6.11 BAD=v6.12 [TESTS=...] [REPEAT=1]
bisect:
	@./run.sh bisect

# make nightly [MATRIX="arch=um kernel=6.12,6.1 cgroup=v2 debug=0,1"] [SHARD=1/3] [RERUN=1]
nightly:
	@./run.sh nightly

nightly-list:
	@./run.sh nightly-list

index:
	@./run.sh index

# make soak N=20 [ARCH=um]: the warm suite N times, failures and figure spreads
soak:
	@./run.sh soak

# make releases [ARCH=um] [RELEASES=6.12.107,...]: make test on Debian's point
# releases, by default the oldest and newest of each line
releases:
	@./run.sh releases

# make known: each known failure with the rate the recorded soaks measured
known:
	@./run.sh known write

list:
	@./run.sh list

check:
	@tests/check/run.sh

# Host-only checks (static, parser and log-scan fixtures, bad input, the
# nightly matrix), under a minute: before every commit.
check-quick:
	@tests/check/run.sh quick

mutants:
	@tests/commands/mutants.sh

# Only the mutations whose row in the recorded table is missing or stale,
# merged into it.
mutants-stale:
	@tests/commands/mutants.sh stale

# make sweep [SWEEP_ONLY=fn[:a-b]] [SWEEP_DEBUG=0]: generated mutants of the
# reparenting functions (tests/sweep/functions), a kill rate for each
sweep:
	@tests/commands/sweep.sh

# make sweep-keep MUTANT=.../patches/<id>.patch NAME=<name> TESTS=<tests>
sweep-keep:
	@tests/commands/sweep.sh keep

bench:
	@tests/commands/bench.sh

# Kernel objects and the unpacked sources; results/ is kept.
clean:
	rm -rf build

distclean: clean
	find results -mindepth 1 -maxdepth 1 ! -name .gitignore -exec rm -rf {} +
