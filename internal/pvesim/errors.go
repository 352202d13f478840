package pvesim

import (
	"fmt"
	"net/http"
)

// apiError is a failed API call as PVE reports it: a status, a message that
// is also the HTTP reason phrase, and per-parameter errors for 400s.
type apiError struct {
	Status  int
	Message string
	Errors  map[string]string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

// fail is a handler's plain failure: PVE answers 500 with the message.
func fail(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusInternalServerError, Message: fmt.Sprintf(format, args...)}
}

func paramError(errs map[string]string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Message: "Parameter verification failed.", Errors: errs}
}

func paramFail(name, msg string) *apiError {
	return paramError(map[string]string{name: msg})
}

// The 401 and 403 texts of the PVE 8.4 server.
var (
	errNoTicket   = &apiError{Status: http.StatusUnauthorized, Message: "No ticket"}
	errAuthFailed = &apiError{Status: http.StatusUnauthorized, Message: "authentication failure"}
	errBadTicket  = &apiError{Status: http.StatusUnauthorized, Message: "Authentication failed!"}
	errBadCSRF    = &apiError{Status: http.StatusUnauthorized, Message: "Permission denied - invalid csrf token"}
)

func permissionError(path, priv string) *apiError {
	return &apiError{Status: http.StatusForbidden, Message: fmt.Sprintf("Permission check failed (%s, %s)", path, priv)}
}

func notImplemented(method, path string) *apiError {
	return &apiError{Status: http.StatusNotImplemented, Message: fmt.Sprintf("Method '%s %s' not implemented", method, path)}
}

func noSuchNode(node string) *apiError {
	return fail("hostname lookup '%s' failed - failed to get address info for: %s: Name or service not known", node, node)
}

func noSuchGuest(node string, vmid int) *apiError {
	return fail("Configuration file 'nodes/%s/lxc/%d.conf' does not exist", node, vmid)
}
