// Package browser holds the tests that run Switchboard's pages in a real,
// headless Chromium with all network outside the loopback refused: what a
// person on a machine without internet access would see. Run them alone
// with `go test ./test/browser/`; they skip when Chromium is not installed,
// except in CI (CI=true), where they fail.
package browser
