package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/helsekiosk/helsekiosk/api"
	"github.com/helsekiosk/helsekiosk/ui/widgets"
)

// choosePerson asks whom the citizen's errand is for ("Kven gjeld det?"): themself, someone who gave them
// fullmakt, or their child.
type choosePerson struct {
	k    *Kiosk
	sess *session
}

func newChoosePerson(k *Kiosk, sess *session) *choosePerson { return &choosePerson{k: k, sess: sess} }

func (s *choosePerson) buildUI() fyne.CanvasObject {
	k := s.k
	list := container.NewVBox(heading(k.tr("ChoosePersonHeading")))
	for _, p := range s.sess.me.Persons {
		label := p.Person.Name + " – " + k.relationText(p.Relation)
		b := widgets.NewButton(k.hooks, label, func() { k.actFor(p) })
		b.Alignment = widget.ButtonAlignLeading
		if p.Relation == api.PersonAccessRelationSelf {
			b.Importance = widget.HighImportance
		}
		list.Add(b)
	}
	return k.scrolled(list)
}

func (s *choosePerson) stop() {}

func (s *choosePerson) kind() string { return "choosePerson" }

// relationText is how the citizen relates to a person they may act for.
func (k *Kiosk) relationText(r api.PersonAccessRelation) string {
	switch r {
	case api.PersonAccessRelationSelf:
		return k.tr("RelationSelf")
	case api.PersonAccessRelationFullmakt:
		return k.tr("RelationFullmakt")
	case api.PersonAccessRelationChild:
		return k.tr("RelationChild")
	}
	return string(r)
}
