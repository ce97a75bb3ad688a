// Package assets holds files embedded into the Helsekiosk binary.
//
// It only imports fyne.io/fyne/v2 (no driver, no cgo), so ui/ and tests
// using fyne.io/fyne/v2/test can import it freely.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the application icon (512x512 PNG), the same file FyneApp.toml names.
var Icon = fyne.NewStaticResource("icon.png", iconPNG)

// IconResource is Icon under a second name; both refer to the same resource.
var IconResource fyne.Resource = Icon
