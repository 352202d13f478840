package pvesim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// pruneAfterBackup is the "remove" step of vzdump (pve-manager PVE/VZDump.pm
// exec_backup_task, after the archive, its notes and its protection): the
// prune-backups of the storage, else of vzdump.conf (vzdumpPrune), is applied to the guest's
// backups on the storage with PVE::Storage::prune_backups (Plugin.pm): the
// protected ones are kept, the rest marked by prune_mark_backup_group, and
// those marked remove deleted, each logged. keep-all skips it altogether.
// The caller holds s.mu.
func (s *Simulator) pruneAfterBackup(t *taskCtx, n *node, st *storage, vmid int) {
	keep := pruneOptions(s.vzdumpPrune(n, st))
	if keep == nil {
		return
	}
	keys := make([]string, 0, len(keep))
	for k := range keep {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, keep[k]))
	}
	t.logf("INFO: prune older backups with retention: %s", strings.Join(parts, ", "))
	var group []*volume
	for _, v := range st.Volumes {
		if v.Content == "backup" && v.VMID == vmid && !v.Protected {
			group = append(group, v)
		}
	}
	pruned := 0
	for _, v := range pruneMark(group, keep) {
		t.logf("INFO: removing backup '%s'", v.VolID)
		delete(st.Volumes, v.VolID)
		pruned++
	}
	extra := ""
	if pruned > 0 {
		extra = " not covered by keep-retention policy"
	}
	t.logf("INFO: pruned %d backup(s)%s", pruned, extra)
}

// pruneOptions parses a prune-backups value; nil when it keeps all
// (keep-all=1, or no positive keep-*).
func pruneOptions(value string) map[string]int {
	keep := map[string]int{}
	for _, part := range strings.Split(value, ",") {
		k, v, _ := strings.Cut(part, "=")
		n, _ := strconv.Atoi(v)
		if k == "keep-all" && n == 1 {
			return nil
		}
		if k != "keep-all" && n > 0 {
			keep[k] = n
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return keep
}

// pruneMark is prune_mark_backup_group (pve-storage src/PVE/Storage.pm):
// newest first, each keep-* in turn keeps the newest backup of as many
// periods as it counts, skipping periods an earlier option already kept;
// what no option keeps is removed. It returns the backups to remove.
func pruneMark(group []*volume, keep map[string]int) []*volume {
	sort.SliceStable(group, func(i, j int) bool { return group[i].CTime > group[j].CTime })
	mark := map[*volume]string{}
	periods := []struct {
		key string
		id  func(time.Time) string
	}{
		{"keep-last", func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }},
		{"keep-hourly", func(t time.Time) string { return t.Format("2006-01-02 15") }},
		{"keep-daily", func(t time.Time) string { return t.Format("2006-01-02") }},
		{"keep-weekly", func(t time.Time) string { y, w := t.ISOWeek(); return fmt.Sprintf("%d/%d", w, y) }},
		{"keep-monthly", func(t time.Time) string { return t.Format("2006-01") }},
		{"keep-yearly", func(t time.Time) string { return t.Format("2006") }},
	}
	for _, p := range periods {
		count := keep[p.key]
		if count == 0 {
			continue
		}
		already, included := map[string]bool{}, map[string]bool{}
		for _, v := range group {
			if mark[v] == "keep" {
				already[p.id(time.Unix(v.CTime, 0))] = true
			}
		}
		for _, v := range group {
			id := p.id(time.Unix(v.CTime, 0))
			if mark[v] != "" || already[id] {
				continue
			}
			if included[id] {
				mark[v] = "remove"
				continue
			}
			if len(included) >= count {
				break
			}
			included[id] = true
			mark[v] = "keep"
		}
	}
	var out []*volume
	for _, v := range group {
		if mark[v] != "keep" {
			out = append(out, v)
		}
	}
	return out
}
