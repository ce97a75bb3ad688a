package backend_test

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/helsekiosk/helsekiosk/internal/server/backend"
)

const (
	helperKioskID     = "staffpage-kiosk"
	helperKioskSecret = "staffpage-kiosk-secret"
)

// helperKioskClients registers helperKioskID with the backend's own authorization server.
func helperKioskClients() []backend.KioskClient {
	return []backend.KioskClient{{ClientID: helperKioskID, SecretHash: backend.SHA256SecretHash(helperKioskSecret), Name: "Testkiosk"}}
}

// kioskHTTPClient is an HTTP client that carries the kiosk token of helperKioskID (client credentials,
// client_secret_basic) from the backend at base.
func kioskHTTPClient(base string) *http.Client {
	cc := clientcredentials.Config{ClientID: helperKioskID, ClientSecret: helperKioskSecret, TokenURL: base + "/oauth/token",
		AuthStyle: oauth2.AuthStyleInHeader}
	return cc.Client(context.Background())
}
