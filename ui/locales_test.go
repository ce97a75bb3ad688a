package ui

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
	"github.com/helsekiosk/helsekiosk/locales"
)

// usedIDs are the message IDs ui/*.go asks for: tr("ID"), trd("ID", ...), trn("ID", ...) and id("ID").
func usedIDs(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`\b(?:tr|trd|trn|id)\("([A-Za-z0-9_.]+)"`)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			used[string(m[1])] = true
		}
	}
	if len(used) < 20 {
		t.Fatalf("found only %d message IDs in ui/*.go: is the scan pattern still right?", len(used))
	}
	return used
}

// TestLocalesComplete fails when a message ID the UI uses lacks a translation in a locale, and when a
// locale holds an ID no code uses.
func TestLocalesComplete(t *testing.T) {
	used := usedIDs(t)
	for _, lang := range config.Languages {
		raw, err := locales.File(lang)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var msgs map[string]any
		if err := toml.Unmarshal(raw, &msgs); err != nil {
			t.Fatalf("active.%s.toml: %v", lang, err)
		}
		for id := range used {
			v, ok := msgs[id]
			if !ok {
				t.Errorf("active.%s.toml lacks %q", lang, id)
				continue
			}
			switch v := v.(type) {
			case string:
				if strings.TrimSpace(v) == "" {
					t.Errorf("active.%s.toml: %q is empty", lang, id)
				}
			case map[string]any:
				if v["other"] == nil || v["one"] == nil {
					t.Errorf("active.%s.toml: plural %q needs one and other", lang, id)
				}
			}
		}
		var unused []string
		for id := range msgs {
			if !used[id] {
				unused = append(unused, id)
			}
		}
		sort.Strings(unused)
		if len(unused) > 0 {
			t.Errorf("active.%s.toml has IDs no code in ui/ uses: %v", lang, unused)
		}
	}
}

// TestLocalesLookRight spot-checks that nynorsk is nynorsk and bokmål is bokmål, and that plurals work.
func TestLocalesLookRight(t *testing.T) {
	k := &Kiosk{bundle: locales.NewBundle()}
	cases := []struct{ lang, got, want string }{}
	check := func(lang string, f func() string, want string) {
		k.setLang(lang)
		cases = append(cases, struct{ lang, got, want string }{lang, f(), want})
	}
	check("nn", func() string { return k.trn("UnreadCount", 1) }, "1 ulesen melding")
	check("nn", func() string { return k.trn("UnreadCount", 3) }, "3 ulesne meldingar")
	check("nb", func() string { return k.trn("UnreadCount", 1) }, "1 ulest melding")
	check("nb", func() string { return k.trn("UnreadCount", 5) }, "5 uleste meldinger")
	check("en", func() string { return k.trn("UnreadCount", 2) }, "2 unread messages")
	check("nn", func() string { return k.tr("ChoosePersonHeading") }, "Kven gjeld det?")
	check("nb", func() string { return k.tr("ChoosePersonHeading") }, "Hvem gjelder det?")
	check("nn", func() string { return k.trd("ActingFor", map[string]any{"Name": "Ola Nordmann"}) }, "Du handlar på vegner av Ola Nordmann")
	check("nb", func() string { return k.trd("ActingFor", map[string]any{"Name": "Ola Nordmann"}) }, "Du handler på vegne av Ola Nordmann")
	check("nn", func() string { return k.tr("Login") }, "Logg inn")
	check("nn", func() string { return k.tr("ServiceHomeNursing") }, "Heimesjukepleie")
	check("nb", func() string { return k.tr("ServiceHomeNursing") }, "Hjemmesykepleie")
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.lang, c.got, c.want)
		}
	}
	// Words that belong to bokmål must not leak into nynorsk, and the other way round.
	nn, _ := locales.File("nn")
	nb, _ := locales.File("nb")
	for _, w := range []string{"ikke ", "meldinger", "avtaler", "tjeneste", "hvordan", "hva "} {
		if strings.Contains(strings.ToLower(string(nn)), w) {
			t.Errorf("nynorsk file contains the bokmål %q", w)
		}
	}
	for _, w := range []string{"ikkje", "meldingar", "avtalar", "teneste", "korleis", "kva "} {
		if strings.Contains(strings.ToLower(string(nb)), w) {
			t.Errorf("bokmål file contains the nynorsk %q", w)
		}
	}
}
