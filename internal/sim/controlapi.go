// controlapi.go serves the control API under /_sim/: replace the world, inspect groups as
// they truly are, read and reset the call log, inject and clear faults, set the read lag. It
// needs no credentials and its calls are not logged.

package sim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// Settings are the simulator's adjustable knobs, as PUT /_sim/settings takes and returns them.
type Settings struct {
	// ReadLag is how far reads trail writes.
	ReadLag *Duration `json:"readLag,omitempty"`
}

func (s *Sim) controlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("PUT /_sim/world", s.putWorld)
	mux.HandleFunc("GET /_sim/groups", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Groups())
	})
	mux.HandleFunc("GET /_sim/groups/{id}", func(w http.ResponseWriter, r *http.Request) {
		g, ok := s.Group(r.PathValue("id"))
		if !ok {
			controlError(w, http.StatusNotFound, ErrGroupNotFound)
			return
		}
		writeJSON(w, http.StatusOK, g)
	})
	mux.HandleFunc("GET /_sim/calls", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.Calls())
	})
	mux.HandleFunc("DELETE /_sim/calls", func(w http.ResponseWriter, _ *http.Request) {
		s.ResetCalls()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /_sim/faults", s.postFault)
	mux.HandleFunc("DELETE /_sim/faults", func(w http.ResponseWriter, _ *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /_sim/settings", s.putSettings)
	mux.HandleFunc("/_sim/", func(w http.ResponseWriter, _ *http.Request) {
		controlError(w, http.StatusNotFound, errors.New("no such control endpoint"))
	})
}

func (s *Sim) putWorld(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 16*maxBody))
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	seed, err := ParseSeed(data)
	if err == nil {
		err = s.Load(seed)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) postFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := decodeStrict(r, &f); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	if err := f.Validate(); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]int{"id": s.InjectFault(f)})
}

func (s *Sim) putSettings(w http.ResponseWriter, r *http.Request) {
	var st Settings
	if err := decodeStrict(r, &st); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	if st.ReadLag == nil || *st.ReadLag < 0 {
		controlError(w, http.StatusBadRequest, errors.New(`readLag is required and must not be negative, e.g. {"readLag":"2m"}`))
		return
	}
	s.SetReadLag(time.Duration(*st.ReadLag))
	lag := Duration(s.ReadLag())
	writeJSON(w, http.StatusOK, Settings{ReadLag: &lag})
}

func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func controlError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
