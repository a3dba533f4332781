# neobay -- build, run, test.  `make run` and `make test` install what is missing
# (as root on Debian, through tools/deps.sh), so a fresh machine needs nothing else.
#
# Override for a cluster without root:  make CC=gcc PREFIX=$HOME/.local \
#     HDF5_DIR=/opt/hdf5 GSL_DIR=/opt/gsl FYAML_DIR=/opt/libfyaml NB_NO_DEPS=1
# Any *_DIR replaces pkg-config for that library (headers in DIR/include, libs in DIR/lib).

# make defines CC=cc itself, so `CC ?= gcc` would never apply: gcc unless CC is given
# on the command line or in the environment.
ifeq ($(origin CC),default)
  CC = gcc
endif
PREFIX  ?= /usr/local
BUILD   ?= build
# The sanitizer build (make test-asan) sits next to BUILD.
ASAN_BUILD ?= $(BUILD)-asan
PYTHON  ?= /usr/bin/python3
# -ffp-contract=off: no fused multiply-add, so results are bit-identical on any x86-64
# whatever -march says.  No -ffast-math anywhere, for the same reason.
CFLAGS  ?= -O3 -g
# Flags neobay needs whatever CFLAGS says (a command-line CFLAGS replaces the line above).
NB_CFLAGS = -std=c17 -Wall -Wextra -Wshadow -Wno-unused-parameter -ffp-contract=off -fno-trapping-math \
           -fopenmp -D_POSIX_C_SOURCE=200809L
LDFLAGS ?=

pkg = $(shell pkg-config $(1) $(2) 2>/dev/null)
# A *_DIR given to make must exist with include/ and lib/: a wrong one is an error
# here, never a -I/-L that finds nothing and a RUNPATH baked into the binary.
check_dir = $(if $(wildcard $($(1))/include/.),$(if $(wildcard $($(1))/lib/.),,$(error $(1)=$($(1)): no directory $($(1))/lib)),$(error $(1)=$($(1)): no directory $($(1))/include (give the prefix holding include/ and lib/)))
$(foreach d,HDF5_DIR GSL_DIR FYAML_DIR MPI_DIR,$(if $($(d)),$(call check_dir,$(d))))
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

# The library's version, for the shared library's file name and neobay.pc: read from
# model/neobay.h, so there is one place to change it.  While the major number is 0
# every minor release may break the ABI (nb_params grows with params.def), so the
# soname carries major.minor then, the major alone from 1.0 on.
NB_VER      := $(shell sed -n 's/^.define NB_VERSION "\([0-9.]*\)".*/\1/p' model/neobay.h)
NB_VER_MAJ  := $(word 1,$(subst ., ,$(NB_VER)))
SOVERSION   := $(if $(filter 0,$(NB_VER_MAJ)),$(NB_VER_MAJ).$(word 2,$(subst ., ,$(NB_VER))),$(NB_VER_MAJ))
SO_NAME     := libneobay.so.$(SOVERSION)
SO_FILE     := libneobay.so.$(NB_VER)

# The source folders are layers, each including only those before it (model/ is the
# core, cli/ the command line; tests/e2e/test_layers.py checks the order):
#   model <- io <- sweep, calibrate, analysis <- cli
# Their files include each other's headers by basename ("h5out.h"): -iquote puts every
# layer folder on the "..." search path (and not on <...>'s, so io/error.h never hides
# the C library's <error.h>).
LAYERS   = io sweep calibrate analysis cli
SRC_DIRS = model $(LAYERS)

# Generated files live in the build tree, so an out-of-tree build (BUILD=/tmp/b)
# writes nothing into the sources.
GEN = $(BUILD)/gen
# The commit, "-dirty" when the sources (SRC_DIRS) differ from it; "unknown" outside git (a
# tarball), where there is nothing to compare with.
GIT_HEAD   := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
GIT_COMMIT := $(if $(GIT_HEAD),$(GIT_HEAD)$(shell git diff --quiet HEAD -- $(SRC_DIRS) 2>/dev/null || echo -dirty),unknown)
ALL_CFLAGS = $(NB_CFLAGS) $(CFLAGS) $(GSL_CFLAGS) $(HDF5_CFLAGS) $(FYAML_CFLAGS) -I$(GEN) \
  $(LAYERS:%=-iquote %)
# The model core is also a shared library: position-independent code, and only the
# NB_API declarations of the public headers exported (model/nb_api.h).  No semantic
# interposition lets calls inside the library stay direct, as in the static binary.
LIB_CFLAGS = -fPIC -fvisibility=hidden -fno-semantic-interposition

MODEL_SRC = $(wildcard model/*.c)
APP_SRC   = $(filter-out cli/main.c,$(wildcard $(LAYERS:%=%/*.c)))
TEST_SRC  = $(wildcard tests/test_*.c)
MODEL_OBJ = $(MODEL_SRC:%.c=$(BUILD)/%.o)
APP_OBJ   = $(APP_SRC:%.c=$(BUILD)/%.o)
TESTS     = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
ALL_OBJ   = $(MODEL_OBJ) $(APP_OBJ) $(BUILD)/cli/main.o $(TESTS:%=%.o) $(BUILD)/tools/bench.o
LIBS      = $(FYAML_LIBS) $(HDF5_LIBS) $(GSL_LIBS) -lm
# libneobay (the installed library) is the model core only; the other layers' objects go into an
# internal archive that the binary, the tests and the bench link before it.
MODEL_LIB = $(BUILD)/libneobay.a
APP_LIB   = $(BUILD)/libneobay-app.a
# Headers installed under include/neobay/: model/'s, except model.h and sanity.h (the
# model's internals), and the .def tables they include.
PUB_HEADERS = $(filter-out model/model.h model/sanity.h,$(wildcard model/*.h)) $(wildcard model/*.def)

# Per-object flags are `private`, so they do not leak into prerequisites (the
# flags stamp below must read the same whichever object asks for it first).
$(MODEL_OBJ): private OBJ_CFLAGS = $(LIB_CFLAGS)
ifneq ($(strip $(MPI_LIBS)),)
  # Only the sweep driver includes <mpi.h>; MPI_Init runs only inside `neobay sweep`.
  $(BUILD)/sweep/sweep_run.o: private OBJ_CFLAGS = $(MPI_CFLAGS) -DNB_HAVE_MPI
  LIBS += $(MPI_LIBS)
endif

# Everything the objects are compiled and linked with.  $(GEN)/flags holds it and is
# rewritten only when it differs, so `make NB_NO_MPI=1` or a new CFLAGS rebuilds
# every object and a repeated command rebuilds nothing.
BUILD_FLAGS = CC=$(CC) | $(ALL_CFLAGS) $(CMOCKA_CFLAGS) | lib $(LIB_CFLAGS) | \
  mpi $(MPI_CFLAGS) | LDFLAGS=$(LDFLAGS) | $(LIBS) $(CMOCKA_LIBS)
# A shell word holding $(1) literally (single quotes escaped).
sq = '$(subst ','\'',$(1))'
# Move $(1).tmp over $(1) only when the contents differ, keeping $(1)'s time stamp
# (and so its dependents) otherwise.
replace_if_changed = if cmp -s $(1).tmp $(1); then rm -f $(1).tmp; else mv -f $(1).tmp $(1); fi

.PHONY: all deps run test test-c test-asan test-py bench install uninstall clean docs check-docs FORCE
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BUILD)/neobay $(BUILD)/$(SO_FILE) $(MODEL_LIB)

deps:
	@[ -n "$(NB_NO_DEPS)" ] || sh tools/deps.sh

FORCE:

$(GEN)/flags: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' $(call sq,$(BUILD_FLAGS)) > $@.tmp
	@$(call replace_if_changed,$@)

# The commit this build is from (NB_GIT_COMMIT = GIT_COMMIT): checked on every make, rewritten only when it changes, so a new commit
# recompiles just the files that include nb_version.h.
$(GEN)/nb_version.h: FORCE
	@mkdir -p $(@D)
	@printf '%s\n' '/* nb_version.h -- generated by the Makefile: the commit of this build. */' \
	  '#ifndef NB_VERSION_GEN_H' '#define NB_VERSION_GEN_H' \
	  '#define NB_GIT_COMMIT "$(GIT_COMMIT)"' '#endif' > $@.tmp
	@$(call replace_if_changed,$@)

# -MMD -MP: the compiler writes each object's header dependencies next to it (.d,
# included below), so an object is rebuilt when a header it includes changes, and
# only then.  nb_version.h is order-only here: it must exist before the first
# compile; afterwards the .d files name the few objects that include it.
$(BUILD)/%.o: %.c $(GEN)/flags | $(GEN)/nb_version.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(OBJ_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -c $< -o $@

-include $(ALL_OBJ:.o=.d)

# Archives and programs: their inputs are the .o/.a prerequisites (not the stamp).
LINK_IN = $(filter %.o %.a,$^)

$(MODEL_LIB): $(MODEL_OBJ)
	rm -f $@ && ar rcs $@ $^

$(APP_LIB): $(APP_OBJ)
	rm -f $@ && ar rcs $@ $^

# -z defs: the library names every library it needs (GSL, OpenMP's runtime), so a
# program links it with `pkg-config --libs neobay` and nothing else.
$(BUILD)/$(SO_FILE): $(MODEL_OBJ) $(GEN)/flags
	$(CC) -shared -fopenmp -Wl,-soname,$(SO_NAME) -Wl,-z,defs $(LDFLAGS) $(LINK_IN) \
	  -o $@ $(GSL_LIBS) -lm

$(BUILD)/neobay: $(BUILD)/cli/main.o $(APP_LIB) $(MODEL_LIB) $(GEN)/flags
	$(CC) $(ALL_CFLAGS) $(LINK_IN) -o $@ $(LDFLAGS) $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(APP_LIB) $(MODEL_LIB) $(GEN)/flags
	$(CC) $(ALL_CFLAGS) $(LINK_IN) -o $@ $(LDFLAGS) $(CMOCKA_LIBS) $(LIBS)

include tests/fuzz/fuzz.mk

# ---- the two commands of README.md -------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	@# --force: `make run` remakes its own file even after the scenario or the model changed
	$(BUILD)/neobay run scenarios/baseline.yaml -o output/baseline.h5 --force
	$(BUILD)/neobay summary output/baseline.h5

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-c test-asan test-py test-fuzz test-asan-e2e

test-c: $(TESTS) $(BUILD)/neobay
	@set -e; for t in $(TESTS); do echo "== $$t"; NB_ROOT=$(CURDIR) $$t; done

# The C tests again under AddressSanitizer and UndefinedBehaviorSanitizer, with the
# model's sanity checks asserted at every step (NB_SANITY, model/sanity.h).  OpenMP's
# runtime keeps thread pools alive at exit, which LeakSanitizer reports: detect_leaks
# is off for that reason only; ASan still checks every access.
test-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -DNB_SANITY" \
	  LDFLAGS="-fsanitize=address,undefined" $(ASAN_BUILD)/neobay $(TESTS:$(BUILD)/%=$(ASAN_BUILD)/%)
	@set -e; for t in $(TESTS:$(BUILD)/%=$(ASAN_BUILD)/%); do echo "== $$t (asan+ubsan)"; \
	  ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 NB_ROOT=$(CURDIR) $$t; done

test-py: $(BUILD)/neobay
	NEOBAY=$(abspath $(BUILD))/neobay $(PYTHON) -m pytest -q tests/e2e

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tools/bench
	$(BUILD)/tools/bench
	sh tools/bench_sweep.sh $(BUILD)/neobay
	@if [ -f tools/bench_calibrate.sh ]; then sh tools/bench_calibrate.sh $(BUILD)/neobay; fi

$(BUILD)/tools/bench: $(BUILD)/tools/bench.o $(APP_LIB) $(MODEL_LIB) $(GEN)/flags
	$(CC) $(ALL_CFLAGS) $(LINK_IN) -o $@ $(LDFLAGS) $(LIBS)

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
	$(BUILD)/neobay run scenarios/baseline.yaml -o $(FIG_RUNS)/baseline.h5 -r $(FIG_REPLICATES) -q --force
	@set -e; for p in $(FIG_POLICIES); do \
	  echo "$(BUILD)/neobay run scenarios/$$p.yaml -o $(FIG_RUNS)/$$p.h5 -r $(FIG_REPLICATES) -q --force"; \
	  $(BUILD)/neobay run scenarios/$$p.yaml -o $(FIG_RUNS)/$$p.h5 -r $(FIG_REPLICATES) -q --force; \
	  $(BUILD)/neobay compare $(FIG_RUNS)/baseline.h5 $(FIG_RUNS)/$$p.h5 \
	    -o $(FIG_RUNS)/impact-$$p.h5 >/dev/null; done
	$(PYTHON) tools/figures.py $(FIG_RUNS)/baseline.h5 \
	  $(foreach p,$(FIG_POLICIES),--compare $(FIG_RUNS)/impact-$(p).h5) \
	  $(if $(FIG_SWEEP),--sweep $(FIG_SWEEP)) $(if $(FIG_POSTERIOR),--posterior $(FIG_POSTERIOR)) \
	  $(if $(FIG_ONLY),--only $(FIG_ONLY)) -o $(FIG_DIR)

# model/PARAMETERS.md is generated from the registry; a test fails when it is stale.
docs: $(BUILD)/neobay
	$(BUILD)/neobay params --markdown > model/PARAMETERS.md

# ---- install ---------------------------------------------------------------------
# `make install [PREFIX=/usr/local] [DESTDIR=/staging]`: the binary, libneobay (the
# model core, shared and static), its headers under include/neobay/ and neobay.pc,
# the scenarios under share/neobay/scenarios, and the Python package neobay_py into
# PYTHONDIR (the prefix's site-/dist-packages, tools/pythondir.py).  DESTDIR is put in
# front of every path and written nowhere, for packaging.
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
PYTHONDIR  ?= $(shell $(PYTHON) $(CURDIR)/tools/pythondir.py $(PREFIX))
# neobay.pc's paths relative to ${prefix} where they lie under it (relocatable).
pcdir = $(patsubst $(PREFIX)%,$${prefix}%,$(1))

install: all
	@[ -n "$(PYTHONDIR)" ] || { echo "install: cannot find PYTHONDIR with $(PYTHON); set PYTHONDIR" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/neobay \
	  $(DESTDIR)$(DATADIR)/neobay/scenarios/sweeps $(DESTDIR)$(DATADIR)/neobay/calibration \
	  $(DESTDIR)$(PYTHONDIR)/neobay_py
	install -m 755 $(BUILD)/neobay $(DESTDIR)$(BINDIR)/neobay
	install -m 755 $(BUILD)/$(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SO_FILE)
	ln -sf $(SO_FILE) $(DESTDIR)$(LIBDIR)/$(SO_NAME)
	ln -sf $(SO_NAME) $(DESTDIR)$(LIBDIR)/libneobay.so
	install -m 644 $(MODEL_LIB) $(DESTDIR)$(LIBDIR)/libneobay.a
	install -m 644 $(PUB_HEADERS) $(DESTDIR)$(INCLUDEDIR)/neobay/
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(call pcdir,$(LIBDIR))' \
	  'includedir=$(call pcdir,$(INCLUDEDIR))' '' 'Name: neobay' \
	  'Description: the neobay model core: replicates of a policy scenario (no I/O)' \
	  'Version: $(NB_VER)' 'Requires: gsl' 'Libs: -L$${libdir} -lneobay' \
	  'Libs.private: -fopenmp -lm' 'Cflags: -I$${includedir}' \
	  > $(DESTDIR)$(LIBDIR)/pkgconfig/neobay.pc
	install -m 644 scenarios/*.yaml $(DESTDIR)$(DATADIR)/neobay/scenarios/
	install -m 644 scenarios/sweeps/*.yaml $(DESTDIR)$(DATADIR)/neobay/scenarios/sweeps/
	@# the shipped posterior `neobay run` draws from by default (beside the scenarios)
	install -m 644 calibration/gnb-2024.h5 $(DESTDIR)$(DATADIR)/neobay/calibration/
	install -m 644 neobay_py/*.py $(DESTDIR)$(PYTHONDIR)/neobay_py/
	@# A library newly put into a system directory is found once ld.so's cache knows it.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# Removes what install put there (the package and data folders are neobay's own).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/neobay $(DESTDIR)$(LIBDIR)/$(SO_FILE) \
	  $(DESTDIR)$(LIBDIR)/$(SO_NAME) $(DESTDIR)$(LIBDIR)/libneobay.so \
	  $(DESTDIR)$(LIBDIR)/libneobay.a $(DESTDIR)$(LIBDIR)/pkgconfig/neobay.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/neobay $(DESTDIR)$(DATADIR)/neobay \
	  $(DESTDIR)$(PYTHONDIR)/neobay_py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
