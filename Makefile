# dbtok's build. `make demo` and `make test` are the two commands the README
# promises work on a fresh clone.

SHELL   := bash
GO      ?= go
BIN     := bin
PKG     := github.com/dbtok/dbtok
# The same version, commit and date as goreleaser and `go install` give this
# commit (see internal/build): the tag, or Go's pseudo-version, and the
# commit's date, so that two builds of one commit are identical. Outside a
# git checkout all three stay empty and the binary says "(devel)".
VERSION ?= $(shell bash .ci/version 2>/dev/null)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD 2>/dev/null)
LDFLAGS := -s -w \
	-X $(PKG)/internal/build.Version=$(VERSION) \
	-X $(PKG)/internal/build.Commit=$(COMMIT) \
	-X $(PKG)/internal/build.Date=$(DATE)
SHELLS  := bash zsh fish powershell

GOVULNCHECK := golang.org/x/vuln/cmd/govulncheck@v1.9.0
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 10s
# package:target for every native Go fuzz target; seed corpora live in each
# package's testdata/fuzz.
FUZZ_TARGETS := \
	internal/lifetime:FuzzParse \
	internal/databrickscfg:FuzzLoad \
	internal/databrickscfg:FuzzSetToken \
	internal/output:FuzzTable \
	internal/output:FuzzWriteJSON \
	internal/tokenview:FuzzTokenJSON \
	internal/redact:FuzzString \
	internal/glob:FuzzCompile

.PHONY: all build test vet lint vuln fuzz bench demo completions docs man release-check release install clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/dbtok ./cmd/dbtok
	$(GO) build -trimpath -o $(BIN)/dbtok-emulator ./cmd/dbtok-emulator

# vet, then every test (unit, emulator, end-to-end scripts against the real
# binary) with the race detector.
test: vet
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

lint: vet vuln
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags bench ./cmd/dbtok

# govulncheck (pinned, from the Go module proxy). It needs the vulnerability
# database at vuln.go.dev; where that host is unreachable (a sandbox that
# only reaches the module proxy) the check says so loudly and is skipped.
# Known vulnerabilities in reachable code always fail.
vuln:
	@out=$$($(GO) run $(GOVULNCHECK) ./... 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] && printf '%s' "$$out" | grep -q 'fetching vulnerabilities'; then \
		echo "govulncheck: SKIPPED, the vulnerability database is unreachable:"; \
		printf '%s\n' "$$out" | grep 'fetching vulnerabilities'; \
	else printf '%s\n' "$$out"; exit $$rc; fi

# Each fuzz target for FUZZTIME (default 10s): `make fuzz FUZZTIME=5m`
# for a longer hunt.
fuzz:
# Go's fuzzing coordinator can end a run that found nothing with a bare
# "context deadline exceeded" when -fuzztime expires on a busy machine (a
# race in the toolchain's fuzzing coordinator); such a run is tried once more.
# A real finding writes its failing input and fails at once.
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		for try in 1 2; do \
			echo "fuzz $$fn in ./$$pkg for $(FUZZTIME)"; \
			if $(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s >"$$log" 2>&1; then cat "$$log"; break; fi; \
			cat "$$log"; \
			if [ $$try = 1 ] && grep -q 'context deadline exceeded' "$$log" && ! grep -q -e 'Failing input written' -e '^panic' -e '_test.go:[0-9]' "$$log"; then \
				echo "fuzz: $$fn stopped on the toolchain's deadline race, not on an input: trying once more"; continue; fi; \
			exit 1; \
		done; \
	done

# Performance against the physical limits (curl, an empty Go program, the
# sequential alternative), measured side by side; prints a table.
bench:
	@set -o pipefail; $(GO) test -tags bench -run '^TestBench(Scale)?$$' -count=1 -timeout 30m -v ./cmd/dbtok 2>&1 | \
		grep -v -e '^=== RUN' -e '^--- ' -e '^PASS$$' -e '^ok '

completions:
	@mkdir -p completions
	$(GO) run ./cmd/dbtok completion bash > completions/dbtok.bash
	$(GO) run ./cmd/dbtok completion zsh > completions/_dbtok
	$(GO) run ./cmd/dbtok completion fish > completions/dbtok.fish
	$(GO) run ./cmd/dbtok completion powershell > completions/dbtok.ps1

# The Markdown command reference (committed, checked by a test) and man
# pages (built into manpages/, and by the release).
docs:
	$(GO) run ./internal/gendocs -markdown docs

man:
	SOURCE_DATE_EPOCH=$$(git show -s --format=%ct HEAD 2>/dev/null || echo 0) \
		$(GO) run ./internal/gendocs -man manpages -version '$(VERSION)'

# Every release artifact, built twice by the pinned goreleaser (.ci/tools.sh)
# and compared, signed with a throwaway key, linted, installed and removed:
# see .ci/release-check. Needs the Debian packages .ci/run installs.
release-check:
	bash .ci/release-check

# The real release, from the release workflow on a tag (docs/releasing.md).
release:
	bash .ci/release

install:
	$(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/dbtok

clean:
	rm -rf $(BIN) dist manpages

# The demo runs the main job against the bundled emulator with a throwaway
# config file: nothing in your ~/.databrickscfg is read or touched.
define DEMO_SCRIPT
set -eu
umask 077
dir=$$(mktemp -d)
cleanup() { kill "$$emu" 2>/dev/null || true; wait "$$emu" 2>/dev/null || true; rm -rf "$$dir"; }
trap cleanup EXIT
./bin/dbtok-emulator --url-file "$$dir/url" >/dev/null &
emu=$$!
for _ in $$(seq 200); do [ -s "$$dir/url" ] && break; sleep 0.05; done
[ -s "$$dir/url" ] || { echo "demo: the emulator did not start within 10 s" >&2; exit 1; }
url=$$(cat "$$dir/url")
printf '[DEFAULT]\nhost  = %s\ntoken = %s\n' "$$url" dapi0123456789abcdef0123456789abcdef > "$$dir/databrickscfg"
export DATABRICKS_CONFIG_FILE="$$dir/databrickscfg" HOME="$$dir" \
	XDG_CONFIG_HOME="$$dir/config" XDG_STATE_HOME="$$dir/state" XDG_CACHE_HOME="$$dir/cache"
unset DATABRICKS_HOST DATABRICKS_TOKEN DATABRICKS_CONFIG_PROFILE DBTOK_OUTPUT
if [ -t 1 ]; then bold='\033[1m' plain='\033[0m'; else bold= plain=; fi
say() { printf "\n$${bold}\$$ %s$${plain}\n" "$$*"; }
echo "dbtok demo: a local Token API emulator is listening at $$url"
say dbtok create --lifetime 100d --comment ci -o table
./bin/dbtok create --lifetime 100d --comment ci -o table
say dbtok create --lifetime 2w --comment deploy -o json
./bin/dbtok create --lifetime 2w --comment deploy -o json | tee "$$dir/deploy.json"
say "dbtok create --lifetime 36h --comment nightly --out $$dir/nightly.token"
./bin/dbtok create --lifetime 36h --comment nightly --out "$$dir/nightly.token" -o table
ls -l "$$dir/nightly.token"
say dbtok list
./bin/dbtok list -o table
say dbtok list --expiring-within 7d --fail-if-any
status=0; ./bin/dbtok list --expiring-within 7d --fail-if-any -o table || status=$$?
echo "(exit status $$status: 5 means something is about to expire)"
say dbtok rotate --comment ci --lifetime 60d
./bin/dbtok rotate --comment ci --lifetime 60d -o table
say dbtok create --lifetime 30d --comment bi --scope sql,jobs --out $$dir/bi.token
./bin/dbtok create --lifetime 30d --comment bi --scope sql,jobs --out "$$dir/bi.token" -o table
say "dbtok rotate --comment bi --pipe-to 'cat > $$dir/bi.token'   # keeps the scopes; the value only on the command's stdin"
./bin/dbtok rotate --comment bi --pipe-to "cat > '$$dir/bi.token'" -o table
say "dbtok rotate --comment bi --if-expiring-within 14d --pipe-to ...   # from cron: not due, nothing done"
./bin/dbtok rotate --comment bi --if-expiring-within 14d --pipe-to "cat > '$$dir/bi.token'" -o table
id=$$(sed -n 's/.*"token_id": "\([0-9a-f]*\)".*/\1/p' "$$dir/deploy.json" | cut -c1-12)
say "dbtok revoke $$id"
./bin/dbtok revoke "$$id" -o table
say "dbtok revoke --comment 'night*' --yes"
./bin/dbtok revoke --comment 'night*' --yes -o table
say "dbtok list --jq '.[] | .comment + \" expires \" + (.expires_at // \"never\")'"
./bin/dbtok list --jq '.[] | .comment + " expires " + (.expires_at // "never")'
say dbtok audit --all-users --max-lifetime 30d
status=0; ./bin/dbtok audit --all-users --max-lifetime 30d -o table || status=$$?
echo "(exit status $$status: 5 means a finding at or above --fail-on, error by default)"
say dbtok revoke 0000000000000000000000000000000000000000000000000000000000000000
status=0; ./bin/dbtok revoke 0000000000000000000000000000000000000000000000000000000000000000 -o table || status=$$?
echo "(exit status $$status: 4 means not found)"
printf '\ndemo done: the emulator is stopped and its throwaway config removed.\n'
endef
export DEMO_SCRIPT

demo: build
	@bash -c "$$DEMO_SCRIPT"
