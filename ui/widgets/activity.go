package widgets

// OnActivity, when set, is called at every tap on a Button or Tile: the kiosk's idle timer listens to it.
// It is set once, by the UI, before any widget is tapped, and called on the UI goroutine.
var OnActivity func()

func activity() {
	if OnActivity != nil {
		OnActivity()
	}
}
