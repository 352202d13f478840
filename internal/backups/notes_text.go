package backups

import "strings"

// SameNotes tells whether configured notes are those an archive has, as
// Find reads them. PVE keeps a backup's notes word for word in
// <archive>.notes (DirPlugin's update_volume_notes writes the string as
// given, get_volume_notes returns the file whole); Find takes off one
// trailing newline, so a heredoc's final newline is no drift.
func SameNotes(configured, read string) bool {
	return strings.TrimSuffix(configured, "\n") == read
}
