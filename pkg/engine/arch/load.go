package arch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Load reads and validates a Hugging Face config.json. Errors name the file.
func Load(path string) (Arch, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Arch{}, err
	}
	a, err := Parse(data)
	if err != nil {
		return Arch{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Parse decodes and validates config.json bytes. Unknown fields are allowed:
// HF configs carry many the engine does not need.
func Parse(data []byte) (Arch, error) {
	var raw struct {
		Arch
		EOS json.RawMessage `json:"eos_token_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return Arch{}, fmt.Errorf("config.json: %w", err)
	}
	a := raw.Arch
	// eos_token_id is an int or a list of ints; keep the first.
	if len(raw.EOS) > 0 {
		var one int
		var many []int
		if json.Unmarshal(raw.EOS, &one) == nil {
			a.EOSTokenID = one
		} else if json.Unmarshal(raw.EOS, &many) == nil && len(many) > 0 {
			a.EOSTokenID = many[0]
		}
	}
	if err := a.Validate(); err != nil {
		return Arch{}, fmt.Errorf("invalid config: %w", err)
	}
	return a, nil
}
