// Package pvesimtest starts a simulated cluster for one test, so that every
// package's tests get the same one-line setup and cleanup.
package pvesimtest
