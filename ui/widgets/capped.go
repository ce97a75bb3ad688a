package widgets

import "fyne.io/fyne/v2"

// NewCapped holds one wrapping object (a label with Wrapping set) at most width wide: in a row of buttons a
// long message wraps onto more lines instead of pushing the row past the screen's edge.
func NewCapped(width float32, obj fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: cappedLayout{width: width}, Objects: []fyne.CanvasObject{obj}}
}

// cappedLayout gives its one object the capped width and the height it needs wrapped at that width.
type cappedLayout struct{ width float32 }

func (l cappedLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	if len(objs) == 0 {
		return fyne.Size{}
	}
	o := objs[0]
	if o.Size().Width != l.width {
		o.Resize(fyne.NewSize(l.width, o.Size().Height))
	}
	return fyne.NewSize(l.width, o.MinSize().Height)
}

func (l cappedLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
