package locales

import (
	"embed"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// The staff pages' texts (the reference backend's pages for the municipality's staff), apart from the
// kiosk's: staff.nn.toml, staff.nb.toml, staff.en.toml.
//
//go:embed staff.*.toml
var staffFiles embed.FS

// StaffLanguages are the staff pages' languages; nynorsk first (the default).
var StaffLanguages = []string{"nn", "nb", "en"}

// StaffFile returns the embedded staff file of a language ("nn" -> staff.nn.toml).
func StaffFile(lang string) ([]byte, error) { return staffFiles.ReadFile("staff." + lang + ".toml") }

// NewStaffBundle returns a bundle with the staff pages' texts in every StaffLanguages; nynorsk is its default.
func NewStaffBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.MustParse("nn"))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range StaffLanguages {
		if _, err := b.LoadMessageFileFS(staffFiles, "staff."+l+".toml"); err != nil {
			panic("locales: " + err.Error())
		}
	}
	return b
}
