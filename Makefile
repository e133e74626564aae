# Storefront — a thin wrapper over localstack/*.sh (as neovim's Makefile wraps cmake).
# `make run` and `make test` do all set-up on a fresh Debian 12 machine; see
# docs/development.md. No logic here beyond calling the scripts.

.DEFAULT_GOAL := help
.PHONY: help run test build clean distclean format lint describe fuzz

help:
	@echo "Storefront targets:"
	@echo "  make run        install what is missing, build, start PostgreSQL (.local/pg) and"
	@echo "                  cognito-local (.local/cognito, unless COGNITO_ISSUER is set),"
	@echo "                  the Stripe stand-in (:12111) and aws-ses-v2-local (:8005, the"
	@echo "                  order e-mails), migrate + seed, serve http://127.0.0.1:8080"
	@echo "                  (Ctrl-C stops all)"
	@echo "  make test       build, then every test against a throw-away PostgreSQL + server"
	@echo "                  + emulators (cognito-local, s3rver, kinesalite, aws-ses-v2-local,"
	@echo "                  the Stripe stand-in)"
	@echo "                  (SANITIZE=1 make test: ASan + UBSan build in build-asan/)"
	@echo "  make build      install what is missing and build into build/"
	@echo "  make fuzz       fuzz the parsers (libFuzzer, clang, build-fuzz/): each target"
	@echo "                  FUZZ_SECONDS (300), FUZZ_TARGETS=\"jwt query\" to pick; crashes"
	@echo "                  in build-fuzz/crashes/ (docs/fuzzing.md)"
	@echo "  make clean      remove build/ and build-*/"
	@echo "  make distclean  clean, stop the local cluster, remove .local/ (its data and"
	@echo "                  cognito-local's users too)"
	@echo "  make format     clang-format -i the C sources"
	@echo "  make lint       cppcheck api/; rows decoded only by generated code"
	@echo "  make describe   after editing schema/queries/*.sql or adding a migration: ask a"
	@echo "                  throw-away PostgreSQL for the queries' types (described.txt)"

run:
	@localstack/run.sh

test:
	@localstack/test.sh

describe:
	@schema/gen/describe.sh

build:
	@localstack/run.sh --build-only

fuzz:
	@localstack/fuzz.sh

clean:
	@echo "removing build/ build-*/"
	@rm -rf build build-*

distclean: clean
	@localstack/postgres.sh stop .local/pg/data
	@echo "removing .local/ (the local PostgreSQL cluster, its data and passwords; cognito-local's pool and users)"
	@rm -rf .local

# The goldens are sfgen's output byte for byte (gen/golden diffs them): never reformatted.
format:
	@localstack/bootstrap.sh --only clang-format
	@find api include schema/gen tests -name '*.[ch]' -not -path '*/node_modules/*' \
		-not -path 'schema/gen/tests/golden/*' -print0 \
		| xargs -0 -r clang-format -i

lint:
	@localstack/bootstrap.sh --only cppcheck
	@localstack/run.sh --generate-only
	@cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
		--inline-suppr -D_GNU_SOURCE -I include -I api -I build/generated api/
	@localstack/lint-db-access.sh
