// Command helsekiosk-backend runs the Helsekiosk reference backend.
//
//	helsekiosk-backend [--addr 127.0.0.1:8080] [--db FILE|postgres://…] [--public-url URL] [--demo]
//	    [--trust-issuer URL]... [--audience AUD] [--pid-claim pid] [--acr idporten-loa-high[,…]]
//	    [--age-limit 16] [--kiosk-clients FILE] [--signing-key FILE] [--kiosk-name NAME] [--poll-interval 5s]
//	    [--metrics-addr 127.0.0.1:9464] [--log-format text|json] [--max-in-flight-per-client 32]
//	    [--smtp smtp://[USER@]HOST[:PORT]|smtps://… --mail-from ADDRESS [--smtp-password-file FILE]]
//	    [--sms-url URL [--sms-token-file FILE]] [--sms-hours 08:00-21:00]
//
// It serves the API as a resource server: every bearer token is a JWT from a trusted issuer (--trust-issuer,
// and with --demo its own demo authorization server), checked for iss, aud, exp, the pid claim and acr. With
// --demo it also serves the /device page that stands in for BankID and seeds the demo persons. It serves the
// /staff page where staff see and handle the kiosks' help requests, behind a staff login (--staff-issuer …;
// a demo staff IdP with --demo). It sends the citizens' notices by e-mail (--smtp) and SMS (--sms-url).
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

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "helsekiosk-backend:", err)
		os.Exit(1)
	}
}

// publicHost is addr with an empty or unspecified host ("":8080, 0.0.0.0:8080) replaced by 127.0.0.1, so
// the default public URL (discovery, the staff login's redirect URL) names a host a browser can reach.
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
	db := flag.String("db", "", "the database: postgres://USER@HOST/DB (PostgreSQL; any number of replicas may share it) or an SQLite file (default: SQLite in memory)")
	demo := flag.Bool("demo", false, "demo: seed demo persons, messages and appointments, and run the demo login (/device, device flow)")
	kiosk := flag.String("kiosk-name", "", "kiosk name shown on the verification page when the kiosk sends none")
	// Staff login (issue 11): the staff page's OpenID Connect login.
	staffIssuer := flag.String("staff-issuer", "", "staff IdP issuer URL (OIDC); without it and without --demo the staff page answers 503")
	staffClientID := flag.String("staff-client-id", "", "the staff page's client id at the staff IdP")
	staffSecretFile := flag.String("staff-client-secret-file", "", "FILE holding the staff page's client secret (never on the command line)")
	staffRoleClaim := flag.String("staff-role-claim", backend.DefaultStaffRoleClaim, `claim with the staff member's roles or groups (string or array; dotted path, e.g. "realm_access.roles")`)
	staffRole := flag.String("staff-role", backend.DefaultStaffRole, "role or group that opens the staff page")
	staffServices := flag.String("staff-services", "", "TOML file mapping staff roles to the services they work in, and which roles may plan visits (default with --demo: the demo's nurse, assistant and planner)")
	publicURL := flag.String("public-url", "", "the backend's public base URL (issuer and discovery URLs; default http://ADDR)")
	var trust multiFlag
	flag.Var(&trust, "trust-issuer", "accept JWT access tokens of this OpenID Provider (repeatable)")
	audience := flag.String("audience", "", "the audience a token's aud must contain (default: the public URL)")
	pidClaim := flag.String("pid-claim", backend.DefaultPIDClaim, "the claim with the national identity number")
	acr := flag.String("acr", backend.ACRHigh, "accepted assurance levels (acr), comma-separated")
	ageLimit := flag.Int("age-limit", backend.DefaultAgeLimit, "persons under this age cannot log in on their own")
	kioskClients := flag.String("kiosk-clients", "", "TOML file of kiosk clients ([[kiosk]] client_id, secret_hash, name, location; or issuer and subject for a kiosk whose token comes from a trusted issuer)")
	kioskScope := flag.String("kiosk-scope", backend.KioskScope, "the scope a kiosk's client-credentials token must carry")
	pollInterval := flag.Duration("poll-interval", 5*time.Second, "the device flow's polling interval (--demo)")
	signingKey := flag.String("signing-key", "", "PEM file with the EC P-256 key the own authorization server signs with (default: generated at start)")
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:9464", `listen address of the Prometheus metrics (GET /metrics, no authentication: keep it on loopback or a monitoring network; "" turns it off)`)
	logFormat := flag.String("log-format", "text", "log format on standard error: text or json")
	inFlight := flag.Int("max-in-flight-per-client", backend.DefaultMaxConcurrentPerClient, "requests one client address may have in flight (429 above; 0: no bound)")
	smtpURL := flag.String("smtp", "", "mail server for e-mail notices: smtp://[USER@]HOST[:PORT] (STARTTLS where offered, port 587) or smtps://[USER@]HOST[:PORT] (TLS, port 465); without it e-mail notices stay queued")
	smtpPasswordFile := flag.String("smtp-password-file", "", "FILE holding the SMTP user's password (never on the command line)")
	mailFrom := flag.String("mail-from", "", `From address of e-mail notices, e.g. "Helsekiosk <varsel@kommune.no>" (needed with --smtp)`)
	smsURL := flag.String("sms-url", "", "SMS gateway for SMS notices (JSON POST of recipient, text, reference); without it SMS notices stay queued")
	smsTokenFile := flag.String("sms-token-file", "", "FILE holding the SMS gateway's bearer token")
	smsHours := flag.String("sms-hours", backend.DefaultSMSHours, "when SMS notices may be sent, Europe/Oslo time (HH:MM-HH:MM); outside it they wait")
	flag.Parse()
	staff := backend.StaffConfig{Issuer: *staffIssuer, ClientID: *staffClientID, RoleClaim: *staffRoleClaim, Role: *staffRole}
	if *staffSecretFile != "" {
		b, err := os.ReadFile(*staffSecretFile)
		if err != nil {
			return fmt.Errorf("--staff-client-secret-file: %w", err)
		}
		staff.ClientSecret = strings.TrimSpace(string(b))
	}
	if *staffServices != "" {
		ss, err := backend.LoadStaffServices(*staffServices)
		if err != nil {
			return err
		}
		staff.Services = ss
	}

	cfg := backend.Config{DSN: *db, Demo: *demo, KioskName: *kiosk, PublicURL: *publicURL, TrustIssuers: trust,
		Audience: *audience, PIDClaim: *pidClaim, AgeLimit: *ageLimit, PollInterval: *pollInterval, KioskScope: *kioskScope}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + publicHost(*addr)
	}
	for _, a := range strings.Split(*acr, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cfg.ACR = append(cfg.ACR, a)
		}
	}
	if *ageLimit == 0 {
		cfg.AgeLimit = -1 // 0 means none on the command line
	}
	if *kioskClients != "" {
		kc, err := backend.LoadKioskClients(*kioskClients)
		if err != nil {
			return err
		}
		cfg.KioskClients = kc
	}
	if *signingKey != "" {
		k, err := backend.LoadSigningKey(*signingKey)
		if err != nil {
			return err
		}
		cfg.SigningKey = k
	}
	if !*demo && len(trust) == 0 {
		return errors.New("no identity provider: pass --trust-issuer URL (the municipality's OP), or --demo")
	}

	var log *slog.Logger
	switch *logFormat {
	case "text", "": // "" : an older /etc/helsekiosk-backend/defaults without LOG_FORMAT
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	case "json":
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	default:
		return fmt.Errorf("--log-format %q: want text or json", *logFormat)
	}
	cfg.Logger = log
	cfg.MaxConcurrentPerClient = *inFlight
	if *inFlight == 0 {
		cfg.MaxConcurrentPerClient = -1 // 0 means none on the command line
	}
	cfg.Staff = staff
	cfg.Notices = backend.NoticeConfig{SMTP: *smtpURL, MailFrom: *mailFrom, SMSURL: *smsURL, SMSHours: *smsHours}
	for _, f := range []struct {
		flag, file string
		into       *string
	}{{"--smtp-password-file", *smtpPasswordFile, &cfg.Notices.SMTPPassword}, {"--sms-token-file", *smsTokenFile, &cfg.Notices.SMSToken}} {
		if f.file == "" {
			continue
		}
		b, err := os.ReadFile(f.file)
		if err != nil {
			return fmt.Errorf("%s: %w", f.flag, err)
		}
		*f.into = strings.TrimSpace(string(b))
	}
	if cfg.Notices.SMTP == "" && cfg.Notices.SMSURL == "" {
		log.Warn("notices: no --smtp and no --sms-url: SMS and e-mail notices stay queued")
	}
	srv, err := backend.New(cfg)
	if err != nil {
		return err
	}
	defer srv.Close()

	hs := srv.HTTPServer(*addr, srv.HandlerWithStaff())
	servers := []*http.Server{hs}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 2)
	go func() { errc <- hs.ListenAndServe() }()
	if *metricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		ms := srv.HTTPServer(*metricsAddr, mux)
		servers = append(servers, ms)
		go func() { errc <- ms.ListenAndServe() }()
		log.Info("metrics", "addr", *metricsAddr, "path", "/metrics")
	}
	if *demo {
		log.Info("listening", "addr", *addr, "demo", true, "issuer", srv.PublicURL(), "verification", srv.PublicURL()+"/device", "staff", srv.PublicURL()+"/staff/inbox",
			"staff demo login", "one click as "+backend.DemoStaffUser+" (planner), "+backend.DemoNurseUser+" (heimesjukepleie) or "+backend.DemoAssistantUser+" (praktisk bistand)")
	} else {
		log.Info("listening", "addr", *addr, "demo", false, "trusted issuers", strings.Join(trust, " "), "audience", srv.Audience(), "staff", srv.PublicURL()+"/staff")
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		// Graceful: stop accepting, finish the requests in flight (at most backend.ShutdownTimeout), then
		// close the database (the deferred srv.Close).
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), backend.ShutdownTimeout)
		defer cancel()
		for _, s := range servers {
			if err := s.Shutdown(sctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}
