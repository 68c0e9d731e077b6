package artifacts

import (
	"errors"
	"io"
	"path/filepath"
)

// ProfileMetaFile sits at the root of a profiling bundle, beside data/.
const ProfileMetaFile = "profile_meta.json"

// ProfilePaths are the files of a profiling bundle in Vidur's layout
// (vidur-semantics.md §5): <root>/data/profiling/compute/<device>/<model_id>/...
type ProfilePaths struct {
	Root         string
	MLP          string
	Attention    string
	AllReduce    string // optional
	SendRecv     string // optional
	CPUOverheads string // optional
	IdleWakeup   string // optional, simcheck's own: idle_wakeup.csv beside cpu_overheads.csv
	StepJitter   string // optional, simcheck's own: step_jitter.csv beside cpu_overheads.csv
}

// NewProfilePaths lays out a bundle's paths. modelID may contain a slash
// (Vidur's "Qwen/Qwen-2-7B"), which nests a directory.
func NewProfilePaths(root, device, networkDevice, modelID string) ProfilePaths {
	p := filepath.Join(root, "data", "profiling")
	compute := filepath.Join(p, "compute", device, filepath.FromSlash(modelID))
	return ProfilePaths{
		Root:         root,
		MLP:          filepath.Join(compute, "mlp.csv"),
		Attention:    filepath.Join(compute, "attention.csv"),
		AllReduce:    filepath.Join(p, "network", networkDevice, "all_reduce.csv"),
		SendRecv:     filepath.Join(p, "network", networkDevice, "send_recv.csv"),
		CPUOverheads: filepath.Join(p, "cpu_overhead", networkDevice, filepath.FromSlash(modelID), "cpu_overheads.csv"),
		IdleWakeup:   filepath.Join(p, "cpu_overhead", networkDevice, filepath.FromSlash(modelID), IdleWakeupFile),
		StepJitter:   filepath.Join(p, "cpu_overhead", networkDevice, filepath.FromSlash(modelID), StepJitterFile),
	}
}

// ProfileMeta is profile_meta.json: how and where a bundle was measured.
type ProfileMeta struct {
	SchemaVersion int            `json:"schema_version"`
	DeviceName    string         `json:"device_name"` // the <device> directory
	Device        DeviceInfo     `json:"device"`
	Backend       string         `json:"backend"`
	ModelID       string         `json:"model_id"` // the <model_id> directory
	Model         RunModel       `json:"model"`
	Threads       int            `json:"threads"`
	Grid          map[string]any `json:"grid"`
	Warmup        int            `json:"warmup"`
	Repeats       int            `json:"repeats"`
	StartedAt     string         `json:"started_at"`
	WallTime      float64        `json:"wall_time"` // s
	Files         []string       `json:"files"`     // relative to the root
	ToolVersion   string         `json:"tool_version"`
}

// ReadProfileMeta reads profile_meta.json.
func ReadProfileMeta(path string) (*ProfileMeta, error) {
	var m ProfileMeta
	if err := readJSONFile(path, &m); err != nil {
		return nil, err
	}
	if err := checkSchemaVersion(path, m.SchemaVersion); err != nil {
		return nil, err
	}
	if m.DeviceName == "" || m.ModelID == "" {
		return nil, &FileError{Path: path, Err: errors.New("device_name and model_id must be set")}
	}
	return &m, nil
}

// WriteProfileMeta writes profile_meta.json.
func WriteProfileMeta(w io.Writer, m *ProfileMeta) error {
	m.SchemaVersion = SchemaVersion
	if m.ToolVersion == "" {
		m.ToolVersion = ToolVersion
	}
	return writeJSON(w, m)
}
