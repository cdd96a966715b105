-- Argo CD health check for wagov's kinds (group whatsapp.wagov.dev): WhatsAppGroup,
-- WhatsAppProvider and ClusterWhatsAppProvider. argocd-cm.yaml in this directory installs it.
--
-- It reads the conditions the operator sets (Ready, Reconciling, Stalled, in the kstatus
-- convention), so that Argo CD agrees with Flux and `helm --wait`, which read them through kstatus:
--   spec.suspend: true                                 Suspended
--   no status yet, or status.observedGeneration stale  Progressing
--   Stalled=True                                       Degraded (a person must act)
--   Reconciling=True                                   Progressing
--   Ready=True                                         Healthy
--   Ready=False, reason DryRun                         Suspended (the plan is shown, not applied)
--   Ready=False, a reason that needs a person          Degraded
--   Ready=False for any other reason, or no Ready      Progressing
-- It uses only Lua's base library: Argo CD opens no other for custom health checks.

-- Ready=False reasons that wait for a person rather than for time (api/v1alpha1/conditions.go).
local needsPerson = {
  -- WhatsAppGroup
  SafetyGuard = true, NotGroupAdmin = true, GroupNotFound = true, MemberFailures = true,
  ProviderNotFound = true, ProviderNotAllowed = true,
  -- WhatsAppProvider, ClusterWhatsAppProvider
  SecretNotFound = true, InvalidCredentials = true, InvalidSpec = true,
}

local function find(conditions, conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function describe(c)
  local reason = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

local function health(o)
  if o.spec ~= nil and o.spec.suspend == true then
    return "Suspended", "suspended: wagov makes no provider call until spec.suspend is false"
  end
  local status = o.status
  if status == nil or status.observedGeneration == nil then
    return "Progressing", "waiting for wagov to observe the object"
  end
  local generation = o.metadata.generation
  if generation ~= nil and status.observedGeneration ~= generation then
    return "Progressing", "waiting for wagov to observe generation " .. generation ..
      " (it has observed " .. status.observedGeneration .. ")"
  end
  local conditions = status.conditions or {}
  local stalled = find(conditions, "Stalled")
  if stalled ~= nil and stalled.status == "True" then
    return "Degraded", describe(stalled)
  end
  local reconciling = find(conditions, "Reconciling")
  if reconciling ~= nil and reconciling.status == "True" then
    return "Progressing", describe(reconciling)
  end
  local ready = find(conditions, "Ready")
  if ready == nil then
    return "Progressing", "waiting for the Ready condition"
  end
  if ready.status == "True" then
    return "Healthy", describe(ready)
  end
  if ready.reason == "DryRun" then
    return "Suspended", describe(ready)
  end
  if needsPerson[ready.reason] then
    return "Degraded", describe(ready)
  end
  return "Progressing", describe(ready)
end

local hs = {}
hs.status, hs.message = health(obj)
return hs
