//go:build !(linux && cgo)

package xidle

import "time"

// A Source is not available on this build.
type Source struct{}

// Open always fails on builds without cgo or outside Linux.
func Open() (*Source, error) { return nil, ErrUnavailable }

// Idle always fails.
func (*Source) Idle() (time.Duration, error) { return 0, ErrUnavailable }

// Close does nothing.
func (*Source) Close() {}
