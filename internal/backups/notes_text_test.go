package backups

import "testing"

// TestSameNotes: PVE keeps notes word for word and Find takes off one final
// newline, so only that newline is no difference.
func TestSameNotes(t *testing.T) {
	if !SameNotes("keep it\n", "keep it") || !SameNotes("keep it", "keep it") || !SameNotes("two\n\n", "two\n") {
		t.Error("notes that Find read back as written differ")
	}
	if SameNotes("keep it\n\n", "keep it") || SameNotes("keep", "keep it") {
		t.Error("other notes are the same")
	}
}
