# Switchboard: `make run` starts the server on embedded SQLite under ./data,
# `make test` runs the whole suite. Both need only Go; tools are Go tool
# dependencies (go.mod), fetched on first use.

GO      ?= go
PKGS    ?= ./...
BIN     := bin/switchboard

.PHONY: run build test test-postgres generate check-generated lint bench fuzz clean playground-assets

run: build
	$(BIN) serve

build:
	$(GO) build -o $(BIN) ./cmd/switchboard

test:
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -race -timeout 20m $(PKGS)

# The same suite against PostgreSQL: each test gets its own schema.
test-postgres:
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable} \
		$(GO) test -count=1 -timeout 20m $(PKGS)

generate:
	$(GO) run -mod=mod ./ent/entc.go
	$(GO) tool gqlgen generate

# Fails when generated code differs from what its sources produce.
check-generated: generate
	@git diff --exit-code --stat -- ent graph gqlgen.yml schema.graphqls || \
		(echo "generated code is stale: run make generate and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- ent graph)" || \
		(git status --porcelain -- ent graph; echo "generate produced untracked files" >&2; exit 1)

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

# GraphiQL for /playground: the npm packages pinned in
# internal/server/playground/package-lock.json, bundled by esbuild into its
# dist/, which is committed and embedded, so building Switchboard needs no
# npm. Run after changing package.json or src/, and commit dist/.
playground-assets:
	cd internal/server/playground && npm ci --no-audit --no-fund && npm run build

bench:
	$(GO) run ./cmd/loadgen contacts-import

clean:
	rm -rf bin data
