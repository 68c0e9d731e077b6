package main

import (
	"github.com/simcheck/simcheck/compare-runs/internal/align"
	"github.com/simcheck/simcheck/pkg/artifacts"
)

func loadRunForTest(dir string) ([]artifacts.RequestRecord, error) {
	r, err := align.Load(dir, true)
	if err != nil {
		return nil, err
	}
	return r.Requests, nil
}
