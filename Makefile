# kmemcg-rig. The two commands: `make test` (the main job) and
# `make check` (the rig's own tests). Variables are passed to run.sh:
# ARCH KERNEL KERNEL_SRC SERIES DEBUG CGROUP TESTS TIMEOUT MEM JOBS
# KCONFIG_ADD. See README.md.

SHELL := /bin/bash
export ARCH KERNEL KERNEL_SRC SERIES DEBUG CGROUP TESTS TIMEOUT MEM CPUS ACCEL JOBS KCONFIG_ADD MUTANTS

.PHONY: test check deps shell bench mutants list clean distclean

test:
	@./run.sh test

shell:
	@./run.sh shell

deps:
	@./run.sh deps

list:
	@./run.sh list

check:
	@tests/check/run.sh

mutants:
	@tests/check/mutants.sh

bench:
	@tests/check/bench.sh

# Kernel objects and the unpacked sources; results/ is kept.
clean:
	rm -rf build

distclean: clean
	find results -mindepth 1 -maxdepth 1 ! -name .gitignore -exec rm -rf {} +
