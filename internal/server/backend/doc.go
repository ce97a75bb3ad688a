// Package backend is the reference backend of Helsekiosk: it implements the whole api.ServerInterface (the
// contract in api/openapi.yaml) on SQLite or PostgreSQL, as a resource server that verifies every bearer token as a JWT
// access token of a trusted issuer. With Demo (or registered kiosk clients) it runs its own small
// authorization server, whose /device page stands in for BankID, and Demo seeds demo data. It also serves
// the staff page (help requests) behind an OpenID Connect login. It is for development, demos and tests,
// and the kiosk runs it in-process when started without --api.
//
// Files, by what they hold:
//
//   - server.go: Config and its defaults, New and Start, the database and its migrations (a database that
//     cannot be written is opened read-only and served, if its schema is current), the handler type that
//     implements api.ServerInterface, GET /v1/health
//   - dialect.go: SQLite or PostgreSQL: the PostgreSQL connections (pgx) that rebind the SQLite-style
//     placeholders to $N, the few differences (row locks, advisory locks), and the refusal of U+0000
//   - http.go: the middleware (recover, access log and metrics by route template, no redirects, the bound on
//     requests in flight per address, header/query/form checks, body limit, UTF-8, routing and request
//     validation against the contract) and strict JSON decoding
//   - limits.go: the HTTP servers' timeouts (DefaultTimeouts, HTTPServer), the per-address bound, the checks
//     of header, query and form values and of the Idempotency-Key
//   - ready.go: GET /v1/ready (the room left for the database – SQLite's page limit, the file system's free
//     space via diskspace_linux.go – and a probe write) and dbUnavailable, which turns a full, read-only, failing
//     or busy database (SQLite codes, PostgreSQL SQLSTATEs) into 503 unavailable with Retry-After
//   - metrics.go: the Prometheus metrics (MetricsHandler; served on a listener of its own); every label value
//     from a closed set, never from the request
//   - labels.go: service names and staff roles in nn, nb and en by Accept-Language (default nb)
//   - problems.go: RFC 9457 problems; every code is an api.ProblemCode (the contract's enum)
//   - idempotency.go: writeTx, one transaction per write together with its Idempotency-Key record: per caller,
//     the answer sealed with a key derived from the Idempotency-Key, the body's HMAC under a server secret
//     (table server_secrets), pruned after 24 hours; the record is inserted first, so concurrent replicas
//     apply a key once
//   - auth.go: who is calling: authenticate (a citizen's token: pid, acr, person, age limit) and
//     authenticateKiosk (a registered kiosk's client-credentials token: kiosk scope, sub that kiosk, no pid)
//   - access.go: whom the citizen reaches (self, fullmakt givers, children under 18) and actFor, the access
//     check of every person-scoped call (consent, reach, scopes)
//   - tokens.go: JWT access tokens: the own issuer's key and tokens, trusted issuers, verifyToken (signature,
//     iss, aud, exp, nbf, iat, jti, typ and lifetime of the own tokens, the logout list), revocation
//   - logout.go: POST /v1/logout: the presented token (any issuer's) on the logout list (revoked_tokens,
//     by issuer and jti, until its exp), which every replica reads
//   - oauth.go: the own authorization server: discovery, JWKS, device authorization, the token endpoint
//     (device code, refresh, client credentials grants), revocation
//   - device.go: the demo /device page (approve or deny a login as a test person) and user codes
//   - ratelimit.go: the rate limit on wrong user codes (RFC 8628 section 5.1): per address, and overall
//     without locking out an address that has not guessed
//   - devicebounds.go: the bounds on pending device logins, per client address and in all
//   - kioskclients.go: registered kiosks (--kiosk-clients: the own authorization server's, with client
//     authentication, and a trusted issuer's, with issuer and subject)
//   - persons.go: the persons row, consent and age
//   - rows.go: small helpers for rows: ids, random tokens, SHA-256, times and dates
//   - me.go: GET /v1/me and consent
//   - overview.go, messages.go (threads and their messages, both cursor-paged), appointments.go (with the cancellation rule), settings.go (notification
//     settings and fullmakt), helprequests.go: the API's resources
//   - heartbeats.go: the kiosks' heartbeats (PUT /v1/kiosk/heartbeat, the latest per kiosk), the fleet list
//     (Kiosks) and the count behind the helsekiosk_kiosks_seen gauge
//   - staffpage.go, stafflogin.go, staffdemoidp.go: the staff page (help requests and the kiosk list),
//     its OIDC login, and the demo staff IdP (a planner, a nurse, an assistant)
//   - staffservices.go (--staff-services: roles → services, who may plan), staffwork.go (the service pages'
//     routes, frame, languages, errors and the append-only access log), staffthreads.go (inbox with reply
//     deadlines, thread, person, new thread), stafftasks.go (cancellation and change requests),
//     staffvisits.go (day and week plan, visits), staffnotice.go (each staff write queues the person's notice),
//     staffpages.tmpl and staff_live.js (the pages, and the in-place updates), texts in locales/staff.*.toml
//   - notices.go: notices by SMS and e-mail (varsel): the outbox (queueNotice, in the transaction of the
//     change it reports; migration 00007), whom a notice reaches (noticeReach) and the backlog (noticeBacklog)
//   - noticesender.go: NoticeConfig and the sender: claim with a lease, e-mail (go-mail over SMTP) and SMS (an
//     HTTP gateway), back-off, SMS hours; noticetext.go: the texts (locales/notices.*.toml); noticemetrics.go
//   - seed.go: the demo data and SeedBulk
//   - migrations/: the SQLite schema, embedded and applied with goose (00003: the readiness probe's table and
//     the idempotency records' age index; 00004: the staff page's sessions; 00005: the kiosks' heartbeats;
//     00006: the logout list of every issuer's tokens, revoked_tokens; 00010: server secrets, the body MAC, device logins' client address); migrations/postgres/: the same
//     for PostgreSQL, applied under goose's advisory session lock
//   - pgtest/: a private PostgreSQL cluster for tests
//
// backendtest serves this backend to tests, validating every request and response against the contract
// (internal/contract, which the conformance kit internal/server/conformance shares).
package backend
