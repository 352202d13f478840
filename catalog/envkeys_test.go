package catalog

import (
	"slices"
	"testing"
)

// TestEnvironmentKeys: the catalog's keys, the interpolated ones and the
// services' own; an escaped $$ is none.
func TestEnvironmentKeys(t *testing.T) {
	a, err := decodeApp([]byte(`{"id":"x","environment":{"DB_PASSWORD":"change-me"},"docker_compose":{"services":{
		"app":{"image":"a:1","environment":{"PASSWD":"${DB_PASSWORD}","HOME_URL":"http://$HOST:${PORT:-80}/$$NOT"}},
		"db":{"image":"b:1","environment":["POSTGRES_USER=x"],"command":"run --secret=${SECRET}"}}}}`), "x.json")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"DB_PASSWORD", "HOME_URL", "HOST", "PASSWD", "PORT", "POSTGRES_USER", "SECRET"}
	if got := a.EnvironmentKeys(); !slices.Equal(got, want) {
		t.Errorf("EnvironmentKeys = %v, want %v", got, want)
	}
	if got := ClosestKey("DB_PASSWROD", want); got != "DB_PASSWORD" {
		t.Errorf("ClosestKey = %q, want DB_PASSWORD", got)
	}
}
