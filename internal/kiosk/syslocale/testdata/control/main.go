// Command control asks Fyne for its language without syslocale: under LANG=C.UTF-8 Fyne logs its error.
package main

import (
	"fmt"

	"fyne.io/fyne/v2/lang"
)

func main() { fmt.Println(lang.SystemLocale()) }
