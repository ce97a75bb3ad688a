package widgets

import (
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// LongPressDelay is how long a LongPress must be held (the staff entry on the welcome screen's logo; tests
// shorten it).
var LongPressDelay = 2 * time.Second

// LongPress wraps an object (the logo) and calls onLong on the UI goroutine when it is held down for
// LongPressDelay. A short tap does nothing, so citizens do not stumble into it.
type LongPress struct {
	widget.BaseWidget
	content fyne.CanvasObject
	do      func() func(func()) // the kiosk's do, read at the press
	onLong  func()
	mu      sync.Mutex
	timer   *time.Timer
	fired   bool // the last press was held long enough
}

// NewLongPress wraps content; do returns the function that applies onLong on the UI goroutine (fyne.Do, or a
// test's queue).
func NewLongPress(content fyne.CanvasObject, do func() func(func()), onLong func()) *LongPress {
	l := &LongPress{content: content, do: do, onLong: onLong}
	l.ExtendBaseWidget(l)
	return l
}

func (l *LongPress) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(l.content) }

// MouseDown implements desktop.Mouseable (a touch screen's press arrives as a mouse press).
func (l *LongPress) MouseDown(*desktop.MouseEvent) {
	do, onLong := l.do(), l.onLong
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		l.timer.Stop()
	}
	l.fired = false
	l.timer = time.AfterFunc(LongPressDelay, func() {
		l.mu.Lock()
		l.fired = true
		l.mu.Unlock()
		do(onLong)
	})
}

// MouseUp implements desktop.Mouseable.
func (l *LongPress) MouseUp(*desktop.MouseEvent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer != nil {
		if !l.timer.Stop() {
			l.fired = true // too late: onLong is on its way
		}
		l.timer = nil
	}
}

// Fired reports whether the last press was held long enough to call onLong. Once MouseUp has returned and
// Fired is false, that press never will (its timer is stopped).
func (l *LongPress) Fired() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.fired
}
