{{/* Names and labels shared by every template. */}}

{{/* The chart name, or nameOverride. */}}
{{- define "wagov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every object's name: the release name, plus the chart name unless the release already contains it. */}}
{{- define "wagov.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Labels that select the operator's pods. */}}
{{- define "wagov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "wagov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller-manager
{{- end }}

{{/* Labels on every object. */}}
{{- define "wagov.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "wagov.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: wagov
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The ServiceAccount the operator runs as. */}}
{{- define "wagov.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "wagov.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The only namespace ClusterWhatsAppProviders read their Secrets from. */}}
{{- define "wagov.clusterResourceNamespace" -}}
{{- .Values.controller.clusterResourceNamespace | default .Release.Namespace }}
{{- end }}

{{/*
The operator's RBAC rules, as YAML under "rules". They are those of config/rbac/role.yaml, which
controller-gen generates from the +kubebuilder:rbac markers (hack/sync-chart.sh copies it to
files/), narrowed to the resources of one scope:
  all        every rule, as generated
  cluster    the cluster-scoped resources: clusterwhatsappproviders (and their status), namespaces
  namespaced every other resource: groups, providers, their status, Secrets, ConfigMaps, events
  secrets    Secrets only
Called with (dict "root" $ "scope" "cluster").
*/}}
{{- define "wagov.managerRules" -}}
{{- $generated := .root.Files.Get "files/manager-role.yaml" | fromYaml }}
{{- if not $generated.rules }}
{{- fail "files/manager-role.yaml has no rules: run `make manifests`" }}
{{- end }}
{{- $clusterScoped := list "clusterwhatsappproviders" "clusterwhatsappproviders/status" "namespaces" }}
{{- $scope := .scope }}
{{- $rules := list }}
{{- range $generated.rules }}
{{- $resources := list }}
{{- range .resources }}
{{- if or (eq $scope "all") (and (eq $scope "cluster") (has . $clusterScoped)) (and (eq $scope "namespaced") (not (has . $clusterScoped))) (and (eq $scope "secrets") (eq . "secrets")) }}
{{- $resources = append $resources . }}
{{- end }}
{{- end }}
{{- if $resources }}
{{- $rules = append $rules (set (omit . "resources") "resources" $resources) }}
{{- end }}
{{- end }}
{{- toYaml (dict "rules" $rules) }}
{{- end }}
