package backend

import "testing"

func TestBlank(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{" \t\r\n", true},
		{"\u00a0\u2003\u3000", true},
		{"\u200b\u200c\u200d\ufeff", true},
		{"\u202e\u202c\u200f", true},
		{"\u200bhei\u200b", false},
		{"👩‍⚕️", false},
		{"e\u0301", false},
		{".", false},
	}
	for _, tt := range tests {
		if got := blank(tt.in); got != tt.want {
			t.Errorf("blank(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
