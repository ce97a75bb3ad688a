package launch

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/helsekiosk/helsekiosk/client"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/browser"
	"github.com/helsekiosk/helsekiosk/internal/kiosk/config"
)

// policyFlag is the root-run step that locks the login browser: `helsekiosk --write-browser-policy[=FILE]
// [config flags]` writes Chromium's enterprise policy for the login on the kiosk (browser.NewPolicy: the
// OP's and the eID providers' hosts and the loopback redirect allowed, everything else blocked) to FILE
// (default browser.SystemPolicyFile, which Chromium reads; only root may write it). Where the kiosk does
// not offer the login on the kiosk (login without "kiosk"), it removes a policy it wrote before instead.
// The package's postinst runs it; IT runs it again after changing issuer, login or browser_allow.
const policyFlag = "--write-browser-policy"

// policyArgs reports whether args ask for the policy step, with its file ("" for the default) and the
// remaining (configuration) arguments.
func policyArgs(args []string) (file string, rest []string, ok bool) {
	for i, a := range args {
		if a == policyFlag || strings.HasPrefix(a, policyFlag+"=") {
			_, file, _ = strings.Cut(a, "=")
			rest = append(append(rest, args[:i]...), args[i+1:]...)
			return file, rest, true
		}
	}
	return "", args, false
}

// writeBrowserPolicy is the policy step; it returns the exit status.
func writeBrowserPolicy(file string, args []string, getenv func(string) string, out io.Writer) int {
	cfg, _, err := config.LoadWith(args, getenv, nil)
	if err != nil {
		fmt.Fprintln(out, "helsekiosk:", err)
		return 2
	}
	if file == "" {
		file = browser.SystemPolicyFile
	}
	if !cfg.Offers(config.LoginKiosk) {
		if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(out, "helsekiosk:", err)
			return 1
		}
		fmt.Fprintf(out, "helsekiosk: the login on the kiosk is not offered (login = %q): no browser policy (%s)\n", cfg.Login, file)
		return 0
	}
	allow, err := browser.AllowFor(cfg.IssuerURL(), cfg.BrowserAllowList(), client.DefaultCallbackPath)
	if err != nil {
		fmt.Fprintln(out, "helsekiosk:", err)
		return 2
	}
	if err := browser.WriteSystemPolicy(file, browser.NewPolicy(allow)); err != nil {
		fmt.Fprintln(out, "helsekiosk:", err)
		return 1
	}
	fmt.Fprintf(out, "helsekiosk: browser policy written to %s (allowed: %s)\n", file, strings.Join(allow, " "))
	return 0
}
