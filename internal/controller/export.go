package controller

// This file exports, for tools outside the operator such as kubectl-wagov, the pieces of a sync
// that turn a group and a live read into what plan.Compute and plan.Guard are given, so that a
// tool plans exactly as a sync does.

import (
	"context"
	"errors"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	whatsappv1 "github.com/wagov/wagov/api/v1alpha1"
	"github.com/wagov/wagov/internal/plan"
	"github.com/wagov/wagov/internal/roster"
)

// DeclaredRoster resolves g's declared members and admins as a sync does: the inline lists
// merged with the numbers of membersFrom and adminsFrom, whose Secrets and ConfigMaps reader
// reads. A source that cannot be used is an error that names it.
func DeclaredRoster(ctx context.Context, reader client.Reader, g *whatsappv1.WhatsAppGroup) (members, admins []roster.Phone, err error) {
	s := &groupSync{r: &GroupReconciler{APIReader: reader}, g: g}
	res, err := resolveLists(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	if !res.IsZero() {
		return nil, nil, errors.New(s.out.message)
	}
	return s.members, s.admins, nil
}

// PlanInput is the plan input a sync of g at now computes from its declared roster (see
// DeclaredRoster) and the live read: the policies, the changes backing off in status.failures
// and those awaited in status.inFlight, and the live group with each rewritten number carrying
// its declared form. Guard the plan against the input's Live.
func PlanInput(g *whatsappv1.WhatsAppGroup, members, admins []roster.Phone, live roster.Group, now time.Time) plan.Input {
	s := &groupSync{g: g, now: now, members: members, admins: admins,
		live: live.Recognise(slices.Concat(members, admins), roster.Canonical)}
	return s.planInput()
}

// SafetyLimits are the guard limits of a group's safety settings, with their defaults.
func SafetyLimits(s whatsappv1.Safety) plan.Limits { return limits(s) }

// ProviderOf returns an empty object of the provider kind g references, and its key.
func ProviderOf(g *whatsappv1.WhatsAppGroup) (whatsappv1.ProviderObject, types.NamespacedName) {
	return providerObject(g)
}
