package shell

import (
	"sync"
	"testing"
)

// TestMktempNamesAreSafeAtOnce: shells of many containers and nodes run
// mktemp at the same moment (every pushed file stages in one); the name
// generator is shared by them, so under the race detector this fails if
// it is not safe for concurrent use, and names must not repeat.
func TestMktempNamesAreSafeAtOnce(t *testing.T) {
	const n = 64
	names := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names[i] = fillTemplate("proximity-push.XXXXXXXXXX")
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			t.Fatalf("mktemp gave %s twice", name)
		}
		seen[name] = true
	}
}
