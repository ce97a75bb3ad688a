package backend

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/helsekiosk/helsekiosk/api"
)

// TestProblemCodesInContract fails when the backend answers with a problem code that is not in the contract's
// ProblemCode enum: every problem and fieldProblem call (and any problemError literal) must name its code as an
// api.ProblemCode constant, never a string literal, conversion or variable, and each constant named must be a
// valid member of the enum. The other way round, every code of the enum is one the backend sends (but
// rate_limited, which the contract keeps for a gateway in front of it).
func TestProblemCodesInContract(t *testing.T) {
	consts := problemCodeConsts(t)
	used := map[string]bool{"RateLimited": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		check := func(e ast.Expr, what string) {
			calls++
			sel, ok := e.(*ast.SelectorExpr)
			if !ok || !isIdentNamed(sel.X, "api") {
				t.Errorf("%s: %s passes %s as its code; name an api.ProblemCode constant (add the code to ProblemCode in api/openapi.yaml)",
					fset.Position(e.Pos()), what, exprString(fset, e))
				return
			}
			used[sel.Sel.Name] = true
			v, known := consts[sel.Sel.Name]
			if !known || !api.ProblemCode(v).Valid() {
				t.Errorf("%s: %s passes api.%s, which is not a ProblemCode of the contract", fset.Position(e.Pos()), what, sel.Sel.Name)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "problem" || id.Name == "fieldProblem") && len(n.Args) >= 2 {
					check(n.Args[1], id.Name)
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "problemError" {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok {
							if isIdentNamed(kv.Key, "Code") {
								check(kv.Value, "a problemError literal")
							}
						}
					}
				}
			case *ast.FuncDecl:
				// problem and fieldProblem pass on their typed parameter: the only places allowed to.
				return n.Name.Name != "problem" && n.Name.Name != "fieldProblem"
			}
			return true
		})
	}
	if calls < 30 {
		t.Fatalf("found only %d problem codes in the backend's sources: is the test still looking at the right calls?", calls)
	}
	for name, v := range consts {
		if !used[name] {
			t.Errorf("ProblemCode %s (%q) is in the contract, but the backend never sends it", name, v)
		}
	}
}

func isIdentNamed(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func exprString(fset *token.FileSet, e ast.Expr) string {
	src, err := os.ReadFile(fset.Position(e.Pos()).Filename)
	if err != nil {
		return "?"
	}
	return string(src[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset])
}

// problemCodeConsts reads the generated api.ProblemCode constants: name → value.
func problemCodeConsts(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "api", "api.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\t(\w+)\s+ProblemCode = "([^"]+)"$`).FindAllStringSubmatch(string(src), -1) {
		out[m[1]] = m[2]
	}
	if len(out) == 0 {
		t.Fatal("no ProblemCode constants in api/api.gen.go")
	}
	return out
}
