package main

// This file owns what the demo shows and checks (steps 4 and 6): each group's roster as the simulator holds
// it, the roster the spec calls for (worked out here from design.md §2, independently of
// internal/plan, so that the demo checks the operator instead of restating it), the
// per-group diff, and the provider calls from the simulator's call log against the plan's
// ceil(k/10) write calls per kind of change.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/sim"
	simtwochat "github.com/wagov/wagov/internal/sim/twochat"
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
		fmt.Printf("  %s (%s): %d participants, %d admins\n", g.Name, g.Spec.GroupID, len(r.order), r.admins())
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

// expectedAfter is the roster the spec calls for, starting from before: declared members
// (members ∪ admins) are added; whitelisted admins are promoted; other admins are demoted
// under Enforce; undeclared members are removed under Sync; the creator (superadmin) and the
// provider's own number (self) are never touched.
func expectedAfter(before roster, spec whatsappv1.WhatsAppGroupSpec, self string) roster {
	admins := setOf(spec.Admins)
	declared := slices.Concat(spec.Members, spec.Admins)
	var after roster
	for _, n := range before.order {
		role := before.role[n]
		switch {
		case role == roleSuperAdmin || n == self:
		case spec.MembershipPolicy == whatsappv1.MembershipSync && !slices.Contains(declared, n):
			continue
		case admins[n]:
			role = roleAdmin
		case role == roleAdmin && spec.AdminPolicy != whatsappv1.AdminPromoteOnly:
			role = roleMember
		}
		after.put(n, role)
	}
	for _, n := range declared {
		if _, present := after.role[n]; present {
			continue
		}
		role := roleMember
		if admins[n] {
			role = roleAdmin
		}
		after.put(n, role)
	}
	return after
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

// leftAlone names the participants no policy may touch: the creator and the provider's own
// number.
func leftAlone(before roster, self string) []string {
	var out []string
	for _, n := range before.order {
		switch {
		case before.role[n] == roleSuperAdmin:
			out = append(out, n+" (creator)")
		case n == self:
			out = append(out, n+" (provider's number)")
		}
	}
	return out
}

// callsByGroup splits the simulator's call log by group id, then by operation.
func callsByGroup(calls []sim.Call) map[string]map[string][]sim.Call {
	out := map[string]map[string][]sim.Call{}
	for _, c := range calls {
		if out[c.Group] == nil {
			out[c.Group] = map[string][]sim.Call{}
		}
		out[c.Group][c.Op] = append(out[c.Group][c.Op], c)
	}
	return out
}

// plannedCalls is how many write calls k changes of one kind take: ceil(k/10), 2Chat's cap
// on participants per call.
func plannedCalls(k int) int {
	return (k + simtwochat.MaxParticipants - 1) / simtwochat.MaxParticipants
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
	byGroup := callsByGroup(calls)
	results := make([]groupResult, len(applied))
	for i, g := range applied {
		want := expectedAfter(before[i], g.Spec, d.values.Account)
		results[i] = groupResult{
			group: g, before: before[i], after: after[i], want: want,
			changes: diff(before[i], after[i]), wantC: diff(before[i], want),
			calls: byGroup[g.Spec.GroupID],
		}
	}
	printRosters(applied, after)
	fmt.Println("\n  What changed (before → after):")
	for _, r := range results {
		printDiff(r.group.Name, r.changes, leftAlone(r.before, d.values.Account))
	}
	fmt.Println("\n  Provider calls per group (wagov-sim's call log) next to the plan: ceil(k/10) write calls for k changes")
	printCalls(results, len(byGroup[""][sim.OpAccount]))

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
	before, after  roster
	want           roster
	changes, wantC changes
	calls          map[string][]sim.Call
}

// problems lists every way the group's roster or calls differ from what its spec requires.
func (r groupResult) problems() []string {
	var out []string
	if !maps.Equal(r.after.role, r.want.role) {
		out = append(out, fmt.Sprintf("%s: the roster does not match the spec: %s", r.group.Name, mismatches(r.want, r.after)))
	}
	for _, w := range writeOps {
		k, calls := len(r.wantC[w.op]), r.calls[w.op]
		if got, want := len(calls), plannedCalls(k); got != want {
			out = append(out, fmt.Sprintf("%s: %d %s calls for %d changes; the plan takes %d", r.group.Name, got, w.op, k, want))
		}
		if sent := participantsSent(calls); sent != k {
			out = append(out, fmt.Sprintf("%s: %s calls named %d participants; the plan has %d", r.group.Name, w.op, sent, k))
		}
	}
	if len(r.calls[sim.OpRead]) == 0 {
		out = append(out, fmt.Sprintf("%s: no read call", r.group.Name))
	}
	return out
}

func participantsSent(calls []sim.Call) int {
	n := 0
	for _, c := range calls {
		n += c.Members
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

// printCalls prints, per group and operation, the changes, the calls the plan takes, the
// calls made, and the participants each call named (with the HTTP status when not 200).
func printCalls(results []groupResult, accountChecks int) {
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  GROUP\tCALL\tCHANGES\tPLANNED CALLS\tCALLS MADE\tPARTICIPANTS PER CALL")
	for _, r := range results {
		fmt.Fprintf(tw, "  %s\t%s\t-\t-\t%d\t\n", r.group.Name, sim.OpRead, len(r.calls[sim.OpRead]))
		for _, w := range writeOps {
			k := len(r.wantC[w.op])
			fmt.Fprintf(tw, "  \t%s\t%d\t%d\t%d\t%s\n", w.op, k, plannedCalls(k), len(r.calls[w.op]), perCall(r.calls[w.op]))
		}
	}
	tw.Flush()
	for _, line := range strings.Split(strings.TrimRight(table.String(), "\n"), "\n") {
		fmt.Println(strings.TrimRight(line, " "))
	}
	fmt.Printf("  plus %d account check call(s) (2Chat get-numbers) by the WhatsAppProvider controller\n", accountChecks)
}

func perCall(calls []sim.Call) string {
	parts := make([]string, len(calls))
	for i, c := range calls {
		parts[i] = fmt.Sprint(c.Members)
		if c.Status != 200 {
			parts[i] += fmt.Sprintf(" (HTTP %d)", c.Status)
		}
	}
	return strings.Join(parts, ", ")
}
