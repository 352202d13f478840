package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"time"
)

// checkURLs reads the quickstart's apps output and GETs each app's url and
// embed_url, so the demo proves what it prints: the gateway answers for
// every app on this machine (the simulator serves real HTTP on its
// loopback guest network).
func checkURLs(cli, dir string, env []string) error {
	cmd := exec.Command(cli, "output", "-json", "apps")
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("terraform output apps: %w", err)
	}
	var apps map[string]struct {
		URL      string `json:"url"`
		EmbedURL string `json:"embed_url"`
	}
	if err := json.Unmarshal(out, &apps); err != nil {
		return fmt.Errorf("reading the apps output: %w", err)
	}
	names := make([]string, 0, len(apps))
	for name := range apps {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, url := range []string{apps[name].URL, apps[name].EmbedURL} {
			status, err := get(url)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Printf("    %-6s %s answers %s\n", name, url, status)
		}
	}
	return nil
}

// get GETs a URL, giving a route a few seconds to come up.
func get(url string) (string, error) {
	if url == "" {
		return "", fmt.Errorf("no URL: is the gateway running?")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	var lastErr error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode < 400 {
			return resp.Status, nil
		}
		lastErr = fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return "", lastErr
}
