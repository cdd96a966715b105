// Package health judges wagov's objects the way GitOps tools do, for the tests: kstatus
// (sigs.k8s.io/cli-utils, which Flux and `helm --wait` use) is called directly, and ArgoCD
// runs an Argo CD Lua health check (config/argocd/health.lua) the way Argo CD runs one.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Argo CD's health status codes, as a Lua health check may return them.
const (
	Healthy     = "Healthy"
	Progressing = "Progressing"
	Degraded    = "Degraded"
	Suspended   = "Suspended"
	Missing     = "Missing"
	Unknown     = "Unknown"
)

// ArgoCD is an Argo CD resource health check: a Lua script that reads the global obj and
// returns a table with status and message.
type ArgoCD struct {
	script string
}

// LoadArgoCD reads a health check script.
func LoadArgoCD(path string) (*ArgoCD, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load Argo CD health check: %w", err)
	}
	return &ArgoCD{script: string(b)}, nil
}

// Result is what a health check returned.
type Result struct {
	Status  string
	Message string
}

// Evaluate runs the check on obj in a Lua state prepared as Argo CD prepares one for a custom
// check: no standard library but base, table and package (so no string, math or io), obj
// converted to Lua values as Argo CD converts it, and a one-second limit.
func (a *ArgoCD) Evaluate(obj *unstructured.Unstructured) (Result, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			return Result{}, fmt.Errorf("open Lua library %q: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj.Object))
	if err := l.DoString(a.script); err != nil {
		return Result{}, fmt.Errorf("run health check: %w", err)
	}
	hs, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return Result{}, fmt.Errorf("health check returned %s, want a table", l.Get(-1).Type())
	}
	r := Result{Status: luaString(hs.RawGetString("status")), Message: luaString(hs.RawGetString("message"))}
	switch r.Status {
	case Healthy, Progressing, Degraded, Suspended, Missing, Unknown:
		return r, nil
	}
	return Result{}, fmt.Errorf("health check returned status %q, which Argo CD does not know", r.Status)
}

// toLua converts a value of an unstructured object into Lua the way Argo CD does: maps become
// tables keyed by string, slices become arrays (from index 1), numbers become numbers (a
// json.Number becomes a string), and anything else becomes nil.
func toLua(l *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case []any:
		t := l.CreateTable(len(v), 0)
		for _, item := range v {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(v))
		for k, item := range v {
			t.RawSetString(k, toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

func luaString(v lua.LValue) string {
	if s, ok := v.(lua.LString); ok {
		return string(s)
	}
	return ""
}
