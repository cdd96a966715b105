package cli

// This file owns how a WhatsAppGroup is printed as a manifest (YAML with comments, or JSON)
// and how manifests are read back from files.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
)

const groupKind = "WhatsAppGroup"

// writeManifest prints g as output: "yaml", with the notes as comments, or "json", with the
// notes on ErrOut.
func writeManifest(e *Env, g *whatsappv1.WhatsAppGroup, notes []string, output string) error {
	obj, err := manifestObject(g)
	if err != nil {
		return err
	}
	if output == "json" {
		return writeJSON(e, obj, notes)
	}
	return writeYAML(e.Out, obj, notes)
}

func writeJSON(e *Env, obj map[string]any, notes []string) error {
	data, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Fprintln(e.ErrOut, n)
	}
	_, err = fmt.Fprintf(e.Out, "%s\n", data)
	return err
}

func writeYAML(out io.Writer, obj map[string]any, notes []string) error {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, n := range notes {
		b.WriteString("# " + n + "\n")
	}
	b.Write(data)
	_, err = io.WriteString(out, b.String())
	return err
}

// manifestObject is g as a user would write it: no status, no server-set metadata, no empty
// sections.
func manifestObject(g *whatsappv1.WhatsAppGroup) (map[string]any, error) {
	out := g.DeepCopy()
	out.APIVersion, out.Kind = whatsappv1.GroupVersion.String(), groupKind
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(out)
	if err != nil {
		return nil, err
	}
	delete(obj, "status")
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	if safety, _, _ := unstructured.NestedMap(obj, "spec", "safety"); len(safety) == 0 {
		unstructured.RemoveNestedField(obj, "spec", "safety")
	}
	return obj, nil
}

// readGroups reads the WhatsAppGroups in the YAML or JSON files (- is stdin; a directory
// stands for its .yaml, .yml and .json files), skipping other kinds; each document may be one
// object or a List.
func readGroups(files []string, stdin io.Reader) ([]*whatsappv1.WhatsAppGroup, error) {
	paths, err := expandDirs(files)
	if err != nil {
		return nil, err
	}
	var out []*whatsappv1.WhatsAppGroup
	for _, f := range paths {
		groups, err := readFile(f, stdin)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, groups...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s in %s", groupKind, strings.Join(files, ", "))
	}
	return out, nil
}

// expandDirs replaces each directory among files by its manifest files, in name order.
func expandDirs(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		if f == "-" {
			out = append(out, f)
			continue
		}
		info, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, f)
			continue
		}
		entries, err := os.ReadDir(f)
		if err != nil {
			return nil, err
		}
		for _, en := range entries {
			if ext := filepath.Ext(en.Name()); !en.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
				out = append(out, filepath.Join(f, en.Name()))
			}
		}
	}
	return out, nil
}

func readFile(path string, stdin io.Reader) ([]*whatsappv1.WhatsAppGroup, error) {
	if path == "-" {
		return decodeGroups(stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeGroups(f)
}

func decodeGroups(r io.Reader) ([]*whatsappv1.WhatsAppGroup, error) {
	docs := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var out []*whatsappv1.WhatsAppGroup
	for {
		doc, err := docs.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, err
		}
		items := []unstructured.Unstructured{u}
		if u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return nil, err
			}
			items = list.Items
		}
		for _, item := range items {
			if item.GroupVersionKind() != whatsappv1.GroupVersion.WithKind(groupKind) {
				continue
			}
			g := &whatsappv1.WhatsAppGroup{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, g); err != nil {
				return nil, fmt.Errorf("%s %s: %w", groupKind, item.GetName(), err)
			}
			out = append(out, g)
		}
	}
}
