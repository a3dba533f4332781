# tests/fuzz/fuzz.mk -- included by the Makefile: the fuzz smoke of issue 14 and the
# sanitizer end-to-end run.
#
#   make test-fuzz      libFuzzer (clang 14) with ASan+UBSan and leak checking, each
#                       loader (scenario file, sweep file, --set) FUZZ_SECONDS (60)
#                       on its committed corpus tests/fuzz/corpus/<loader>/ -- the
#                       shipped scenarios and sweeps, tests/bad and every issue-14
#                       reproducer (tests/fuzz/make_corpus.py) -- any crash, leak,
#                       UB or input slower than 10 s fails
#   make test-asan-e2e  the bad-input and reliability e2e tests against the
#                       ASan+UBSan binary of test-asan, leak checking on
#
# Objects go to FUZZ_BUILD (the Makefile's BUILD=dir mechanism), so the normal and
# sanitizer builds are untouched.  About 4 minutes of CPU on top of the build.
FUZZ_BUILD   ?= $(BUILD)-fuzz
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_LOADERS  = scenario sweep set
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# OpenMP's runtime keeps its thread pool at exit: the one leak suppressed.
SAN_ENV       = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
                LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp:print_suppressions=0:fast_unwind_on_malloc=0 \
                UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The e2e tests of bad input, limits and output paths (issue 14 and the error
# messages); the whole e2e suite under ASan takes too long for CI's budget.
ASAN_E2E      = tests/e2e/test_reliability.py tests/e2e/test_bad_scenarios.py \
                tests/e2e/test_extends_confined.py tests/e2e/test_posterior_names.py \
                tests/e2e/test_messages.py tests/e2e/test_cli.py

.PHONY: test-fuzz test-asan-e2e fuzz-build

# A fuzz target: its source, linked with the app and model archives of this BUILD.
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(APP_LIB) $(MODEL_LIB) $(GEN)/flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $< $(APP_LIB) $(MODEL_LIB) -o $@ $(LDFLAGS) $(LIBS)

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) NB_NO_MPI=1 \
	  CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" LDFLAGS="$(FUZZ_SAN)" \
	  $(FUZZ_LOADERS:%=$(FUZZ_BUILD)/fuzz/fuzz_%)

test-fuzz: fuzz-build
	@set -e; for t in $(FUZZ_LOADERS); do \
	  echo "== fuzz $$t: $(FUZZ_SECONDS) s on tests/fuzz/corpus/$$t"; \
	  rm -rf $(FUZZ_BUILD)/fuzz/new-$$t && mkdir -p $(FUZZ_BUILD)/fuzz/new-$$t; \
	  $(SAN_ENV) TMPDIR=$(abspath $(FUZZ_BUILD))/fuzz $(FUZZ_BUILD)/fuzz/fuzz_$$t \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/fuzz/crash-$$t- \
	    $(FUZZ_BUILD)/fuzz/new-$$t tests/fuzz/corpus/$$t 2>$(FUZZ_BUILD)/fuzz/$$t.log \
	    || { tail -60 $(FUZZ_BUILD)/fuzz/$$t.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|Done" $(FUZZ_BUILD)/fuzz/$$t.log | tr '\n' ' '; echo; \
	  rm -rf $(FUZZ_BUILD)/fuzz/nbfuzz.*; done

test-asan-e2e: test-asan
	$(SAN_ENV) NEOBAY=$(abspath $(ASAN_BUILD))/neobay $(PYTHON) -m pytest -q $(ASAN_E2E)
