{{/*
Labels of every object. The selector uses app.kubernetes.io/name only, as deploy/hub does, so a
Deployment made by `kubectl apply -k deploy/hub` can be taken over (a selector cannot change).
*/}}
{{- define "work-hub.labels" -}}
app.kubernetes.io/name: work-hub
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "work-hub.selectorLabels" -}}
app.kubernetes.io/name: work-hub
{{- end }}

{{/* Leader election is on when asked for, and always with more than one replica. */}}
{{- define "work-hub.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "work-hub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
