package cli

// This file owns how a group's plan is printed: one line per change, then what is held,
// awaited, left alone or blocked, and a summary line.

import (
	"fmt"
	"io"
	"strings"
	"time"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/roster"
)

// protectedWhy says why a participant is left alone.
var protectedWhy = map[plan.ProtectReason]string{
	plan.ProtectCreator:     "the group's creator: nobody can demote or remove them",
	plan.ProtectSelf:        "the provider's own account: it keeps its membership and admin rights",
	plan.ProtectUnresolved:  "known only by a hidden id, not resolved to a phone number: wagov never changes it",
	plan.ProtectUnknownSelf: "an admin, and the provider does not say which participant is its own account: wagov never demotes or removes admins here",
}

func writePlan(out io.Writer, r *groupPlan) {
	g, p := r.g, r.plan
	fmt.Fprintf(out, "%s %s/%s: group %s through %s\n", groupKind, g.Namespace, g.Name, g.Spec.GroupID, providerName(g))
	line := func(label, format string, args ...any) { io.WriteString(out, row(label, fmt.Sprintf(format, args...))) }
	line("from", "%s", r.source)
	for _, l := range []struct {
		word    string
		members []roster.Phone
	}{{"add", p.Add}, {"promote", p.Promote}, {"demote", p.Demote}, {"remove", p.Remove}} {
		for _, m := range l.members {
			line(l.word, "%s", m.E164())
		}
	}
	for _, c := range p.Held {
		line("held", "%s %s: %s", opWord(c.Op), c.Member.E164(), heldWhy(g, c))
	}
	for _, c := range p.Awaiting {
		line("awaiting", "%s %s: sent, waiting for the provider to show it", opWord(c.Op), c.Member.E164())
	}
	for _, pr := range p.Protected {
		line("protected", "%s: %s", pr.ID, protectedWhy[pr.Reason])
	}
	if r.blocked != nil {
		line("BLOCKED", "%s: %s; the operator sends none of these changes", r.blocked.Reason, r.blocked.Message)
	}
	for _, n := range r.invalid {
		line("INVALID", "%s", n)
	}
	if g.Spec.Suspend {
		line("note", "suspend is true: the operator makes no provider call for this group")
	}
	if g.Spec.DryRun {
		line("note", "dryRun is true: the operator only shows this plan in status.pending")
	}
	fmt.Fprintf(out, "  => %s\n\n", planSummary(r))
}

// row is one labelled line of a group's plan or status.
func row(label, text string) string { return fmt.Sprintf("  %-11s %s\n", label, text) }

func planSummary(r *groupPlan) string {
	p := r.plan
	if !r.changes() {
		return "no changes"
	}
	s := fmt.Sprintf("%d to add, %d to promote, %d to demote, %d to remove", len(p.Add), len(p.Promote), len(p.Demote), len(p.Remove))
	if len(p.Held) > 0 {
		s += fmt.Sprintf("; %d held", len(p.Held))
	}
	if len(p.Awaiting) > 0 {
		s += fmt.Sprintf("; %d awaited", len(p.Awaiting))
	}
	return s
}

func opWord(op roster.Op) string { return strings.ToLower(string(op)) }

// heldWhy is the failure in status that holds a change back, and what to do about it.
func heldWhy(g *whatsappv1.WhatsAppGroup, c roster.Change) string {
	for _, f := range g.Status.Failures {
		if f.Member != c.Member.E164() || f.Operation != string(c.Op) {
			continue
		}
		s := f.Reason
		if f.RetryAfter != nil {
			s += ", retried after " + f.RetryAfter.UTC().Format(time.RFC3339)
		}
		if f.Action != "" {
			s += "; " + f.Action
		}
		return s
	}
	return "its add is held back"
}
