// Command fixed asks Fyne for its language with syslocale imported, as cmd/helsekiosk does.
package main

import (
	"fmt"

	"fyne.io/fyne/v2/lang"

	_ "github.com/helsekiosk/helsekiosk/internal/kiosk/syslocale"
)

func main() { fmt.Println(lang.SystemLocale()) }
