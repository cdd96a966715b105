package controller

// This file owns how a sync reports its changes: events and metrics for what was made, and the
// summaries that conditions and status.pending show.

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/metrics"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/roster"
)

// reportConfirmed reports the changes whose outcome the provider did not give once a read
// shows them made, so that events and metrics count them too.
func (s *groupSync) reportConfirmed(changes []sent) {
	byOp := map[roster.Op][]roster.Phone{}
	for _, c := range changes {
		if !c.accepted {
			byOp[c.Op] = append(byOp[c.Op], c.Member)
		}
	}
	for _, st := range s.steps() {
		slices.Sort(byOp[st.op])
		s.reportApplied(st, byOp[st.op], " (the provider gave no outcome; a read confirms it)")
	}
}

// step is one kind of change with the words that report it.
type step struct {
	op          roster.Op
	event, verb string
}

// steps are the kinds of change in the order a sync applies them.
func (s *groupSync) steps() []step {
	return []step{
		{roster.OpAdd, whatsappv1.EventMemberAdded, "added"},
		{roster.OpPromote, whatsappv1.EventAdminPromoted, "promoted"},
		{roster.OpDemote, whatsappv1.EventAdminDemoted, "demoted"},
		{roster.OpRemove, whatsappv1.EventMemberRemoved, "removed"},
	}
}

// reportApplied counts changes made and emits their event; note, if any, follows the count.
func (s *groupSync) reportApplied(st step, members []roster.Phone, note string) {
	if len(members) == 0 {
		return
	}
	metrics.ChangesApplied.WithLabelValues(metrics.KindLabel(st.op)).Add(float64(len(members)))
	s.event(corev1.EventTypeNormal, st.event, "%s %d%s: %s", st.verb, len(members), note, listNumbers(members, 20))
}

// protectedSummary says why participants were left alone, most common reason first.
func protectedSummary(ps []plan.Protected) string {
	words := map[plan.ProtectReason]string{
		plan.ProtectCreator:     "the group's creator",
		plan.ProtectSelf:        "the provider's own account",
		plan.ProtectUnresolved:  "identities not resolved to a number",
		plan.ProtectUnknownSelf: "admins, because the provider does not say which participant is its own account",
	}
	count := map[plan.ProtectReason]int{}
	for _, p := range ps {
		count[p.Reason]++
	}
	var parts []string
	for _, r := range []plan.ProtectReason{plan.ProtectCreator, plan.ProtectSelf, plan.ProtectUnresolved, plan.ProtectUnknownSelf} {
		if count[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", count[r], words[r]))
		}
	}
	return strings.Join(parts, "; ")
}

func pending(p plan.Plan) *whatsappv1.PendingChanges {
	e := func(ps []roster.Phone) []string {
		if len(ps) == 0 {
			return nil
		}
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.E164()
		}
		return out
	}
	return &whatsappv1.PendingChanges{Add: e(p.Add), Promote: e(p.Promote), Demote: e(p.Demote), Remove: e(p.Remove)}
}

func summary(p plan.Plan) string {
	return fmt.Sprintf("%d adds, %d promotions, %d demotions, %d removals", len(p.Add), len(p.Promote), len(p.Demote), len(p.Remove))
}

func listNumbers(ps []roster.Phone, most int) string {
	var b strings.Builder
	for i, p := range ps {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(ps)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.E164())
	}
	return b.String()
}
