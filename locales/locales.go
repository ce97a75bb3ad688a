// Package locales holds the kiosk's translations (go-i18n TOML: nynorsk, bokmål, English) embedded into the
// binary.
package locales

import (
	"embed"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

//go:embed active.*.toml
var files embed.FS

//go:embed notices.*.toml
var noticeFiles embed.FS

// File returns the embedded file of each language ("nn" -> active.nn.toml).
func File(lang string) ([]byte, error) { return files.ReadFile("active." + lang + ".toml") }

// NewBundle returns a bundle with the locale of every language in config.Languages loaded. Its default language is bokmål ("nb"; not
// language.Norwegian, which go-i18n would not match to nb or nn).
func NewBundle() *i18n.Bundle {
	b := i18n.NewBundle(language.MustParse("nb"))
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, l := range config.Languages {
		if _, err := b.LoadMessageFileFS(files, "active."+l+".toml"); err != nil {
			panic("locales: " + err.Error()) // embedded files: a broken one is a build mistake
		}
	}
	return b
}
