// Package api is the Helsekiosk HTTP contract: openapi.yaml, and the Go types and server interface that
// oapi-codegen generates from it. The reference backend implements ServerInterface; the client uses the types.
package api

import _ "embed"

//go:generate go tool oapi-codegen -config cfg.yaml openapi.yaml

// Spec is openapi.yaml, for request and response validation.
//
//go:embed openapi.yaml
var Spec []byte
