// Package openai replays a workload against an OpenAI-compatible
// streaming completions server (vLLM, Sarathi-Serve, or any other) and
// stamps every output token on the client's monotonic clock.
//
// Requests are sent open loop at their arrival times, each on its own
// goroutine, and streamed with /v1/completions. A server chunk is not a
// token (serving-semantics.md §2.3-2.4): tokens are attributed to chunks by
// the server profile's rule and each request records how
// (token_timing: exact, one_per_step or inferred).
//
// Profiles: "sarathi" sends only the fields Sarathi-Serve accepts and a
// text prompt; "vllm" sends token ids and asks for continuous usage;
// "generic" sends the OpenAI fields only. What the client saw beyond the
// shared run schema goes to client_requests.csv and client_tokens.csv.
package openai
