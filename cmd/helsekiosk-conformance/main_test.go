package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/server/backend/backendtest"
)

// The example configuration (the demo persons, logged in by the demo device flow) passes against the
// reference backend; without --config the command refuses with 2.
func TestExampleAgainstReferenceBackend(t *testing.T) {
	e := backendtest.New(t)
	var out, errOut bytes.Buffer
	code := run([]string{"--config", "../../internal/server/conformance/testdata/example.toml", "--api", e.URL}, &out, &errOut)
	t.Logf("\n%s%s", out.String(), errOut.String())
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "0 failed") {
		t.Errorf("no summary line with 0 failed")
	}
	if code := run(nil, &out, &errOut); code != 2 {
		t.Errorf("without --config: exit %d, want 2", code)
	}
}
