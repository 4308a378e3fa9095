# Switchboard: `make run` starts the server on embedded SQLite under ./data,
# `make test` runs the whole suite. Both need only Go; tools are Go tool
# dependencies (go.mod), fetched on first use.

GO      ?= go
PKGS    ?= ./...
BIN     := bin/switchboard
# switchboard version prints it, with the commit Go stamps into the binary.
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
# How long make fuzz runs each fuzz target.
FUZZTIME ?= 10s

.PHONY: run build demo test test-postgres generate schema check-generated lint bench fuzz clean clean-data playground-assets

run: build
	$(BIN) serve

build:
	$(GO) build -buildvcs=auto -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/switchboard

# See it live: bin/switchboard on ./data/demo with development secrets, a demo
# tenant and channel, the playground URL and a token, then metasim for
# DEMO_DURATION (default 1m); the server runs until Ctrl-C. DEMO_ADDR
# (default 127.0.0.1:8080, loopback only) and DEMO_DATA_DIR override.
demo: build
	$(GO) build -o bin/metasim ./cmd/metasim
	$(GO) build -o bin/demo ./cmd/demo
	bin/demo

test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -race -timeout 45m $(PKGS)

# The same suite against PostgreSQL: each test gets its own schema.
test-postgres:
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable} \
		$(GO) test -count=1 -timeout 45m $(PKGS)

# ent's codegen (ent/generate.go's go:generate runs ent/entc.go), then
# gqlgen, then docs/schema.graphql from the result.
generate:
	$(GO) generate ./ent
	$(GO) tool gqlgen generate
	$(MAKE) --no-print-directory schema

# docs/schema.graphql: the whole SDL the server serves, for client developers.
schema:
	$(GO) run ./cmd/switchboard schema > docs/schema.graphql.tmp
	mv docs/schema.graphql.tmp docs/schema.graphql

# Fails when generated code differs from what its sources produce.
check-generated: generate
	@git diff --exit-code --stat -- ent graph gqlgen.yml schema.graphqls docs/schema.graphql || \
		(echo "generated code is stale: run make generate and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- ent graph docs/schema.graphql)" || \
		(git status --porcelain -- ent graph docs/schema.graphql; echo "generate produced untracked files" >&2; exit 1)

# Versioned schema migrations (migrations/sqlite, migrations/postgres; see
# README "Schema migrations"). After changing ent/schema and make generate,
# make migration name=<what_changed> writes the next one for both dialects;
# review and commit it. Diffing needs the PostgreSQL at MIGRATION_DEV_URL
# (default 127.0.0.1:5432, database test) and fails clearly without it.
.PHONY: migration check-migrations
migration:
	@test -n "$(name)" || (echo "usage: make migration name=<what_changed>" >&2; exit 1)
	$(GO) run ./migrations/gen -name '$(name)'

# Fails when ent/schema has changes that no migration covers.
check-migrations:
	$(GO) run ./migrations/gen -check

# go vet, then staticcheck (a Go tool dependency, pinned in go.mod). The
# root ent package is all generated (entgql's gql_collection.go trips
# SA4006/SA4010/SA1019 in code we do not write), so staticcheck skips it;
# ent/schema and every other package are checked.
lint:
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $$($(GO) list $(PKGS) | grep -vx switchboard/ent)

# Every fuzz target in the repository, FUZZTIME each (go test -list finds them).
fuzz:
	@list=$$($(GO) test -list '^Fuzz' $(PKGS)) || { echo "$$list" >&2; exit 1; }; \
	targets=$$(echo "$$list" | awk '/^Fuzz/ { f[n++] = $$1; next } \
		/^ok / { for (i = 0; i < n; i++) print $$2 " " f[i]; n = 0 }'); \
	test -n "$$targets" || { echo "no fuzz targets found" >&2; exit 1; }; \
	echo "$$targets" | while read -r pkg target; do \
		echo "== $$pkg $$target ($(FUZZTIME))"; \
		$(GO) test "$$pkg" -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# GraphiQL for /playground: the npm packages pinned in
# internal/server/playground/package-lock.json, bundled by esbuild into its
# dist/, which is committed and embedded, so building Switchboard needs no
# npm. Run after changing package.json or src/, and commit dist/.
playground-assets:
	cd internal/server/playground && npm ci --no-audit --no-fund && npm run build

bench:
	$(GO) run ./cmd/loadgen contacts-import

# clean removes build output only; ./data (the embedded database and its
# encryption key) is left alone: see clean-data.
clean:
	rm -rf bin

clean-data:
	@echo "WARNING: deleting ./data: the embedded database AND data/encryption.key;" >&2
	@echo "         tokens sealed with that key cannot be read again." >&2
	rm -rf data
