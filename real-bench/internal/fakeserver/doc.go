// Package fakeserver is a local OpenAI-compatible completions server for
// tests: it streams like vLLM or like Sarathi-Serve (serving-semantics.md §2,
// §3) on a known schedule, and can fail in the ways real servers do. It
// listens on 127.0.0.1 only (httptest).
package fakeserver
