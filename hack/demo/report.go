package main

// This file owns what the demo shows and checks (steps 4 and 6): each group's roster as the simulator holds
// it, the roster the spec calls for (worked out here from design.md §2, independently of
// internal/plan, so that the demo checks the operator instead of restating it), the
// per-group diff, and the provider calls from the simulator's call log against the plan's
// ceil(k/cap) write calls per kind of change, cap being the provider type's batch cap
// (providers.go).

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
)

// Roles as the simulator reports them.
const (
	roleMember     = "member"
	roleAdmin      = "admin"
	roleSuperAdmin = "superadmin"
)

// writeOps are the kinds of change, in the order the operator applies them, with the verb
// the diff uses for each.
var writeOps = []struct{ op, verb string }{
	{sim.OpAdd, "added"}, {sim.OpPromote, "promoted"}, {sim.OpDemote, "demoted"}, {sim.OpRemove, "removed"},
}

// roster is a group's participants: numbers in the order they joined, and each one's role.
type roster struct {
	order []string
	role  map[string]string
}

func (r *roster) put(number, role string) {
	if r.role == nil {
		r.role = map[string]string{}
	}
	if _, ok := r.role[number]; !ok {
		r.order = append(r.order, number)
	}
	r.role[number] = role
}

// readRosters reads each group's true roster from the simulator's control API.
func readRosters(ctx context.Context, ctl sim.Control, groups []whatsappv1.WhatsAppGroup) ([]roster, error) {
	out := make([]roster, len(groups))
	for i, g := range groups {
		st, err := ctl.Group(ctx, g.Spec.GroupID)
		if err != nil {
			return nil, fmt.Errorf("read %s from the simulator: %w", g.Name, err)
		}
		for _, m := range st.Participants {
			out[i].put(m.Phone, m.Role)
		}
	}
	return out, nil
}

// printRosters prints each group's participants with their roles, three to a line.
func printRosters(groups []whatsappv1.WhatsAppGroup, rosters []roster) {
	for i, g := range groups {
		r := rosters[i]
		fmt.Printf("  %s on %s (%s): %d participants, %d admins\n", g.Name, g.Spec.ProviderRef.Name, g.Spec.GroupID, len(r.order), r.admins())
		for row := range slices.Chunk(r.order, 3) {
			var line strings.Builder
			for _, n := range row {
				fmt.Fprintf(&line, "%-14s %-10s   ", n, r.role[n])
			}
			fmt.Printf("    %s\n", strings.TrimRight(line.String(), " "))
		}
	}
}

func (r roster) admins() int {
	n := 0
	for _, role := range r.role {
		if role != roleMember {
			n++
		}
	}
	return n
}

// expectedAfter is the roster the spec calls for, starting from before, and who is left
// alone although the policies would change them: declared members (members ∪ admins) are
// added; whitelisted admins are promoted; other admins are demoted under Enforce; undeclared
// participants are removed under Sync. Never demoted or removed: the creator (superadmin) and
// the provider's own number (self), which every type names.
func expectedAfter(before roster, spec whatsappv1.WhatsAppGroupSpec, self string) (roster, []string) {
	admins := setOf(spec.Admins)
	declared := setOf(slices.Concat(spec.Members, spec.Admins))
	var after roster
	var alone []string
	for _, n := range before.order {
		role := before.role[n]
		remove := spec.MembershipPolicy == whatsappv1.MembershipSync && !declared[n]
		demote := role != roleMember && !admins[n] && spec.AdminPolicy != whatsappv1.AdminPromoteOnly
		switch {
		case (remove || demote) && role == roleSuperAdmin:
			alone = append(alone, n+" (creator)")
		case (remove || demote) && n == self:
			alone = append(alone, n+" (provider's number)")
		case remove:
			continue
		case demote:
			role = roleMember
		case admins[n] && role == roleMember:
			role = roleAdmin
		}
		after.put(n, role)
	}
	for _, n := range slices.Concat(spec.Members, spec.Admins) {
		if _, present := after.role[n]; present {
			continue
		}
		role := roleMember
		if admins[n] {
			role = roleAdmin
		}
		after.put(n, role)
	}
	return after, alone
}

func setOf(ns []string) map[string]bool {
	m := make(map[string]bool, len(ns))
	for _, n := range ns {
		m[n] = true
	}
	return m
}

// changes are the numbers changed from one roster to another, by write operation. A newcomer
// who ends up an admin is both added and promoted, as WhatsApp adds everyone as a member.
type changes map[string][]string

func diff(before, after roster) changes {
	c := changes{}
	for _, n := range after.order {
		was, present := before.role[n]
		now := after.role[n]
		if !present {
			c[sim.OpAdd] = append(c[sim.OpAdd], n)
		}
		switch {
		case now != roleMember && (!present || was == roleMember):
			c[sim.OpPromote] = append(c[sim.OpPromote], n)
		case present && now == roleMember && was != roleMember:
			c[sim.OpDemote] = append(c[sim.OpDemote], n)
		}
	}
	for _, n := range before.order {
		if _, present := after.role[n]; !present {
			c[sim.OpRemove] = append(c[sim.OpRemove], n)
		}
	}
	return c
}

// printDiff prints one line per group: what was added, promoted, demoted and removed, and
// who was left alone although the policies would otherwise have changed them.
func printDiff(name string, c changes, leftAlone []string) {
	var parts []string
	for _, w := range writeOps {
		ns := c[w.op]
		part := fmt.Sprintf("%s %d", w.verb, len(ns))
		if len(ns) > 0 {
			part += " (" + strings.Join(ns, ", ") + ")"
		}
		parts = append(parts, part)
	}
	if len(leftAlone) > 0 {
		parts = append(parts, "left alone: "+strings.Join(leftAlone, ", "))
	}
	fmt.Printf("  %s: %s\n", name, strings.Join(parts, "; "))
}

// callLog is the simulator's call log split by group id, then by op; calls that name no declared
// group are under their provider type instead.
type callLog struct {
	byGroup   map[string]map[string][]sim.Call
	ungrouped map[string]map[string][]sim.Call
}

func splitCalls(calls []sim.Call, groups []whatsappv1.WhatsAppGroup) callLog {
	ids := map[string]bool{}
	for _, g := range groups {
		ids[g.Spec.GroupID] = true
	}
	log := callLog{byGroup: map[string]map[string][]sim.Call{}, ungrouped: map[string]map[string][]sim.Call{}}
	add := func(m map[string]map[string][]sim.Call, key string, c sim.Call) {
		if m[key] == nil {
			m[key] = map[string][]sim.Call{}
		}
		m[key][c.Op] = append(m[key][c.Op], c)
	}
	for _, c := range calls {
		if ids[c.Group] {
			add(log.byGroup, c.Group, c)
		} else {
			add(log.ungrouped, c.Provider, c)
		}
	}
	return log
}

// check prints the rosters after, the diffs and the calls, and fails on any mismatch.
func (d *demo) check(ctx context.Context, before []roster) error {
	after, err := readRosters(ctx, d.ctl, d.groups)
	if err != nil {
		return err
	}
	applied, err := fetchGroups(ctx, d.cp.client, d.groups)
	if err != nil {
		return err
	}
	calls, err := d.ctl.Calls(ctx)
	if err != nil {
		return err
	}
	log := splitCalls(calls, applied)
	results := make([]groupResult, len(applied))
	for i, g := range applied {
		f := d.facts[g.Spec.ProviderRef.Name]
		want, alone := expectedAfter(before[i], g.Spec, f.self)
		results[i] = groupResult{
			group: g, facts: f, before: before[i], after: after[i], want: want, leftAlone: alone,
			changes: diff(before[i], after[i]), wantC: diff(before[i], want),
			calls: log.byGroup[g.Spec.GroupID],
		}
	}
	printRosters(applied, after)
	fmt.Println("\n  What changed (before → after):")
	for _, r := range results {
		printDiff(r.group.Name, r.changes, r.leftAlone)
	}
	fmt.Println("\n  Provider calls (wagov-sim's call log) next to the plan: ceil(k/cap) write calls for k changes,")
	fmt.Println("  cap being the type's batch cap from the provider registry. Rows with nothing planned or sent are left out.")
	printCalls(results, log.ungrouped)

	var problems []string
	for _, r := range results {
		problems = append(problems, r.problems()...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d checks failed:\n  - %s", len(problems), strings.Join(problems, "\n  - "))
	}
	return nil
}

// groupResult is one group's outcome, as the demo checks it.
type groupResult struct {
	group          whatsappv1.WhatsAppGroup
	facts          providerFacts
	before, after  roster
	want           roster
	leftAlone      []string
	changes, wantC changes
	calls          map[string][]sim.Call
}

// planned is how many write calls the plan takes for the group's changes of one kind.
func (r groupResult) planned(op string) int {
	batch := r.facts.maxBatch
	if n, ok := r.facts.opBatch[op]; ok {
		batch = n
	}
	return plannedCalls(len(r.wantC[op]), batch)
}

// problems lists every way the group's roster or write calls differ from what its spec and
// its provider's batch cap require. Reads are only required to exist: how many a sync takes
// depends on the type and on when the confirming read runs.
func (r groupResult) problems() []string {
	var out []string
	name := r.group.Name
	if !maps.Equal(r.after.role, r.want.role) {
		out = append(out, fmt.Sprintf("%s: the roster does not match the spec: %s", name, mismatches(r.want, r.after)))
	}
	if op := r.facts.mergedOp; op != "" {
		k, want := 0, 0
		for _, w := range writeOps {
			k += len(r.wantC[w.op])
			want += r.planned(w.op)
			if w.op != op && len(r.calls[w.op]) > 0 {
				out = append(out, fmt.Sprintf("%s: %d %s calls; %s logs every write as %s", name, len(r.calls[w.op]), w.op, r.facts.typ, op))
			}
		}
		if got := len(r.calls[op]); got != want {
			out = append(out, fmt.Sprintf("%s: %d write calls for %d changes; the plan takes %d", name, got, k, want))
		}
		if sent := participantsSent(r.calls[op]); sent != k {
			out = append(out, fmt.Sprintf("%s: write calls named %d participants; the plan has %d", name, sent, k))
		}
	} else {
		for _, w := range writeOps {
			k, calls := len(r.wantC[w.op]), r.calls[w.op]
			if got, want := len(calls), r.planned(w.op); got != want {
				out = append(out, fmt.Sprintf("%s: %d %s calls for %d changes; the plan takes %d", name, got, w.op, k, want))
			}
			if sent := participantsSent(calls); sent != k {
				out = append(out, fmt.Sprintf("%s: %s calls named %d participants; the plan has %d", name, w.op, sent, k))
			}
		}
	}
	if len(r.calls[sim.OpRead]) == 0 {
		out = append(out, fmt.Sprintf("%s: no read call", name))
	}
	return out
}

func participantsSent(calls []sim.Call) int {
	n := 0
	for _, c := range calls {
		n += named(c)
	}
	return n
}

// mismatches lists, by number, where got differs from want ("absent" for a missing number).
func mismatches(want, got roster) string {
	role := func(r roster, n string) string {
		if role, ok := r.role[n]; ok {
			return role
		}
		return "absent"
	}
	numbers := slices.Concat(want.order, got.order)
	slices.Sort(numbers)
	var parts []string
	for _, n := range slices.Compact(numbers) {
		if w, g := role(want, n), role(got, n); w != g {
			parts = append(parts, fmt.Sprintf("%s should be %s, is %s", n, w, g))
		}
	}
	return strings.Join(parts, "; ")
}

// printCalls prints, by provider type and group, each operation's changes, the calls the plan
// takes, the calls made, and the participants each call named (with the HTTP status when not
// 2xx); then, per type, the calls that named no group, and what is particular to the type.
func printCalls(results []groupResult, ungrouped map[string]map[string][]sim.Call) {
	var types []whatsappv1.ProviderType
	byType := map[whatsappv1.ProviderType][]groupResult{}
	for _, r := range results {
		if byType[r.facts.typ] == nil {
			types = append(types, r.facts.typ)
		}
		byType[r.facts.typ] = append(byType[r.facts.typ], r)
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  TYPE (CAP)\tGROUP\tCALL\tCHANGES\tPLANNED\tMADE\tPARTICIPANTS PER CALL")
	for _, t := range types {
		label := fmt.Sprintf("%s (%d)", t, byType[t][0].facts.maxBatch)
		row := func(group, op, k, planned string, made int, calls []sim.Call) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%d\t%s\n", label, group, op, k, planned, made, perCall(calls))
			label = "" // on the type's first row only
		}
		for _, r := range byType[t] {
			row(r.group.Name, sim.OpRead, "-", "-", len(r.calls[sim.OpRead]), nil)
			k, planned := 0, 0
			for _, w := range writeOps {
				k, planned = k+len(r.wantC[w.op]), planned+r.planned(w.op)
				if len(r.wantC[w.op]) == 0 && len(r.calls[w.op]) == 0 {
					continue
				}
				if r.facts.mergedOp != "" { // made: see the row below
					fmt.Fprintf(tw, "  \t\t%s\t%d\t%d\t\t\n", w.op, len(r.wantC[w.op]), r.planned(w.op))
					continue
				}
				row("", w.op, fmt.Sprint(len(r.wantC[w.op])), fmt.Sprint(r.planned(w.op)), len(r.calls[w.op]), r.calls[w.op])
			}
			if op := r.facts.mergedOp; op != "" {
				row("", "= writes", fmt.Sprint(k), fmt.Sprint(planned), len(r.calls[op]), r.calls[op])
			}
		}
		other, group := ungrouped[string(t)], "(no group)"
		for _, op := range slices.Sorted(maps.Keys(other)) {
			row(group, op, "-", "-", len(other[op]), nil)
			group = ""
		}
	}
	tw.Flush()
	for _, line := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
	fmt.Println("  By type, the calls that are not one group's plain read or write:")
	for _, t := range types {
		if note := typeNotes[t]; note != "" {
			fmt.Printf("    %-13s %s\n", t, note)
		}
	}
}

func perCall(calls []sim.Call) string {
	parts := make([]string, len(calls))
	for i, c := range calls {
		parts[i] = fmt.Sprint(named(c))
		if c.Status < 200 || c.Status > 299 {
			parts[i] += fmt.Sprintf(" (HTTP %d)", c.Status)
		}
	}
	return strings.Join(parts, ", ")
}
