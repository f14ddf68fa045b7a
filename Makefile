# suqiu: one hand-written Makefile.  `make run` and `make check` are the two commands a newcomer needs;
# both install what is missing first (ops/deps.sh), so they work on a fresh Debian 12 machine.

BUILD    ?= build
CC       ?= cc
PKGS      = libczmq libzmq libpq yaml-0.1 jansson libmicrohttpd zlib libxml-2.0 openssl libsodium libcurl gmime-3.0
OPT      ?= -O2 -g
WARN      = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
ALL_CFLAGS  = $(OPT) $(WARN) -Ilib $(EXTRA_INCLUDES) $(SANITIZE) $(CFLAGS)
ALL_LDFLAGS = $(SANITIZE) $(LDFLAGS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm

LIB_SRC     = lib/sq_alloc.c lib/sq_date.c lib/sq_utf8.c lib/sq_log.c lib/sq_config.c lib/sq_mdp.c lib/sq_mdp_client.c lib/sq_mdp_worker.c \
              lib/sq_db.c lib/sq_envelope.c lib/sq_number.c lib/sq_program.c lib/sq_state.c lib/sq_handoff.c lib/sq_simhash.c lib/sq_reply.c \
              lib/sq_ngram.c lib/sq_textclass.c lib/sq_textclass_file.c lib/sq_csv.c lib/sq_training.c lib/sq_yaml.c lib/sq_catalog.c \
              lib/sq_gazetteer.c lib/sq_matrix.c lib/sq_rules.c lib/sq_calendar.c lib/sq_sla.c lib/sq_deadline.c \
              lib/sq_http.c lib/sq_spool.c lib/sq_submit.c lib/sq_ratelimit.c lib/sq_template.c lib/sq_token.c lib/sq_password.c lib/sq_dbpool.c lib/sq_change.c \
              lib/sq_hanzi.c lib/sq_repeat.c lib/sq_history.c lib/sq_credit.c lib/sq_records.c lib/sq_call.c \
              lib/sq_wechat_crypto.c lib/sq_wechat_xml.c lib/sq_outbox_client.c lib/sq_regex_leads.c \
              lib/sq_mail.c lib/sq_mail_header.c lib/sq_mail_text.c lib/sq_mail_thread.c lib/sq_mail_compose.c lib/sq_lmtp.c
BROKER_SRC  = broker/main.c broker/broker.c
WORKER_SRC  = workers/main.c workers/intake.c workers/lookup.c workers/sweeper.c \
              workers/classify.c workers/route.c workers/catalog_sync.c workers/deadline.c \
              workers/calls.c workers/outbox.c
HOTLINE_SRC = adapters/hotline/main.c adapters/hotline/hotline.c
WEB_SRC     = adapters/web/main.c adapters/web/web.c adapters/web/submit.c adapters/web/open311.c adapters/web/citizen.c
DESK_SRC    = adapters/desk/main.c adapters/desk/desk.c adapters/desk/api.c adapters/desk/board.c
WECHAT_SRC  = adapters/wechat/main.c adapters/wechat/wechat.c adapters/wechat/sender.c
EMAIL_SRC   = adapters/email/main.c adapters/email/email.c adapters/email/take.c adapters/email/lmtp_server.c \
              adapters/email/sender.c
CTL_SRC     = ctl/main.c ctl/connect.c ctl/migrate.c ctl/show.c ctl/route_cmd.c ctl/catalog_cmd.c ctl/classify_cmd.c ctl/correct_cmd.c ctl/calendar_cmd.c ctl/action_cmd.c \
              ctl/rules.c ctl/deadline_cmd.c ctl/stats_cmd.c ctl/spool_cmd.c ctl/user_cmd.c ctl/demo_cmd.c ctl/history_cmd.c ctl/import_cmd.c
TEST_SRC    = tests/check_main.c tests/test_log.c tests/test_config.c tests/test_mdp.c tests/test_mdp_worker.c \
              tests/test_envelope.c tests/test_credit.c tests/test_call.c tests/test_number.c tests/test_state.c tests/test_simhash.c \
              tests/test_yaml.c tests/test_catalog.c tests/test_matrix.c \
              tests/test_textclass.c tests/test_csv.c tests/test_records.c tests/test_broker.c tests/test_http.c tests/test_spool.c tests/test_db.c tests/test_intake_db.c \
              tests/test_calendar.c tests/test_sla.c tests/test_deadline.c tests/test_hanzi.c \
              tests/test_repeat.c tests/test_history.c tests/test_wechat.c tests/test_mail.c tests/test_lmtp.c tests/test_regex_leads.c

LIB       = $(BUILD)/libsuqiu.a
BIN       = $(BUILD)/bin
PROGRAMS  = $(BIN)/suqiu-broker $(BIN)/suqiu-worker $(BIN)/suqiu-hotline $(BIN)/suqiu-web $(BIN)/suqiu-desk $(BIN)/suqiu-wechat $(BIN)/suqiu-email $(BIN)/suqiuctl
TESTS     = $(BIN)/check_suqiu

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all deps run stop status check check-asan check-valgrind chaos bench bench-import bench-deadlines bench-desk eval clean db
all: $(PROGRAMS) $(TESTS)

$(BUILD)/obj/%.o: %.c $(wildcard lib/*.h broker/*.h workers/*.h adapters/*/*.h ctl/*.h tests/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	@$(CC) $(ALL_CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRC))
	@mkdir -p $(dir $@)
	@echo "  AR    $@"
	@ar rcs $@ $^

$(BIN)/suqiu-broker: $(call obj,$(BROKER_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-worker: $(call obj,$(WORKER_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-hotline: $(call obj,$(HOTLINE_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-wechat: $(call obj,$(WECHAT_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-email: $(call obj,$(EMAIL_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-web: $(call obj,$(WEB_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiu-desk: $(call obj,$(DESK_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BIN)/suqiuctl: $(call obj,$(CTL_SRC)) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# The broker's and the intake's logic are linked into the tests from their own objects,
# never compiled twice.
$(call obj,$(TEST_SRC)): EXTRA_INCLUDES = -Itests -Ibroker -Iworkers
$(BIN)/check_suqiu: $(call obj,$(TEST_SRC)) $(call obj,broker/broker.c workers/intake.c) $(LIB)
	@mkdir -p $(BIN)
	@echo "  LINK  $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs check)

deps:
	@ops/deps.sh

# Everything up: packages, build, private PostgreSQL, migrations, broker, workers, adapters.
run: deps
	@$(MAKE) -s --no-print-directory all
	@ops/run.sh

stop:
	@ops/stop.sh

# Every process of the hub: state, pid, uptime, restarts, how it last died.
status:
	@ops/status.sh

db: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start

# Unit suites (Check) and the database suite, then the integration tests with real processes.
check: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@ops/check.sh $(BUILD)

check-asan: deps
	@$(MAKE) -s --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all
	@ops/pg.sh start
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    ops/check.sh build-asan

# The Check suites in one process under valgrind: any memory error or definite leak fails.
check-valgrind: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@ops/check.sh $(BUILD) --valgrind

# A hub of its own under load, its processes killed at random moments; see ops/chaos.py.
# CHAOS_SECONDS=60 make chaos for a short run.
chaos: deps
	@$(MAKE) -s --no-print-directory all
	@/usr/bin/python3 ops/chaos.py

bench: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@ops/bench.sh $(BUILD)
	@ops/bench_import.sh $(BUILD)
	@ops/bench_deadlines.sh $(BUILD)

# suqiuctl import of 100,000 generated hotline work orders into a fresh database, alone.
bench-import: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@ops/bench_import.sh $(BUILD)

# The supervisors' queries alone, on 10 million generated complaints (kept in var/pg).
bench-deadlines: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@ops/bench_deadlines.sh $(BUILD)

# The desks' pages read through their API, on a demo city of 10,000 work orders.
bench-desk: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@SUQIU_BIN=$(CURDIR)/$(BUILD)/bin /usr/bin/python3 ops/bench_desk.py $(BENCH_DESK_ARGS)

# The routing quality on realistic text through the real pipeline (tests/eval/run_eval.py): the
# leak check, then each field's accuracy, triage, urgency, repeat reports, confusion and errors on
# the dev and held-out halves, then the Teddy Cup test rows before and after learning from its
# train rows as a city's history, when ../shared/data is there.  EVAL_ARGS="--show dev" shows
# only the half to look at while improving.  A few minutes.
eval: deps
	@$(MAKE) -s --no-print-directory all
	@ops/pg.sh start
	@/usr/bin/python3 tests/eval/leak_check.py
	@SUQIU_BIN=$(CURDIR)/$(BUILD)/bin /usr/bin/python3 tests/eval/run_eval.py $(EVAL_ARGS)

clean:
	rm -rf build build-asan
