// Command helsekiosk-conformance checks an implementation of the Helsekiosk contract (api/openapi.yaml)
// with test persons and their tokens, and prints a table of checks; it exits 1 when a check fails and 2
// when it cannot run. See internal/server/conformance and README.md.
//
//	helsekiosk-conformance --config persons.toml [--api URL] [--issuer URL]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/server/conformance"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("helsekiosk-conformance", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "TOML file with the test persons, their credentials and relations (required)")
	apiURL := fs.String("api", "", "base URL of the implementation (overrides api in the file)")
	issuer := fs.String("issuer", "", "OpenID Provider for device logins (overrides issuer; default: the API URL)")
	writer := fs.String("writer", "", "the person whose data the write checks use (overrides writer)")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long (device logins wait for someone to log in)")
	threadPage := fs.Int("thread-page", 2, "limit when walking threads")
	messagePage := fs.Int("message-page", 3, "limit when walking messages")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: helsekiosk-conformance --config FILE [--api URL] [--issuer URL]\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cfgPath == "" {
		fs.Usage()
		return 2
	}
	cfg, err := conformance.LoadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if *apiURL != "" {
		cfg.API = *apiURL
	}
	if *issuer != "" {
		cfg.Issuer = *issuer
	}
	if *writer != "" {
		cfg.Writer = *writer
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := conformance.Run(ctx, cfg, conformance.Options{Log: stderr, ThreadPageSize: *threadPage, MessagePageSize: *messagePage})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	rep.WriteTable(stdout)
	if rep.Failed() {
		return 1
	}
	return 0
}
