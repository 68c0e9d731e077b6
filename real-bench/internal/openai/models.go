package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ModelCard is one entry of GET /v1/models as the server sent it (id,
// max_model_len, ...), recorded in run_meta.json.
type ModelCard map[string]any

// ListModels asks the server which models it serves. card is model's
// entry, nil when it is not listed; served lists every id. An error
// means the server has no usable /v1/models (not every server does).
func ListModels(ctx context.Context, base, model string) (card ModelCard, served []string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/v1/models", nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("GET /v1/models: %s", describe(ctx, context.Background(), err, 10*time.Second))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET /v1/models: http %d", resp.StatusCode)
	}
	var list struct {
		Data []ModelCard `json:"data"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, nil, fmt.Errorf("GET /v1/models: %v", err)
	}
	for _, m := range list.Data {
		id, _ := m["id"].(string)
		served = append(served, id)
		if id == model {
			card = m
		}
	}
	return card, served, nil
}
