package supervise

import (
	"slices"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	for _, c := range []struct {
		in        []string
		rest      []string
		supervise bool
		fresh     string // "", "true", "false"
	}{
		{[]string{"--kiosk", "--lang", "nn"}, []string{"--kiosk", "--lang", "nn"}, false, ""},
		{[]string{"--supervise", "--kiosk"}, []string{"--kiosk"}, true, ""},
		{[]string{"-supervise", "--fresh-process=false", "--lang=en"}, []string{"--lang=en"}, true, "false"},
		{[]string{"--fresh-process", "--kiosk"}, []string{"--kiosk"}, false, "true"},
		{[]string{"--kiosk", "--", "--supervise"}, []string{"--kiosk", "--", "--supervise"}, false, ""},
	} {
		rest, sup, fresh, err := SplitArgs(c.in)
		got := ""
		if fresh != nil {
			got = map[bool]string{true: "true", false: "false"}[*fresh]
		}
		if err != nil || !slices.Equal(rest, c.rest) || sup != c.supervise || got != c.fresh {
			t.Errorf("SplitArgs(%q) = %q, %v, %s, %v", c.in, rest, sup, got, err)
		}
	}
	if _, _, _, err := SplitArgs([]string{"--fresh-process=maybe"}); err == nil {
		t.Error("--fresh-process=maybe accepted")
	}
}
