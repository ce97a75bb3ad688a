package backend

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/helsekiosk/helsekiosk/locales"
)

// TestStaffLocalesComplete: every staff page text is in nn, nb and en, and every text the pages and
// handlers name exists (the prefixes built at run time: weekdays, statuses, reasons, pending requests,
// languages).
func TestStaffLocalesComplete(t *testing.T) {
	keys := map[string]map[string]bool{}
	for _, l := range locales.StaffLanguages {
		raw, err := locales.StaffFile(l)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := toml.Unmarshal(raw, &m); err != nil {
			t.Fatalf("staff.%s.toml: %v", l, err)
		}
		keys[l] = map[string]bool{}
		for k, v := range m {
			if s, _ := v.(string); strings.TrimSpace(s) == "" {
				t.Errorf("staff.%s.toml: %s is empty", l, k)
			}
			keys[l][k] = true
		}
	}
	for _, l := range locales.StaffLanguages {
		for k := range keys["nn"] {
			if !keys[l][k] {
				t.Errorf("staff.%s.toml lacks %s", l, k)
			}
		}
		for k := range keys[l] {
			if !keys["nn"][k] {
				t.Errorf("staff.%s.toml has %s, which nn lacks", l, k)
			}
		}
	}
	var src strings.Builder
	src.WriteString(staffPagesTmpl)
	files, _ := os.ReadDir(".")
	for _, f := range files {
		if n := f.Name(); strings.HasPrefix(n, "staff") && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	used := map[string]bool{}
	for _, re := range []string{`\{\{T "([A-Za-z_]+)"`, `sw\.T\("([A-Za-z_]+)"`, `T "([A-Za-z_]+)"`, `"(Note[A-Za-z]+)"`} {
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(src.String(), -1) {
			used[m[1]] = true
		}
	}
	for _, p := range []string{"Weekday0", "Weekday6", "Status_booked", "Status_fulfilled", "Status_cancelled", "Status_noshow",
		"Reason_ill", "Reason_hospital", "Reason_visitors", "Reason_other", "Pending_cancellation", "Pending_change", "NoticeBy_sms", "NoticeBy_email", "NoticeBy_both", "Lang_nn", "Lang_nb", "Lang_en"} {
		used[p] = true
	}
	var missing []string
	for k := range used {
		if !keys["nn"][k] && !strings.HasSuffix(k, "_") && k != "Note" {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("texts the staff pages use but staff.nn.toml lacks: %v", missing)
	}
	if len(used) < 100 {
		t.Errorf("only %d texts found in use: the scan is broken", len(used))
	}
}
