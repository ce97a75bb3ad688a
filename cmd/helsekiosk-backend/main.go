// Command helsekiosk-backend runs the Helsekiosk reference backend.
//
//	helsekiosk-backend [--addr 127.0.0.1:8080] [--db FILE] [--demo=true] [--kiosk-name NAME]
//
// It serves the API, the /device page that stands in for BankID, and the /staff page where staff see and
// handle the kiosks' help requests, behind a staff login (--staff-issuer …; a demo staff IdP with --demo).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/helsekiosk/helsekiosk/internal/backend"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk-backend:", err)
		os.Exit(1)
	}
}

// publicHost is addr with an empty or unspecified host ("":8080, 0.0.0.0:8080) replaced by 127.0.0.1, so
// the staff login's redirect URL names a host a browser can reach.
func publicHost(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	db := flag.String("db", "", "SQLite database file (default: in memory)")
	demo := flag.Bool("demo", true, "seed demo persons, messages and appointments")
	kiosk := flag.String("kiosk-name", "", "kiosk name shown on the verification page when the kiosk sends none")
	// Staff login (issue 11): the staff page's OpenID Connect login.
	staffIssuer := flag.String("staff-issuer", "", "staff IdP issuer URL (OIDC); without it and without --demo the staff page answers 503")
	staffClientID := flag.String("staff-client-id", "", "the staff page's client id at the staff IdP")
	staffSecretFile := flag.String("staff-client-secret-file", "", "FILE holding the staff page's client secret (never on the command line)")
	staffRoleClaim := flag.String("staff-role-claim", "groups", `claim with the staff member's roles or groups (string or array; dotted path, e.g. "realm_access.roles")`)
	staffRole := flag.String("staff-role", "helsekiosk-staff", "role or group that opens the staff page")
	flag.Parse()
	staff := backend.StaffConfig{Issuer: *staffIssuer, ClientID: *staffClientID, RoleClaim: *staffRoleClaim, Role: *staffRole,
		PublicURL: "http://" + publicHost(*addr)} // TODO(issue 11 merge): --public-url when given
	if *staffSecretFile != "" {
		b, err := os.ReadFile(*staffSecretFile)
		if err != nil {
			return fmt.Errorf("--staff-client-secret-file: %w", err)
		}
		staff.ClientSecret = strings.TrimSpace(string(b))
	}

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := backend.New(backend.Config{DSN: *db, Demo: *demo, KioskName: *kiosk, Logger: log,
		Staff: staff})
	if err != nil {
		return err
	}
	defer srv.Close()

	hs := &http.Server{Addr: *addr, Handler: srv.HandlerWithStaff(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	log.Info("listening", "addr", *addr, "demo", *demo, "verification", "http://"+*addr+"/device", "staff", "http://"+*addr+"/staff")
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hs.Shutdown(sctx); err != nil {
			return err
		}
	}
	return nil
}
