package backend

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// testCA is a private CA and a server certificate for 127.0.0.1 and localhost, for the test SMTP server.
type testCA struct {
	server  tls.Certificate
	pool    *x509.CertPool
	certPEM []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "helsekiosk test SMTP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool: pool,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// clientTLS is what the backend trusts to reach the test SMTP server.
func (ca *testCA) clientTLS() *tls.Config { return &tls.Config{RootCAs: ca.pool} }

// received is a message the test SMTP server accepted.
type received struct {
	From   string
	To     []string
	TLS    bool
	Raw    []byte
	Header mail.Header
	Body   string // decoded (Content-Transfer-Encoding)
}

// smtpSink is a real SMTP server (emersion/go-smtp) run by the test: it offers STARTTLS (or speaks TLS
// from the start), may require AUTH PLAIN, stores every message it accepts and delivers it on Got. Refuse
// makes it answer the next n messages' DATA with 451 (a temporary refusal); Hold, when set, is called with
// each message before the server answers its DATA (a test kills the sender there).
type smtpSink struct {
	Addr string
	Got  chan received

	mu     sync.Mutex
	refuse int
	hold   func(received)
	user   string
	pass   string
	all    []received
}

func newSMTPSink(t *testing.T, ca *testCA, implicitTLS bool, user, pass string) *smtpSink {
	t.Helper()
	k := &smtpSink{Got: make(chan received, 100), user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k, c: c}, nil }))
	srv.Domain = "mx.test"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{ca.server}}
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if implicitTLS {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	k.Addr = ln.Addr().String()
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return k
}

// Refuse makes the server answer the next n messages with 451.
func (k *smtpSink) Refuse(n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.refuse = n
}

// Hold sets the function called with each message before its DATA is answered.
func (k *smtpSink) Hold(f func(received)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.hold = f
}

// All is every message accepted so far.
func (k *smtpSink) All() []received {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]received(nil), k.all...)
}

// ByMessageID is what a mail system that recognises a repeated Message-ID keeps: one message per id.
func (k *smtpSink) ByMessageID() map[string]received {
	out := map[string]received{}
	for _, m := range k.All() {
		id := m.Header.Get("Message-Id")
		if _, ok := out[id]; !ok {
			out[id] = m
		}
	}
	return out
}

type sinkSession struct {
	k    *smtpSink
	c    *smtp.Conn
	auth bool
	from string
	to   []string
}

func (s *sinkSession) AuthMechanisms() []string {
	if s.k.user == "" {
		return nil
	}
	return []string{"PLAIN"}
}

func (s *sinkSession) Auth(mech string) (sasl.Server, error) {
	if mech != "PLAIN" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.k.user || password != s.k.pass {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.k.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	k := s.k
	k.mu.Lock()
	if k.refuse > 0 {
		k.refuse--
		k.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	hold := k.hold
	k.mu.Unlock()
	m := received{From: s.from, To: s.to, Raw: raw}
	_, m.TLS = s.c.TLSConnectionState()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "Not a message: " + err.Error()}
	}
	m.Header = msg.Header
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return err
	}
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		if body, err = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body))); err != nil {
			return &smtp.SMTPError{Code: 554, Message: "Bad quoted-printable"}
		}
	}
	m.Body = string(body)
	if hold != nil {
		hold(m)
	}
	k.mu.Lock()
	k.all = append(k.all, m)
	k.mu.Unlock()
	k.Got <- m
	return nil
}

// smsGateway is a test SMS gateway (httptest): it takes the JSON POST with the bearer token, as a real
// gateway would keeps one SMS per reference (a repeat is answered 200 and counted), and delivers each new
// SMS on Got. Fail makes it answer the next n requests 503.
type smsGateway struct {
	URL   string
	Token string
	Got   chan smsRequest

	mu      sync.Mutex
	fail    int
	seen    map[string]smsRequest
	repeats int
	bad     []string
}

func newSMSGateway(t *testing.T) *smsGateway {
	t.Helper()
	g := &smsGateway{Token: "gw-" + randomToken(), Got: make(chan smsRequest, 100), seen: map[string]smsRequest{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer "+g.Token {
			g.bad = append(g.bad, r.Method+" without the token")
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
			g.bad = append(g.bad, "content type "+ct)
			http.Error(w, "json please", http.StatusUnsupportedMediaType)
			return
		}
		var in smsRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || in.Recipient == "" || in.Text == "" || in.Reference == "" {
			g.bad = append(g.bad, "body: "+strings.TrimSpace(in.Recipient+" "+in.Reference))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if g.fail > 0 {
			g.fail--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		if _, ok := g.seen[in.Reference]; ok {
			g.repeats++
		} else {
			g.seen[in.Reference] = in
			g.Got <- in
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"accepted"}`)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/v1/sms"
	return g
}

// Fail makes the gateway answer the next n requests 503.
func (g *smsGateway) Fail(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.fail = n
}

// Stats is the SMS kept, the repeats recognised and the requests refused as malformed.
func (g *smsGateway) Stats() (kept, repeats int, bad []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.seen), g.repeats, append([]string(nil), g.bad...)
}
