package backend

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/helsekiosk/helsekiosk/api"
)

// Version is reported by GET /v1/health.
var Version = "dev"

// TermsVersion is the current version of the terms the citizen consents to.
const TermsVersion = "2026-1"

// ClientID is the public OAuth client of the demo device flow (the kiosk's default client id).
const ClientID = "helsekiosk"

// DeviceCodeGrant is the RFC 8628 grant type.
const DeviceCodeGrant = "urn:ietf:params:oauth:grant-type:device_code"

// Defaults of Config (New applies them; the command's flags show them).
const (
	// DefaultPIDClaim is the claim with the national identity number, as ID-porten names it.
	DefaultPIDClaim = "pid"
	// DefaultAgeLimit is the age under which a person cannot log in on their own.
	DefaultAgeLimit = 16
)

// MaxBodyBytes is the largest request body accepted (413 body_too_large above it).
const MaxBodyBytes = 64 << 10

// Config configures a Server. The zero value is usable: a private in-memory database without demo data.
type Config struct {
	// DSN is the database: a postgres:// or postgresql:// URL for PostgreSQL, else an SQLite database file
	// path, or "" for a private in-memory SQLite database.
	DSN string
	// Demo seeds the demo persons, threads and appointments (relative to Now).
	Demo bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// KioskName is the kiosk name shown on the verification page when the kiosk sends none.
	KioskName string
	// AccessTokenTTL is how long an access token of the demo authorization server lives (default 5 minutes).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is how long a refresh token lives (default 8 hours; each use rotates it).
	RefreshTokenTTL time.Duration
	// DeviceCodeTTL is how long a device code lives (default 10 minutes).
	DeviceCodeTTL time.Duration
	// PollInterval is the device-flow polling interval (default 5 s; tests set it small). It is
	// reported in whole seconds, so below one second the kiosk is told 0.
	PollInterval time.Duration
	// PublicURL is the backend's public base URL: the demo issuer and every URL in the discovery document
	// come from it, never from a request's Host. Start sets it to the URL it listens on when empty; New
	// alone falls back to http://localhost.
	PublicURL string
	// TrustIssuers are the OpenID Providers whose JWT access tokens are accepted (verified against their
	// JWKS via OIDC discovery). With Demo the backend's own demo issuer (PublicURL) is trusted too.
	TrustIssuers []string
	// Audience must be in a token's aud (default: PublicURL).
	Audience string
	// PIDClaim is the claim with the national identity number (default DefaultPIDClaim).
	PIDClaim string
	// ACR lists the accepted assurance levels (default idporten-loa-high).
	ACR []string
	// AgeLimit is the age under which a person cannot log in on their own (default DefaultAgeLimit; negative: none).
	AgeLimit int
	// KioskClients are the registered kiosks: those that get their kiosk token (client credentials) from the
	// backend's own authorization server, and those (with Issuer) that get it from a trusted issuer.
	KioskClients []KioskClient
	// KioskScope is the scope a kiosk token must carry (default KioskScope, "kiosk"); the own authorization
	// server puts it into its kiosk tokens.
	KioskScope string
	// SigningKey signs the own authorization server's tokens (ES256); nil generates one at start.
	SigningKey *ecdsa.PrivateKey
	// HTTPClient fetches trusted issuers' discovery documents and JWKS (default: 10 s timeout).
	HTTPClient *http.Client
	// Logger receives request and error logs (never tokens, national identity numbers or message text);
	// nil discards them.
	Logger *slog.Logger

	// Timeouts are the HTTP servers' timeouts (HTTPServer, Start); zero fields take DefaultTimeouts'.
	Timeouts Timeouts
	// MaxConcurrentPerClient bounds the requests in flight per client address (429 rate_limited with
	// Retry-After above it); 0 means DefaultMaxConcurrentPerClient, negative none.
	MaxConcurrentPerClient int
	// IdempotencyTTL is how long an Idempotency-Key record is kept (default 24 hours).
	IdempotencyTTL time.Duration

	// --- Staff login (issue 11, staff page): see StaffConfig in stafflogin.go. ---
	Staff StaffConfig

	// Notices configures the notices by SMS and e-mail and their sender (notices.go, noticesender.go).
	Notices NoticeConfig

	// wrap, when set (tests only, export_test.go), wraps the handler Start serves.
	wrap func(http.Handler) http.Handler
}

// Server is the backend. Handler serves it; Close closes its database.
type Server struct {
	cfg        Config
	key        *issuerKey // the own authorization server's key; nil when it is off
	issuers    []*trustedIssuer
	httpClient *http.Client
	codes      *codeLimiter
	db         *sql.DB
	dialect    dialect
	log        *slog.Logger
	router     routers.Router
	doc        *openapi3.T
	handler    http.Handler
	notices    *noticeSender // the notices' sender (running when it has a transport)
	limiter    *clientLimiter
	metrics    *metrics
	lastPrune  atomic.Int64 // unix ms of the last idempotency prune
	idemSecret []byte       // the key of idempotency records' body MACs (server_secrets, idempotency.go)
	devices    deviceBounds // the bounds on pending device codes (devicebounds.go)
	minFree    atomic.Int64 // the free bytes /v1/ready wants on the database's file system (ready.go)
}

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

var memCounter atomic.Int64

// New opens (and migrates) the database, seeds demo data when cfg.Demo, and builds the handler.
func New(cfg Config) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.AccessTokenTTL <= 0 {
		cfg.AccessTokenTTL = 5 * time.Minute
	}
	if cfg.RefreshTokenTTL <= 0 {
		cfg.RefreshTokenTTL = 8 * time.Hour
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://localhost"
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.PublicURL
	}
	if cfg.Staff.PublicURL == "" {
		cfg.Staff.PublicURL = cfg.PublicURL
	}
	if cfg.PIDClaim == "" {
		cfg.PIDClaim = DefaultPIDClaim
	}
	if len(cfg.ACR) == 0 {
		cfg.ACR = []string{ACRHigh}
	}
	if cfg.AgeLimit == 0 {
		cfg.AgeLimit = DefaultAgeLimit
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.DeviceCodeTTL <= 0 {
		cfg.DeviceCodeTTL = 10 * time.Minute
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 5 * time.Second
	}
	if cfg.KioskName == "" {
		cfg.KioskName = "Helsekiosk"
	}
	if cfg.Timeouts.ReadHeader <= 0 {
		cfg.Timeouts.ReadHeader = DefaultTimeouts.ReadHeader
	}
	if cfg.Timeouts.Read <= 0 {
		cfg.Timeouts.Read = DefaultTimeouts.Read
	}
	if cfg.Timeouts.Write <= 0 {
		cfg.Timeouts.Write = DefaultTimeouts.Write
	}
	if cfg.Timeouts.Idle <= 0 {
		cfg.Timeouts.Idle = DefaultTimeouts.Idle
	}
	if cfg.MaxConcurrentPerClient == 0 {
		cfg.MaxConcurrentPerClient = DefaultMaxConcurrentPerClient
	}
	if cfg.IdempotencyTTL <= 0 {
		cfg.IdempotencyTTL = DefaultIdempotencyTTL
	}
	cfg.Notices.defaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if err := checkKioskClients(cfg); err != nil {
		return nil, err
	}
	d := dialectSQLite
	open := openDB
	if isPostgresDSN(cfg.DSN) {
		d, open = dialectPostgres, openPostgres
	}
	db, err := open(cfg.DSN)
	if err != nil && d == dialectSQLite && cfg.DSN != "" && cannotWrite(err) {
		// A file system mounted read-only, or a file this user may only read: serve what can be read,
		// with /v1/ready and every write answering 503, rather than not start.
		rodb, roErr := openSQLiteReadOnly(cfg.DSN)
		if roErr != nil {
			return nil, fmt.Errorf("%w; read-only too: %v", err, roErr)
		}
		cfg.Logger.Warn("the database cannot be written: opened read-only; /v1/ready and writes answer 503 until it can", "err", err)
		db, err = rodb, nil
	}
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, db: db, dialect: d, log: cfg.Logger, httpClient: cfg.HTTPClient, codes: newCodeLimiter(),
		limiter: newClientLimiter(cfg.MaxConcurrentPerClient)}
	s.metrics = newMetrics(s)
	s.devices.perAddr.Store(MaxPendingCodesPerAddr)
	s.devices.total.Store(MaxPendingCodes)
	s.minFree.Store(DefaultMinFreeBytes)
	if cfg.Demo || ownKioskClients(cfg.KioskClients) {
		if s.key, err = newIssuerKey(cfg.SigningKey); err != nil {
			db.Close()
			return nil, fmt.Errorf("backend: signing key: %w", err)
		}
	}
	s.buildIssuers()
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	if s.idemSecret, err = s.loadSecret(context.Background(), idempotencySecretName); err != nil {
		db.Close()
		return nil, err
	}
	doc, router, err := loadSpec()
	if err != nil {
		db.Close()
		return nil, err
	}
	s.doc, s.router = doc, router
	if cfg.Demo {
		if err := s.seedDemo(context.Background()); err != nil && !s.readOnly(err) {
			db.Close()
			return nil, fmt.Errorf("backend: seed demo data: %w", err)
		}
	}
	s.handler = s.buildHandler()
	if s.notices, err = newNoticeSender(s); err != nil {
		db.Close()
		return nil, err
	}
	s.notices.start()
	return s, nil
}

func openDB(dsn string) (*sql.DB, error) {
	var source string
	if dsn == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		source = fmt.Sprintf("file:helsekiosk-mem-%d-%s?mode=memory&cache=shared&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)",
			memCounter.Add(1), hex.EncodeToString(b[:]))
	} else {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		source = dsn + sep + "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
	}
	db, err := sql.Open("sqlite", source)
	if err != nil {
		return nil, fmt.Errorf("backend: open database: %w", err)
	}
	// One connection: SQLite serialises writers anyway, and this keeps an in-memory database alive and
	// avoids SQLITE_BUSY. Never hold a *sql.Rows open while running another query.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("backend: open database: %w", err)
	}
	return db, nil
}

// cannotWrite reports whether opening an SQLite database failed because it cannot be written: a read-only
// file system (the journal's files cannot be made), a file this user may only read.
func cannotWrite(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
		return true
	}
	return false
}

// openSQLiteReadOnly opens the SQLite database file dsn read-only (mode=ro). A database in WAL mode needs
// its -shm file, which a read-only file system without one cannot give: then it is opened immutable, which
// SQLite allows because nobody can change a file on a read-only file system.
func openSQLiteReadOnly(dsn string) (*sql.DB, error) {
	uri, sep := dsn, "?"
	if !strings.HasPrefix(uri, "file:") {
		uri = "file:" + (&url.URL{Path: dsn}).EscapedPath()
	}
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	var firstErr error
	for _, q := range []string{"mode=ro", "mode=ro&immutable=1"} {
		db, err := sql.Open("sqlite", uri+sep+q+"&_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)")
		if err == nil {
			db.SetMaxOpenConns(1)
			db.SetMaxIdleConns(1)
			db.SetConnMaxLifetime(0)
			db.SetConnMaxIdleTime(0)
			// A query, not only a ping: the WAL's -shm is needed at the first read.
			var n int
			if err = db.QueryRow(`SELECT COUNT(*) FROM sqlite_master`).Scan(&n); err == nil {
				return db, nil
			}
			db.Close()
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, fmt.Errorf("backend: open database read-only: %w", firstErr)
}

func (s *Server) migrate(ctx context.Context) error {
	dir, gd, opts := "migrations", goose.DialectSQLite3, []goose.ProviderOption(nil)
	if s.dialect == dialectPostgres {
		// Replicas may start together: a session-level advisory lock lets one migrate while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("backend: migrations: %w", err)
		}
		dir, gd, opts = "migrations/postgres", goose.DialectPostgres, []goose.ProviderOption{goose.WithSessionLocker(locker)}
	}
	sub, err := fs.Sub(migrationsFS, dir)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(gd, s.db, sub, opts...)
	if err != nil {
		return fmt.Errorf("backend: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		if !s.readOnly(err) {
			return fmt.Errorf("backend: migrate: %w", err)
		}
		// A database that cannot be written can still be served, if its schema is this backend's.
		current, target, verr := p.GetVersions(ctx)
		if verr != nil {
			return fmt.Errorf("backend: migrate: %w (and its schema version: %v)", err, verr)
		}
		if current != target {
			return fmt.Errorf("backend: the database cannot be written and its schema is version %d, this backend needs %d: start it once where it can write: %w", current, target, err)
		}
		s.log.Warn("the database cannot be written; its schema is current", "version", current, "err", err)
	}
	return nil
}

// readOnly reports whether err is the database refusing writes (read-only, or a file system that cannot
// be written), as opposed to a bug or a broken database.
func (s *Server) readOnly(err error) bool {
	kind, ok := dbUnavailable(err)
	return ok && (kind == "readonly" || kind == "cantopen")
}

func loadSpec() (*openapi3.T, routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.Spec)
	if err != nil {
		return nil, nil, fmt.Errorf("backend: load api spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, nil, fmt.Errorf("backend: api spec invalid: %w", err)
	}
	// Match any host: the relative server URL "/" is what the contract means.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("backend: api router: %w", err)
	}
	return doc, router, nil
}

// Handler is the whole HTTP API plus the /device verification page.
func (s *Server) Handler() http.Handler { return s.handler }

// DB is the underlying database, for tests and tools.
func (s *Server) DB() *sql.DB { return s.db }

// Store is the database the server runs on: "sqlite" or "postgres".
func (s *Server) Store() string { return s.dialect.String() }

// PublicURL is the backend's public base URL (its own issuer).
func (s *Server) PublicURL() string { return s.cfg.PublicURL }

// Audience is what a token's aud must contain.
func (s *Server) Audience() string { return s.cfg.Audience }

// Now is the server's clock.
func (s *Server) Now() time.Time { return s.cfg.Now() }

// Close stops the notices' sender and closes the database.
func (s *Server) Close() error {
	if s.notices != nil {
		s.notices.close()
	}
	return s.db.Close()
}

// Running is a Server listening on a loopback port.
type Running struct {
	URL    string
	Server *Server
	http   *http.Server
	done   chan struct{}
}

// Start builds a Server and serves it on 127.0.0.1 on a free port until Close (or ctx ends). An empty
// cfg.PublicURL becomes the URL it listens on.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ln.Addr().String()
	}
	s, err := New(cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	h := s.Handler()
	if cfg.wrap != nil {
		h = cfg.wrap(h)
	}
	hs := s.HTTPServer("", h)
	r := &Running{URL: "http://" + ln.Addr().String(), Server: s, http: hs, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			r.Close()
		case <-r.done:
		}
	}()
	return r, nil
}

// ShutdownTimeout is how long a graceful shutdown waits for requests in flight.
const ShutdownTimeout = 10 * time.Second

// Close stops serving – it stops accepting, lets the requests in flight finish (at most ShutdownTimeout) –
// and closes the database. It is safe to call more than once.
func (r *Running) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := r.http.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	<-r.done
	if cerr := r.Server.Close(); err == nil {
		err = cerr
	}
	return err
}

// handler implements api.ServerInterface; it is a separate type so Server's own API stays small.
type handler struct{ s *Server }

var _ api.ServerInterface = handler{}

// GetHealth answers GET /v1/health.
func (h handler) GetHealth(w http.ResponseWriter, r *http.Request) {
	v, demo := Version, h.s.cfg.Demo
	writeJSON(w, http.StatusOK, api.Health{Status: api.Ok, Version: &v, Demo: &demo})
}
