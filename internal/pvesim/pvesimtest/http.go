package pvesimtest

import (
	"fmt"
	"io"
	"net/http"
	"time"
)

// GetPage GETs a URL as a browser on this machine would, giving a route a
// few seconds to appear (the simulator binds a guest's listeners as its
// services start and its proxy reloads, as real ones do), and returns the
// headers and body of the first 200 answer.
func GetPage(url string) (http.Header, string, error) {
	client := &http.Client{Timeout: 5 * time.Second}
	var lastErr error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			continue
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		switch {
		case err != nil:
			lastErr = err
		case resp.StatusCode != http.StatusOK:
			lastErr = fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		default:
			return resp.Header, string(body), nil
		}
	}
	return nil, "", lastErr
}
