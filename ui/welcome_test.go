package ui

import (
	"testing"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

func TestWelcomeLanguagesAndDemoBanner(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nn", Demo: true})
	if got := h.k.Window().Title(); got != "Helsekiosk – DEMO" {
		t.Errorf("title %q", got)
	}
	for _, want := range []string{"Logg inn", "Nynorsk", "Bokmål", "English", "DEMO – testdata, ikkje ekte personar",
		"Kommunikasjon med helse- og omsorgstenesta"} {
		if !h.hasText(want) {
			t.Errorf("welcome (nn) lacks %q", want)
		}
	}
	if !h.containsText("23 32 70 00") || !h.containsText("08:00–15:30") {
		t.Error("welcome lacks the help line and its hours")
	}
	h.tap("English")
	if !h.hasText("Log in") || !h.hasText("DEMO – test data, not real people") {
		t.Errorf("after English: %q", h.texts(false))
	}
	h.tap("Bokmål")
	if !h.hasText("Kommunikasjon med helse- og omsorgstjenesten") || !h.hasText("DEMO – testdata, ikke ekte personer") {
		t.Errorf("after Bokmål: %q", h.texts(false))
	}
	if h.k.Lang() != "nb" {
		t.Errorf("Lang() = %q", h.k.Lang())
	}
}

func TestNoDemoBannerOutsideDemo(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nb"})
	if h.k.Window().Title() != "Helsekiosk" {
		t.Errorf("title %q", h.k.Window().Title())
	}
	if h.containsText("DEMO") {
		t.Error("DEMO banner shown outside demo mode")
	}
	if !h.hasText("Logg inn") {
		t.Error("no Logg inn")
	}
}

func TestLoginUnavailableShowsTranslatedError(t *testing.T) {
	h := newHarness(t, config.Config{Lang: "nn"}) // API on a port where nothing listens
	h.tap("Logg inn")
	h.waitForText("Tenesta er ikkje tilgjengeleg akkurat no. Prøv igjen om litt.")
	h.tapWhenReady("Avbryt")
	h.waitForText("Logg inn")
}

func TestGroupCode(t *testing.T) {
	for in, want := range map[string]string{"WDJB-MJHT": "WDJB – MJHT", "ABCDEFGH": "ABCD EFGH", "ABC": "ABC"} {
		if got := groupCode(in); got != want {
			t.Errorf("groupCode(%q) = %q, want %q", in, got, want)
		}
	}
}
