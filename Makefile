# neobay -- build, run, test.  `make run` and `make test` install what is missing
# (as root on Debian, through tools/deps.sh), so a fresh machine needs nothing else.
#
# Override for a cluster without root:  make CC=gcc PREFIX=$HOME/.local \
#     HDF5_DIR=/opt/hdf5 GSL_DIR=/opt/gsl FYAML_DIR=/opt/libfyaml NB_NO_DEPS=1
# Any *_DIR replaces pkg-config for that library (headers in DIR/include, libs in DIR/lib).

CC      ?= gcc
PREFIX  ?= /usr/local
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
# -ffp-contract=off: no fused multiply-add, so results are bit-identical on any x86-64
# whatever -march says.  No -ffast-math anywhere, for the same reason.
CFLAGS  ?= -O3 -g
# Flags neobay needs whatever CFLAGS says (a command-line CFLAGS replaces the line above).
NB_CFLAGS = -std=c17 -Wall -Wextra -Wshadow -Wno-unused-parameter -ffp-contract=off \
           -fopenmp -D_POSIX_C_SOURCE=200809L
LDFLAGS ?=

pkg = $(shell pkg-config $(1) $(2) 2>/dev/null)
ifdef HDF5_DIR
  HDF5_CFLAGS = -I$(HDF5_DIR)/include
  HDF5_LIBS   = -L$(HDF5_DIR)/lib -Wl,-rpath,$(HDF5_DIR)/lib -lhdf5_hl -lhdf5
else
  HDF5_CFLAGS = $(call pkg,--cflags,hdf5-serial)
  HDF5_LIBS   = $(call pkg,--libs,hdf5-serial) $(patsubst -L%,-Wl$(comma)-rpath$(comma)%,$(filter -L%,$(call pkg,--libs,hdf5-serial))) -lhdf5_hl -lhdf5
endif
ifdef GSL_DIR
  GSL_CFLAGS = -I$(GSL_DIR)/include
  GSL_LIBS   = -L$(GSL_DIR)/lib -Wl,-rpath,$(GSL_DIR)/lib -lgsl -lgslcblas -lm
else
  GSL_CFLAGS = $(call pkg,--cflags,gsl)
  GSL_LIBS   = $(call pkg,--libs,gsl)
endif
ifdef FYAML_DIR
  FYAML_CFLAGS = -I$(FYAML_DIR)/include
  FYAML_LIBS   = -L$(FYAML_DIR)/lib -Wl,-rpath,$(FYAML_DIR)/lib -lfyaml
else
  FYAML_CFLAGS = $(call pkg,--cflags,libfyaml)
  FYAML_LIBS   = $(call pkg,--libs,libfyaml)
endif
CMOCKA_CFLAGS = $(call pkg,--cflags,cmocka)
CMOCKA_LIBS   = $(call pkg,--libs,cmocka)
comma := ,
# MPI (optional): built with it, `mpirun -n R neobay sweep ...` spreads a sweep's points
# over R ranks; without it the same command runs serially.  Found through OpenMPI's
# pkg-config (ompi-c), else `mpicc -showme`; MPI_DIR=/path names another MPI
# (headers in MPI_DIR/include, libmpi in MPI_DIR/lib); NB_NO_MPI=1 builds without.
ifndef NB_NO_MPI
  ifdef MPI_DIR
    MPI_CFLAGS = -I$(MPI_DIR)/include
    MPI_LIBS   = -L$(MPI_DIR)/lib -Wl,-rpath,$(MPI_DIR)/lib -lmpi
  else
    MPI_CFLAGS := $(or $(call pkg,--cflags,ompi-c),$(shell mpicc -showme:compile 2>/dev/null))
    MPI_LIBS   := $(or $(call pkg,--libs,ompi-c),$(shell mpicc -showme:link 2>/dev/null))
  endif
endif

GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- model app 2>/dev/null || echo -dirty)
ALL_CFLAGS = $(NB_CFLAGS) $(CFLAGS) $(GSL_CFLAGS) $(HDF5_CFLAGS) $(FYAML_CFLAGS) -DNB_GIT_COMMIT='"$(GIT_COMMIT)"'

MODEL_SRC = $(wildcard model/*.c)
APP_SRC   = $(filter-out app/main.c,$(wildcard app/*.c))
TEST_SRC  = $(wildcard tests/test_*.c)
MODEL_OBJ = $(MODEL_SRC:%.c=$(BUILD)/%.o)
APP_OBJ   = $(APP_SRC:%.c=$(BUILD)/%.o)
TESTS     = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIBS      = $(FYAML_LIBS) $(HDF5_LIBS) $(GSL_LIBS) -lm
ifneq ($(strip $(MPI_LIBS)),)
  # Only the sweep driver includes <mpi.h>; MPI_Init runs only inside `neobay sweep`.
  $(BUILD)/app/sweep_run.o: ALL_CFLAGS += $(MPI_CFLAGS) -DNB_HAVE_MPI
  LIBS += $(MPI_LIBS)
endif
HEADERS   = $(wildcard model/*.h model/*.def app/*.h)

.PHONY: all deps run test test-c test-asan test-py bench install clean docs check-docs
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BUILD)/neobay

deps:
	@[ -n "$(NB_NO_DEPS)" ] || sh tools/deps.sh

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -c $< -o $@

$(BUILD)/libneobay.a: $(MODEL_OBJ) $(APP_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/neobay: $(BUILD)/app/main.o $(BUILD)/libneobay.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libneobay.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(CMOCKA_LIBS) $(LIBS)

# ---- the two commands of README.md -------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/neobay run scenarios/baseline.yaml -o output/baseline.h5
	$(BUILD)/neobay summary output/baseline.h5

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-c test-asan test-py

test-c: $(TESTS) $(BUILD)/neobay
	@set -e; for t in $(TESTS); do echo "== $$t"; NB_ROOT=$(CURDIR) $$t; done

# The C tests again under AddressSanitizer and UndefinedBehaviorSanitizer.  OpenMP's
# runtime keeps thread pools alive at exit, which LeakSanitizer reports: detect_leaks
# is off for that reason only; ASan still checks every access.
test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" build-asan/neobay $(TESTS:$(BUILD)/%=build-asan/%)
	@set -e; for t in $(TESTS:$(BUILD)/%=build-asan/%); do echo "== $$t (asan+ubsan)"; \
	  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 NB_ROOT=$(CURDIR) $$t; done

test-py: $(BUILD)/neobay
	NEOBAY=$(CURDIR)/$(BUILD)/neobay $(PYTHON) -m pytest -q tests/e2e

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tools/bench
	$(BUILD)/tools/bench
	sh tools/bench_sweep.sh $(BUILD)/neobay
	@if [ -f tools/bench_calibrate.sh ]; then sh tools/bench_calibrate.sh $(BUILD)/neobay; fi

$(BUILD)/tools/bench: $(BUILD)/tools/bench.o $(BUILD)/libneobay.a
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDFLAGS) $(LIBS)

# The standard figures as PNG, without Jupyter (tools/figures.py, package neobay_py):
# the baseline, the 2024 policy and its five pillars (FIG_REPLICATES replicates each,
# paired by common random numbers) into FIG_RUNS, their impact files, then the figures
# into FIG_DIR (README embeds output/figures/projection.png and policy-impact.png).
# FIG_SWEEP=SWEEP.h5 and FIG_POSTERIOR=POST.h5 add the sweep and calibration figures;
# FIG_ONLY=name,... renders only some.
FIG_DIR        ?= output/figures
FIG_RUNS       ?= output/runs
FIG_REPLICATES ?= 200
FIG_POLICIES   ?= policy-2024 pillar-1-source pillar-2-conversion pillar-3-firms \
                  pillar-4-factors pillar-5-climate
.PHONY: figures
figures: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(FIG_RUNS) $(FIG_DIR)
	$(BUILD)/neobay run scenarios/baseline.yaml -o $(FIG_RUNS)/baseline.h5 -r $(FIG_REPLICATES) -q
	@set -e; for p in $(FIG_POLICIES); do \
	  echo "$(BUILD)/neobay run scenarios/$$p.yaml -o $(FIG_RUNS)/$$p.h5 -r $(FIG_REPLICATES) -q"; \
	  $(BUILD)/neobay run scenarios/$$p.yaml -o $(FIG_RUNS)/$$p.h5 -r $(FIG_REPLICATES) -q; \
	  $(BUILD)/neobay compare $(FIG_RUNS)/baseline.h5 $(FIG_RUNS)/$$p.h5 \
	    -o $(FIG_RUNS)/impact-$$p.h5 >/dev/null; done
	$(PYTHON) tools/figures.py $(FIG_RUNS)/baseline.h5 \
	  $(foreach p,$(FIG_POLICIES),--compare $(FIG_RUNS)/impact-$(p).h5) \
	  $(if $(FIG_SWEEP),--sweep $(FIG_SWEEP)) $(if $(FIG_POSTERIOR),--posterior $(FIG_POSTERIOR)) \
	  $(if $(FIG_ONLY),--only $(FIG_ONLY)) -o $(FIG_DIR)

# model/PARAMETERS.md is generated from the registry; a test fails when it is stale.
docs: $(BUILD)/neobay
	$(BUILD)/neobay params --markdown > model/PARAMETERS.md

install: $(BUILD)/neobay
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/neobay $(DESTDIR)$(PREFIX)/bin/neobay

clean:
	rm -rf build build-asan
