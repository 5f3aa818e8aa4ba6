package funcapp

import (
	"errors"
	"strings"
)

// AppError reports every problem found while loading a function app, so
// that a user can fix them all in one go instead of one per restart.
//
// Each problem is a complete sentence that names the file (and, for
// function.json problems, the function folder) it is about.
type AppError struct {
	Problems []string
}

// Error lists the problems one per line.
func (e *AppError) Error() string {
	if e == nil || len(e.Problems) == 0 {
		return "function app: no problems recorded"
	}
	return strings.Join(e.Problems, "\n")
}

// problems collects problem sentences while a loader walks its input.
type problems struct {
	list []string
}

func (p *problems) add(s string) { p.list = append(p.list, s) }

func (p *problems) merge(err error) {
	if err == nil {
		return
	}
	var ae *AppError
	if errors.As(err, &ae) {
		p.list = append(p.list, ae.Problems...)
		return
	}
	p.list = append(p.list, err.Error())
}

// err returns nil when nothing was collected and an *AppError otherwise.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &AppError{Problems: append([]string(nil), p.list...)}
}
