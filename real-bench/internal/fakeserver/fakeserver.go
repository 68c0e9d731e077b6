package fakeserver

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Behavior is how the server answers.
type Behavior struct {
	// Profile: "sarathi" accepts only Sarathi's fields and text prompts
	// (400 otherwise), counts a BOS in prompt_tokens and sends one empty
	// chunk per prefill step; "vllm" takes token ids and sends
	// continuous usage on every chunk when asked; "generic" neither.
	Profile      string
	PrefillSteps int           // empty-text chunks before the first token
	Step         time.Duration // sleep before every chunk
	PerChunk     int           // tokens merged into one chunk (vLLM under load)
	Status       int           // non-zero: answer every completion with this HTTP status
	CutAfter     int           // close the stream after this many chunks
	Stall        bool          // stop sending after the first chunk, never close
	MidError     bool          // Sarathi-style error object after the first chunk, then [DONE]
	Malformed    bool          // the second chunk is cut-off JSON; the stream goes on to [DONE]
	NoUsage      bool          // ignore include_usage
	Instant      bool          // one token, no sleeps, minimal work: for overhead benchmarks
	Models       []string      // GET /v1/models ids; empty: 404
	Version      string        // GET /version's version (vLLM has it); empty: 404
	// Only, when set, limits Status, CutAfter, Stall, MidError and
	// Malformed to these request ids; the others are served normally.
	Only map[int]bool
	// Faults gives single requests a fault of their own, over the above:
	// several faults in one run.
	Faults map[int]Fault
}

// Fault is what one request meets (Behavior.Faults); the fields mean what
// Behavior's fields of the same name mean.
type Fault struct {
	Status    int
	CutAfter  int
	Stall     bool
	MidError  bool
	Malformed bool
}

// Server is a running fake server.
type Server struct {
	*httptest.Server
	B Behavior
	// Clock, when set before requests arrive, stamps every choice chunk
	// just before it is written, in Flushed, so tests can compare the client's stamps with the
	// server's.
	Clock   func() float64
	mu      sync.Mutex
	flushed map[int][]float64
	bodies  []map[string]any
}

// New starts a server on 127.0.0.1.
func New(b Behavior) *Server {
	return NewOn(nil, b)
}

// NewOn starts a server on l (nil: a free port on 127.0.0.1), for a
// stand-in server process that must listen where it is told.
func NewOn(l net.Listener, b Behavior) *Server {
	s := &Server{B: b, flushed: map[int][]float64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models", s.models)
	mux.HandleFunc("/v1/completions", s.completions)
	mux.HandleFunc("/version", s.version)
	s.Server = httptest.NewUnstartedServer(mux)
	if l != nil {
		s.Server.Listener.Close()
		s.Server.Listener = l
	}
	s.Server.Start()
	return s
}

// Flushed returns the flush times of request id's choice chunks.
func (s *Server) Flushed(id int) []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float64(nil), s.flushed[id]...)
}

// Bodies returns the request bodies received so far.
func (s *Server) Bodies() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.bodies...)
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	if s.B.Version == "" {
		http.NotFound(w, r)
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"version": s.B.Version})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if len(s.B.Models) == 0 {
		http.NotFound(w, r)
		return
	}
	var data []map[string]any
	for _, m := range s.B.Models {
		data = append(data, map[string]any{"id": m, "object": "model", "max_model_len": 4096})
	}
	json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data})
}

// sarathiFields are the completions fields Sarathi-Serve accepts
// (serving-semantics.md §3.2); anything else is a 400.
var sarathiFields = map[string]bool{"model": true, "prompt": true, "max_tokens": true, "temperature": true, "top_p": true,
	"top_k": true, "stop": true, "ignore_eos": true, "stream": true, "stream_options": true, "echo": true, "suffix": true, "user": true}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	b := s.B
	if b.Instant {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"text\":\"a\",\"finish_reason\":\"length\"}],\"usage\":null}\n\n"+
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\ndata: [DONE]\n\n")
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	id, prompt, err := s.parse(body)
	if err != nil {
		http.Error(w, fmt.Sprintf(`{"error":{"message":%q}}`, err.Error()), http.StatusBadRequest)
		return
	}
	if b.Only != nil && !b.Only[id] {
		b.Status, b.CutAfter, b.Stall, b.MidError, b.Malformed = 0, 0, false, false, false
	}
	if f, ok := b.Faults[id]; ok {
		b.Status, b.CutAfter, b.Stall, b.MidError, b.Malformed = f.Status, f.CutAfter, f.Stall, f.MidError, f.Malformed
	}
	if b.Status != 0 {
		http.Error(w, `{"error":{"message":"boom"}}`, b.Status)
		return
	}
	n := int(body["max_tokens"].(float64))
	so, _ := body["stream_options"].(map[string]any)
	usage := !b.NoUsage && so["include_usage"] == true
	cont := b.Profile == "vllm" && so["continuous_usage_stats"] == true

	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	send := func(s string) { fmt.Fprintf(w, "data: %s\n\n", s); fl.Flush() }
	fmt.Fprint(w, ": keep-alive\n\n")
	chunks := 0
	// emit sends one choice chunk after a step; false: stop the stream.
	emit := func(c string) bool {
		time.Sleep(b.Step)
		if s.Clock != nil {
			// Stamped just before the write: the client cannot see the
			// chunk earlier.
			t := s.Clock()
			s.mu.Lock()
			s.flushed[id] = append(s.flushed[id], t)
			s.mu.Unlock()
		}
		if b.Malformed && chunks == 1 {
			c = c[:len(c)/2] // a chunk cut off mid-object, as a broken proxy might send
		}
		send(c)
		chunks++
		switch {
		case b.Stall && chunks == 1:
			<-r.Context().Done()
			return false
		case b.MidError && chunks == 1:
			send(`{"error":{"message":"engine step failed","type":"InternalServerError","code":500}}`)
			send("[DONE]")
			return false
		}
		return !(b.CutAfter > 0 && chunks >= b.CutAfter)
	}
	// Sarathi omits "object" on completion chunks (serving-semantics.md §2.2).
	obj := `"object":"text_completion",`
	if b.Profile == "sarathi" {
		obj = ""
	}
	for i := 0; i < b.PrefillSteps; i++ {
		if !emit(fmt.Sprintf(`{"id":"cmpl-%d",%s"choices":[{"index":0,"text":"","finish_reason":null}]}`, id, obj)) {
			return
		}
	}
	per := max(b.PerChunk, 1)
	for done := 0; done < n; {
		k := min(per, n-done)
		done += k
		fin := "null"
		if done == n {
			fin = `"length"`
		}
		c := fmt.Sprintf(`{"id":"cmpl-%d",%s"choices":[{"index":0,"text":"%s","finish_reason":%s}]`, id, obj, strings.Repeat(" a", k), fin)
		switch {
		case cont:
			c += fmt.Sprintf(`,"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, prompt, done, prompt+done)
		case usage:
			c += `,"usage":null`
		}
		if !emit(c + "}") {
			return
		}
	}
	if usage {
		send(fmt.Sprintf(`{"id":"cmpl-%d",%s"choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, id, obj, prompt, n, prompt+n))
	}
	send("[DONE]")
}

// parse checks the body as the profile's server would and returns the
// request id (the test workloads put it first in the prompt: "r<id> ..."
// or token id <id>) and the prompt length the server reports.
func (s *Server) parse(body map[string]any) (id, promptTokens int, err error) {
	if body["stream"] != true {
		return 0, 0, fmt.Errorf("stream must be true")
	}
	if _, ok := body["max_tokens"].(float64); !ok {
		return 0, 0, fmt.Errorf("max_tokens missing")
	}
	if s.B.Profile == "sarathi" {
		for k := range body {
			if !sarathiFields[k] {
				return 0, 0, fmt.Errorf("extra fields not permitted: %s", k)
			}
		}
		if so, ok := body["stream_options"].(map[string]any); ok {
			for k := range so {
				if k != "include_usage" {
					return 0, 0, fmt.Errorf("stream_options: extra fields not permitted: %s", k)
				}
			}
		}
	}
	switch p := body["prompt"].(type) {
	case string:
		f := strings.Fields(p)
		if len(f) == 0 || !strings.HasPrefix(f[0], "r") {
			return 0, 0, fmt.Errorf("prompt %q does not start with r<id>", p)
		}
		id, err = strconv.Atoi(f[0][1:])
		promptTokens = len(f)
		if s.B.Profile == "sarathi" {
			promptTokens++ // Sarathi's tokenizer adds BOS
		}
		return id, promptTokens, err
	case []any:
		if s.B.Profile == "sarathi" {
			return 0, 0, fmt.Errorf("token id prompts are not supported")
		}
		if len(p) == 0 {
			return 0, 0, fmt.Errorf("empty prompt")
		}
		v, _ := p[0].(float64)
		return int(v), len(p), nil
	}
	return 0, 0, fmt.Errorf("prompt must be a string or a list of token ids")
}
