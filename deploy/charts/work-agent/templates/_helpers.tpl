{{/*
Labels of every object: join's app.kubernetes.io/name and cluster label, and Helm's. The selector
uses app.kubernetes.io/name only, as join does, so a Deployment made by `work-hub join` can be
taken over (a selector cannot change).
*/}}
{{- define "work-agent.labels" -}}
app.kubernetes.io/name: work-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.clusterName }}
work.multicluster.x-k8s.io/cluster: {{ . }}
{{- end }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "work-agent.selectorLabels" -}}
app.kubernetes.io/name: work-agent
{{- end }}

{{/* Leader election is on when asked for, and always with more than one replica. */}}
{{- define "work-agent.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "work-agent.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The hub namespace of this cluster's Works: hubNamespace, else clusterName, else none (the agent decides). */}}
{{- define "work-agent.hubNamespace" -}}
{{- default .Values.clusterName .Values.hubNamespace }}
{{- end }}

{{/* Fails rendering on a value the schema also refuses (for --skip-schema-validation). */}}
{{- define "work-agent.validate" -}}
{{- $modes := list "default" "cluster-admin" "none" }}
{{- if not (has .Values.executor.rbac $modes) }}
{{- fail (printf "executor.rbac must be one of default, cluster-admin, none (as work-hub join --executor-rbac), got %q" (toString .Values.executor.rbac)) }}
{{- end }}
{{- $h := .Values.hubKubeconfig }}
{{- if and $h.kubeconfig (or $h.server $h.token $h.caData) }}
{{- fail "hubKubeconfig: give either kubeconfig or server and token, not both" }}
{{- end }}
{{- if and (or $h.server $h.token $h.caData) (not (and $h.server $h.token)) }}
{{- fail "hubKubeconfig: server and token go together (caData is optional)" }}
{{- end }}
{{- end }}
