package launch

import (
	"strings"
	"testing"
)

// TestCheckDisplay: no DISPLAY, or one nobody serves, is one line naming xvfb-run.
func TestCheckDisplay(t *testing.T) {
	for _, tc := range []struct{ display, want string }{
		{"", "DISPLAY is not set"},
		{":4998", `cannot open the X display ":4998"`},
	} {
		err := checkDisplay(func(k string) string {
			if k == "DISPLAY" {
				return tc.display
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "xvfb-run") ||
			strings.Contains(err.Error(), "\n") {
			t.Errorf("DISPLAY=%q: %v, want one line with %q and xvfb-run", tc.display, err, tc.want)
		}
	}
}
