{{/*
One operator Deployment: the main one, or a shard's. The context is a dict: root (the chart's
context), name, component (the app.kubernetes.io/component label, which tells the Deployments'
pods apart), leaderID (each needs its own Lease) and args (more flags, such as the shard's
--watch-label-selector).
*/}}
{{- define "wagov.deployment" -}}
{{- $r := .root }}
{{- $selector := include "wagov.selectorLabels" $r | replace "controller-manager" .component }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .name }}
  namespace: {{ $r.Release.Namespace }}
  labels:
    {{- include "wagov.labels" $r | replace "controller-manager" .component | nindent 4 }}
spec:
  replicas: {{ $r.Values.replicaCount }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "wagov.labels" $r | replace "controller-manager" .component | nindent 8 }}
        {{- with $r.Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $r.Values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "wagov.serviceAccountName" $r }}
      terminationGracePeriodSeconds: 10
      {{- with $r.Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with $r.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $r.Values.podSecurityContext | nindent 8 }}
      containers:
      - name: manager
        image: "{{ $r.Values.image.repository }}:{{ $r.Values.image.tag | default $r.Chart.AppVersion }}"
        imagePullPolicy: {{ $r.Values.image.pullPolicy }}
        args:
        {{- if $r.Values.leaderElect }}
        - --leader-elect
        - --leader-election-namespace={{ $r.Release.Namespace }}
        - --leader-election-id={{ .leaderID }}
        {{- end }}
        - --metrics-bind-address={{ if $r.Values.metrics.enabled }}:{{ $r.Values.metrics.port }}{{ else }}0{{ end }}
        {{- if and $r.Values.metrics.enabled $r.Values.metrics.secure }}
        - --metrics-secure
        {{- end }}
        - --health-probe-bind-address=:{{ $r.Values.healthProbePort }}
        - --group-concurrency={{ $r.Values.controller.groupConcurrency }}
        - --confirm-after={{ $r.Values.controller.confirmAfter }}
        - --provider-recheck={{ $r.Values.controller.providerRecheck }}
        - --max-token-wait={{ $r.Values.controller.maxTokenWait }}
        - --cluster-resource-namespace={{ include "wagov.clusterResourceNamespace" $r }}
        {{- with $r.Values.watchNamespaces }}
        - --watch-namespaces={{ join "," . }}
        {{- end }}
        {{- range .args }}
        - {{ . }}
        {{- end }}
        - --zap-log-level={{ $r.Values.logging.level }}
        - --zap-encoder={{ $r.Values.logging.encoder }}
        {{- with $r.Values.extraArgs }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $r.Values.extraEnv }}
        env:
        {{- toYaml . | nindent 8 }}
        {{- end }}
        ports:
        {{- if $r.Values.metrics.enabled }}
        - name: metrics
          containerPort: {{ $r.Values.metrics.port }}
          protocol: TCP
        {{- end }}
        - name: health
          containerPort: {{ $r.Values.healthProbePort }}
          protocol: TCP
        livenessProbe:
          httpGet:
            path: /healthz
            port: health
          initialDelaySeconds: 15
          periodSeconds: 20
        readinessProbe:
          httpGet:
            path: /readyz
            port: health
          initialDelaySeconds: 5
          periodSeconds: 10
        securityContext:
          {{- toYaml $r.Values.securityContext | nindent 10 }}
        resources:
          {{- toYaml $r.Values.resources | nindent 10 }}
        {{- with $r.Values.extraVolumeMounts }}
        volumeMounts:
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $r.Values.extraVolumes }}
      volumes:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $r.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $r.Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $r.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $r.Values.topologySpreadConstraints }}
      {{- $constraints := list }}
      {{- range . }}
      {{- $constraint := deepCopy . }}
      {{- if not (hasKey $constraint "labelSelector") }}
      {{- $_ := set $constraint "labelSelector" (dict "matchLabels" ($selector | fromYaml)) }}
      {{- end }}
      {{- $constraints = append $constraints $constraint }}
      {{- end }}
      topologySpreadConstraints:
        {{- toYaml $constraints | nindent 8 }}
      {{- end }}
{{- end }}
