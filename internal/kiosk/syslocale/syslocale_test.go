package syslocale

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // what Fix sets in LANGUAGE
	}{
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "nn"},
		{"C.utf8 in LC_ALL over a good LANG", map[string]string{"LC_ALL": "C.utf8", "LANG": "nb_NO.UTF-8"}, "nn"},
		{"C.UTF-8 with HELSEKIOSK_LANG", map[string]string{"LANG": "C.UTF-8", "HELSEKIOSK_LANG": "nb"}, "nb"},
		{"C.UTF-8, a bad HELSEKIOSK_LANG", map[string]string{"LANG": "C.UTF-8", "HELSEKIOSK_LANG": "de"}, "nn"},
		{"POSIX.UTF-8", map[string]string{"LANG": "POSIX.UTF-8"}, "nn"},
		{"bad LANGUAGE", map[string]string{"LANG": "en_GB.UTF-8", "LANGUAGE": "C.UTF-8"}, "nn"},
		{"modifier", map[string]string{"LANG": "de_DE@euro"}, "nn"},
		{"C", map[string]string{"LANG": "C"}, ""},
		{"POSIX", map[string]string{"LC_ALL": "POSIX"}, ""},
		{"unset", map[string]string{}, ""},
		{"nb_NO.UTF-8", map[string]string{"LANG": "nb_NO.UTF-8"}, ""},
		{"nn-NO", map[string]string{"LC_MESSAGES": "nn-NO"}, ""},
		{"LANGUAGE list", map[string]string{"LANG": "en_GB.UTF-8", "LANGUAGE": "nn_NO:nb_NO:en"}, ""},
		{"region by number", map[string]string{"LANG": "es_419.UTF-8"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]string{}
			set := Fix(func(k string) string { return tc.env[k] }, func(k, v string) error { got[k] = v; return nil })
			if set != tc.want || got["LANGUAGE"] != tc.want {
				t.Errorf("Fix set LANGUAGE=%q (returned %q), want %q", got["LANGUAGE"], set, tc.want)
			}
			if len(got) > 1 {
				t.Errorf("Fix set more than LANGUAGE: %v", got)
			}
		})
	}
}

// TestBeforeFyne runs two small programs that ask Fyne for its language under LANG=C.UTF-8: with this
// package imported (as cmd/helsekiosk imports it) Fyne logs nothing and reads nn; without it, Fyne logs
// «Error parsing user locale C» (so the test can fail), which is what the kiosk printed at every start.
func TestBeforeFyne(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two programs")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	run := func(dir string) (stdout, stderr string) {
		t.Helper()
		bin := filepath.Join(t.TempDir(), dir)
		if out, err := exec.Command(goTool, "build", "-o", bin, "./testdata/"+dir).CombinedOutput(); err != nil {
			t.Fatalf("go build ./testdata/%s: %v\n%s", dir, err, out)
		}
		cmd := exec.Command(bin)
		var env []string
		for _, kv := range os.Environ() {
			switch k, _, _ := strings.Cut(kv, "="); k {
			case "LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "HELSEKIOSK_LANG":
				continue
			}
			env = append(env, kv)
		}
		cmd.Env = append(env, "LANG=C.UTF-8")
		var so, se strings.Builder
		cmd.Stdout, cmd.Stderr = &so, &se
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s", dir, err, se.String())
		}
		return strings.TrimSpace(so.String()), se.String()
	}
	if loc, log := run("fixed"); loc != "nn" || strings.Contains(log, "Fyne error") {
		t.Errorf("with syslocale: Fyne reads %q and logs %q, want nn and nothing", loc, log)
	}
	if _, log := run("control"); !strings.Contains(log, "Error parsing user locale C") {
		t.Errorf("without syslocale Fyne logged %q, want its locale error (else this test proves nothing)", log)
	}
}
