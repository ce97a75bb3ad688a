//go:build linux && cgo

package xidle

/*
#cgo LDFLAGS: -lX11 -lXss
#include <stdlib.h>
#include <X11/Xlib.h>
#include <X11/extensions/scrnsaver.h>

static Display *hk_open(void) { return XOpenDisplay(NULL); }

static int hk_has_extension(Display *d) {
	int event_base, error_base;
	return XScreenSaverQueryExtension(d, &event_base, &error_base);
}

// hk_idle returns the server's idle time in milliseconds, or -1.
static long hk_idle(Display *d) {
	XScreenSaverInfo *info = XScreenSaverAllocInfo();
	if (info == NULL) return -1;
	if (!XScreenSaverQueryInfo(d, DefaultRootWindow(d), info)) { XFree(info); return -1; }
	long ms = (long)info->idle;
	XFree(info);
	return ms;
}
*/
import "C"

import (
	"sync"
	"time"
)

// A Source is an open connection to the X server, used only to ask for its idle time.
type Source struct {
	mu sync.Mutex
	d  *C.Display
}

// Open connects to the display named by $DISPLAY.
func Open() (*Source, error) {
	d := C.hk_open()
	if d == nil {
		return nil, ErrUnavailable
	}
	if C.hk_has_extension(d) == 0 {
		C.XCloseDisplay(d)
		return nil, ErrUnavailable
	}
	return &Source{d: d}, nil
}

// Idle returns how long the server has seen no input.
func (s *Source) Idle() (time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d == nil {
		return 0, ErrUnavailable
	}
	ms := C.hk_idle(s.d)
	if ms < 0 {
		return 0, ErrUnavailable
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// Close closes the connection.
func (s *Source) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.d != nil {
		C.XCloseDisplay(s.d)
		s.d = nil
	}
}
