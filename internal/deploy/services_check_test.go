package deploy

import (
	"strings"
	"testing"
	"time"
)

// TestParseServiceStates joins compose ps -a -q's full IDs with docker ps's
// 12-character ones, and reads health and uptime from docker's status as
// docker prints them.
func TestParseServiceStates(t *testing.T) {
	id := func(c byte) string { return strings.Repeat(string(c), 64) }
	out := "== web\n" + id('a') + "\n== db\n" + id('b') + "\n== cache\n== worker\n" + id('d') + "\n== \n" +
		id('a')[:12] + " running Up 5 seconds (health: starting)\n" +
		id('b')[:12] + " restarting Restarting (1) 2 seconds ago\n" +
		id('d')[:12] + " running Up About a minute (healthy)\n"
	states := parseServiceStates(out)
	if len(states) != 4 {
		t.Fatalf("%+v", states)
	}
	web, db, cache, worker := states[0], states[1], states[2], states[3]
	if web.state != "running" || web.settled() || web.final() {
		t.Errorf("web, health starting: %+v settled %v", web, web.settled())
	}
	if db.state != "restarting" || db.settled() || db.final() || db.String() != "db is restarting (Restarting (1) 2 seconds ago)" {
		t.Errorf("db: %+v %s", db, db)
	}
	if cache.id != "" || cache.settled() || cache.String() != "cache has no container" {
		t.Errorf("cache: %+v", cache)
	}
	if !worker.settled() {
		t.Errorf("worker, healthy: %+v", worker)
	}
	if bad := unsettled(states); bad == nil || bad.name != "web" {
		t.Errorf("first unsettled %+v", bad)
	}
	exited := serviceState{name: "x", id: "1", state: "exited", status: "Exited (1) 3 seconds ago"}
	if bad := unsettled(append(states, exited)); bad == nil || bad.name != "x" {
		t.Errorf("an exited service comes first: %+v", bad)
	}
	if s := (serviceState{state: "running", status: "Up 3 seconds (unhealthy)"}); s.settled() {
		t.Error("unhealthy counts as settled")
	}
}

func TestUptimeFindsAnUnseenRestart(t *testing.T) {
	for status, want := range map[string]time.Duration{
		"Up Less than a second": 0, "Up 1 second": time.Second, "Up 7 seconds (healthy)": 7 * time.Second,
		"Up About a minute": time.Hour, "Up 3 hours": time.Hour,
	} {
		if got, ok := uptime(status); !ok || got != want {
			t.Errorf("%q: %v %v, want %v", status, got, ok, want)
		}
	}
	states := []serviceState{{name: "web", status: "Up 9 seconds"}, {name: "db", status: "Up 1 second"}}
	if r := restartedWithin(states, 2*time.Second); r == nil || r.name != "db" {
		t.Errorf("restartedWithin: %+v", r)
	}
	if r := restartedWithin(states, time.Second); r != nil {
		t.Errorf("restartedWithin 1s: %+v", r)
	}
}
