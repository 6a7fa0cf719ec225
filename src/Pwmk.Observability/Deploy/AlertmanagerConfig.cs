namespace Pwmk.Observability.Deploy;

/// <summary>
/// deploy/alertmanager/alertmanager.yml (Alertmanager 0.25): routes grouped by alertname, a critical route, a
/// webhook receiver and an e-mail receiver whose password comes from a file, and the inhibit rule by which a
/// critical alert silences the warning of the same name.
/// </summary>
public static class AlertmanagerConfig
{
    /// <summary>The configuration; <paramref name="webhookUrl"/> is where alerts are posted.</summary>
    public static string Generate(string webhookUrl = "http://pwmk:8080/alerts/webhook", string smtpSmarthost = "smtp.example.org:587") => DeployFiles.Header("#") + $$$"""
        global:
          resolve_timeout: 5m
          smtp_smarthost: '{{{smtpSmarthost}}}'
          smtp_from: 'alerts@pwmk.example.org'
          smtp_auth_username: 'alerts@pwmk.example.org'
          smtp_auth_password_file: '/etc/alertmanager/secrets/smtp_password'
          smtp_require_tls: true

        route:
          receiver: web.hook
          group_by: ['alertname']
          group_wait: 10s
          group_interval: 10s
          repeat_interval: 1h
          routes:
            - receiver: critical
              matchers:
                - severity="critical"
              group_wait: 5s

        receivers:
          - name: web.hook
            webhook_configs:
              - url: '{{{webhookUrl}}}'
                send_resolved: true
          - name: critical
            webhook_configs:
              - url: '{{{webhookUrl}}}'
                send_resolved: true
            email_configs:
              - to: 'oncall@pwmk.example.org'
                send_resolved: true
                headers:
                  Subject: 'CRITICAL: {{ .GroupLabels.alertname }}'
                text: |
                  {{ range .Alerts }}
                  Alert: {{ .Annotations.summary }}
                  Description: {{ .Annotations.description }}
                  Runbook: {{ .Annotations.runbook_url }}
                  {{ end }}

        inhibit_rules:
          - source_matchers:
              - severity="critical"
            target_matchers:
              - severity="warning"
            equal: ['alertname']

        """;
}
