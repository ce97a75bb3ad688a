package ui

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// literalAllowed are the user-facing texts that are meant to stay untranslated: each language's own name in the
// language switch, and the product's name.
var literalAllowed = map[string]bool{
	"Nynorsk": true, "Bokmål": true, "English": true, "Norsk": true,
	"Helsekiosk": true,
}

// textArgs are the constructors whose arguments (by position) are shown on screen.
var textArgs = map[string][]int{
	"widget.NewLabel": {0}, "widget.NewLabelWithStyle": {0},
	"widget.NewButton": {0}, "widget.NewButtonWithIcon": {0},
	"widget.NewCheck": {0}, "widget.NewCard": {0, 1},
	"widget.NewRadioGroup": {0}, "widget.NewSelect": {0}, "widget.NewSelectEntry": {0},
	"widget.NewHyperlink": {0}, "widget.NewHyperlinkWithStyle": {0},
	"widget.NewRichTextWithText": {0}, "widget.NewRichTextFromMarkdown": {0},
	"widget.NewFormItem": {0}, "widget.NewAccordionItem": {0}, "widget.NewTextGridFromString": {0},
	"container.NewTabItem": {0}, "container.NewTabItemWithIcon": {0},
	"canvas.NewText":    {0},
	"fyne.NewMenuItem":  {0},
	"widgets.NewButton": {1}, "widgets.NewPrimaryButton": {1}, "widgets.NewIconButton": {1}, // after the hooks
	"widgets.NewTile": {1, 2}, "widgets.NewBanner": {0},
}

// textSetters are methods (on any receiver) whose arguments are shown on screen.
var textSetters = map[string][]int{
	"SetText": {0}, "SetPlaceHolder": {0}, "SetTitle": {0}, "SetSubTitle": {0}, "SetDetail": {0},
	"SetOptions": {0}, "ParseMarkdown": {0}, "AppendMarkdown": {0}, "SetValidationError": {0},
}

// textFields are struct fields that are shown on screen, set by assignment or in a composite literal.
var textFields = map[string]bool{
	"Text": true, "PlaceHolder": true, "Title": true, "Subtitle": true, "Detail": true, "Options": true,
}

// textParam matches the parameter names of the UI's own helpers that take a text to show (heading(text), ...).
// ("detail" is left out: opLog(kind, detail) takes a code for the operations log, not a text.)
var textParam = regexp.MustCompile(`(?i)^(text|title|label|heading|msg|message|placeholder|caption|body|subtitle|hint|line)$`)

// translators are the calls whose string arguments are message IDs, not text.
var translators = map[string]bool{"tr": true, "trd": true, "trn": true, "id": true}

var formatVerb = regexp.MustCompile(`%[-+# 0-9.*\[\]]*[a-zA-Z%]`)

// userText says whether a string literal's value reads as text for a person: it has a letter once format verbs
// are removed, and it is not on the allowlist.
func userText(s string) bool {
	if literalAllowed[s] {
		return false
	}
	return strings.IndexFunc(formatVerb.ReplaceAllString(s, ""), unicode.IsLetter) >= 0
}

func calleeName(e ast.Expr) (full, short string) {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name, f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name, f.Sel.Name
		}
		return f.Sel.Name, f.Sel.Name
	case *ast.IndexExpr: // generic call
		return calleeName(f.X)
	}
	return "", ""
}

// bareLiterals are the string literals with user text in e, outside translator calls.
func bareLiterals(e ast.Node) []*ast.BasicLit {
	var out []*ast.BasicLit
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if _, short := calleeName(n.Fun); translators[short] {
				return false
			}
		case *ast.BasicLit:
			if n.Kind == token.STRING {
				if s, err := strconv.Unquote(n.Value); err == nil && userText(s) {
					out = append(out, n)
				}
			}
		}
		return true
	})
	return out
}

// helperTextParams finds the UI's own functions and methods that take a text to show: name -> argument positions.
func helperTextParams(files []*ast.File) map[string][]int {
	out := map[string][]int{}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || translators[fd.Name.Name] {
				continue
			}
			i := 0
			for _, field := range fd.Type.Params.List {
				isString := false
				if id, ok := field.Type.(*ast.Ident); ok && id.Name == "string" {
					isString = true
				}
				names := field.Names
				if len(names) == 0 {
					i++
					continue
				}
				for _, n := range names {
					if isString && textParam.MatchString(n.Name) {
						out[fd.Name.Name] = append(out[fd.Name.Name], i)
					}
					i++
				}
			}
		}
	}
	return out
}

// findBareLiterals reports every user-facing string literal in files that bypasses the localizer, as
// "file:line: where: "text"".
func findBareLiterals(fset *token.FileSet, files []*ast.File) []string {
	helpers := helperTextParams(files)
	var found []string
	report := func(where string, e ast.Node) {
		for _, lit := range bareLiterals(e) {
			s, _ := strconv.Unquote(lit.Value)
			p := fset.Position(lit.Pos())
			found = append(found, fmt.Sprintf("%s:%d: %s: %q", filepath.Base(p.Filename), p.Line, where, s))
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				full, short := calleeName(n.Fun)
				if translators[short] {
					return false
				}
				positions, ok := textArgs[full]
				if !ok {
					if _, isSel := n.Fun.(*ast.SelectorExpr); isSel {
						positions, ok = textSetters[short]
					}
				}
				if !ok {
					positions, ok = helpers[short]
				}
				for _, i := range positions {
					if i < len(n.Args) {
						report(full, n.Args[i])
					}
				}
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok && textFields[sel.Sel.Name] && i < len(n.Rhs) {
						report("."+sel.Sel.Name+" =", n.Rhs[i])
					}
				}
			case *ast.CompositeLit:
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && textFields[k.Name] {
							report(k.Name+":", kv.Value)
						}
					}
				}
			}
			return true
		})
	}
	sort.Strings(found)
	return found
}

func parseUIFiles(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if len(files) < 10 {
		t.Fatalf("parsed only %d files of ui/", len(files))
	}
	return fset, files
}

// TestNoBareUserText fails when ui/*.go shows a string literal that bypasses the localizer: every text on
// screen goes through tr/trd/trn (go-i18n) in nn, nb and en.
func TestNoBareUserText(t *testing.T) {
	fset, files := parseUIFiles(t)
	for _, f := range findBareLiterals(fset, files) {
		t.Errorf("user-facing text bypasses the localizer: %s", f)
	}
}

// The scanner itself finds what it must, and lets through what it may.
func TestBareLiteralScanner(t *testing.T) {
	src := `package ui
func (k *Kiosk) heading(text string, size int) any { return nil }
func (k *Kiosk) screen() {
	widget.NewLabel("Meldingar")                         // bad
	widgets.NewButton(k.hooks, "Send", nil)                       // bad
	widgets.NewTile(k.hooks, k.tr("Messages"), "3 nye", nil, nil) // bad: the detail
	l.SetText("Ingen avtalar " + n)                      // bad
	e.SetPlaceHolder(fmt.Sprintf("%d teikn att", n))     // bad, though it has a verb
	l.Text = "Hei"                                       // bad
	_ = &widget.Label{Text: "Kven"}                      // bad
	widget.NewSelect([]string{"Nynorsk", "Svensk"}, nil) // bad: Svensk
	k.heading("Avtalar", 2)                              // bad: own helper's text parameter
	canvas.NewText("DEMO", c)                            // bad

	widget.NewLabel(k.tr("Messages"))
	widget.NewLabel(k.trd("ActingFor", map[string]any{"Name": p.Name}))
	widget.NewLabel(k.trn("Unread", n))
	widget.NewLabel("")
	widget.NewLabel("–")
	widget.NewLabel("23 32 70 00")
	widget.NewLabel(fmt.Sprintf("%s %s", a, b))
	l.SetText(fmt.Sprintf("%d.", n))
	widget.NewSelect([]string{"Nynorsk", "Bokmål", "English"}, nil)
	widget.NewLabel("Helsekiosk")
	log.Printf("not shown: %v", err)
	x.Name = "not a text field"
	k.heading(k.tr("Appointments"), 2)
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "example.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := findBareLiterals(fset, []*ast.File{f})
	want := []string{"Meldingar", "Send", "3 nye", "Ingen avtalar ", "%d teikn att", "Hei", "Kven", "Svensk", "Avtalar", "DEMO"}
	joined := strings.Join(got, "\n")
	for _, w := range want {
		if !strings.Contains(joined, strconv.Quote(w)) {
			t.Errorf("scanner missed %q; found:\n%s", w, joined)
		}
	}
	if len(got) != len(want) {
		t.Errorf("scanner found %d, want %d:\n%s", len(got), len(want), joined)
	}
}
