package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// children are the objects the kiosk's screens hold under o, as the kiosk itself walks them (to restore
// inputs, to speak, to find the focus order): a container's objects, a scroll's or pop-up's content, a
// split's sides, a radio group's options. Other widgets are leaves: their renderers' parts (an entry's
// text) are not controls or texts of their own.
func children(o fyne.CanvasObject) []fyne.CanvasObject {
	switch o := o.(type) {
	case *fyne.Container:
		return o.Objects
	case *container.Scroll:
		return []fyne.CanvasObject{o.Content}
	case *widgets.ScrollCue:
		return []fyne.CanvasObject{o.CueFor()}
	case *widget.PopUp:
		return []fyne.CanvasObject{o.Content}
	case *container.Split:
		return []fyne.CanvasObject{o.Leading, o.Trailing}
	case *widgets.Radio:
		items := make([]fyne.CanvasObject, len(o.Items()))
		for i, it := range o.Items() {
			items[i] = it
		}
		return items
	}
	return nil
}

// walkTree calls f for o and what is under it (children), depth first in tree order, which is reading and
// focus order; when f returns false, what is under that object is skipped. With visibleOnly, a hidden
// object is skipped with all it holds.
func walkTree(o fyne.CanvasObject, visibleOnly bool, f func(fyne.CanvasObject) bool) {
	if o == nil || visibleOnly && !o.Visible() {
		return
	}
	if !f(o) {
		return
	}
	for _, c := range children(o) {
		walkTree(c, visibleOnly, f)
	}
}

// pathTo is the chain of objects from root down to o, o's parent last; nil when o is not under root.
func pathTo(root, o fyne.CanvasObject) []fyne.CanvasObject {
	if root == nil {
		return nil
	}
	for _, c := range children(root) {
		if c == o {
			return []fyne.CanvasObject{root}
		}
		if p := pathTo(c, o); p != nil {
			return append([]fyne.CanvasObject{root}, p...)
		}
	}
	return nil
}
