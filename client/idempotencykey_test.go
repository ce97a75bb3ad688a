package client

import "testing"

// The same content keeps its key until Done; changed content gets a new one.
func TestIdempotencyKey(t *testing.T) {
	var k IdempotencyKey
	if k.Key() != "" {
		t.Fatal("the zero value has a key")
	}
	a := k.For("hei")
	if a == "" || k.For("hei") != a || k.Key() != a {
		t.Fatalf("the same content got another key")
	}
	b := k.For("hei du")
	if b == a {
		t.Fatal("changed content kept the key")
	}
	if k.ForJSON(map[string]int{"n": 1}) != k.ForJSON(map[string]int{"n": 1}) {
		t.Fatal("ForJSON: the same request got another key")
	}
	k.Done()
	if k.Key() != "" || k.For("hei") == a {
		t.Fatal("Done did not forget the key")
	}
}
