package locales

import (
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

func TestBundleLoadsEveryLanguage(t *testing.T) {
	b := NewBundle()
	if got := b.LanguageTags(); len(got) != len(config.Languages) {
		t.Fatalf("bundle has %v, want %v", got, config.Languages)
	}
	want := map[string]string{"nn": "Logg inn", "nb": "Logg inn", "en": "Log in"}
	for _, l := range config.Languages {
		s, err := i18n.NewLocalizer(b, l).Localize(&i18n.LocalizeConfig{MessageID: "Login"})
		if err != nil || s != want[l] {
			t.Errorf("%s: Login = %q, %v", l, s, err)
		}
	}
	// An unknown language falls back to bokmål, the default.
	s, _ := i18n.NewLocalizer(b, "de").Localize(&i18n.LocalizeConfig{MessageID: "ChoosePersonHeading"})
	if s != "Hvem gjelder det?" {
		t.Errorf("fallback = %q", s)
	}
}
