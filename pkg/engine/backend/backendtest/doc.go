// Package backendtest is the conformance suite every backend runs: each
// operation against a float64 reference written here, with a commented
// tolerance. A backend's test calls Run(t, newBackend).
package backendtest
