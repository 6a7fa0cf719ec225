namespace Pwmk.Observability.Deploy;

/// <summary>
/// deploy/alertmanager/alertmanager.yml (Alertmanager 0.25): routes grouped by alertname and a critical route; every
/// receiver posts to PWMK's own webhook (<c>POST /alerts/webhook</c>, which records the alerts for the UI and
/// <c>GET /api/alerts</c>) with PWMK's API key as bearer token, the default receiver also to Slack and the critical one
/// also by e-mail, as in the monitoring specification. Secrets come from files (<see cref="DefaultSecrets"/>: the compose
/// file mounts them from the environment variables <c>PWMK_API_KEY</c>, <c>SLACK_WEBHOOK_URL</c> and <c>SMTP_PASSWORD</c>).
/// A critical alert silences the warning of the same name.
/// </summary>
public static class AlertmanagerConfig
{
    /// <summary>Where the secret files are (Docker's secrets folder).</summary>
    public const string DefaultSecrets = "/run/secrets";

    /// <summary>The configuration.</summary>
    /// <param name="webhookUrl">PWMK's webhook route.</param>
    /// <param name="smtpSmarthost">The mail relay of the e-mail receiver.</param>
    /// <param name="secrets">Folder of the files <c>pwmk_api_key</c>, <c>slack_webhook_url</c> and <c>smtp_password</c>.</param>
    /// <param name="groupWait">How long a new group waits for more alerts (the critical route waits half of it).</param>
    /// <param name="groupInterval">How long before a group's changes (new or resolved alerts) are sent.</param>
    public static string Generate(string webhookUrl = "http://pwmk:8080/alerts/webhook", string smtpSmarthost = "smtp.example.org:587",
        string secrets = DefaultSecrets, string groupWait = "10s", string groupInterval = "10s") => DeployFiles.Header("#") + $$$"""
        global:
          resolve_timeout: 5m
          smtp_smarthost: '{{{smtpSmarthost}}}'
          smtp_from: 'alerts@pwmk.example.org'
          smtp_auth_username: 'alerts@pwmk.example.org'
          smtp_auth_password_file: '{{{secrets}}}/smtp_password'
          smtp_require_tls: true

        route:
          receiver: web.hook
          group_by: ['alertname']
          group_wait: {{{groupWait}}}
          group_interval: {{{groupInterval}}}
          repeat_interval: 1h
          routes:
            - receiver: critical
              matchers:
                - severity="critical"
              group_wait: {{{Half(groupWait)}}}

        receivers:
          - name: web.hook
            webhook_configs:
              - url: '{{{webhookUrl}}}'
                send_resolved: true
                http_config:
                  authorization:
                    type: Bearer
                    credentials_file: '{{{secrets}}}/pwmk_api_key'
            slack_configs:
              - api_url_file: '{{{secrets}}}/slack_webhook_url'
                channel: '#pwmk-alerts'
                title: 'PWMK Alert'
                text: '{{ range .Alerts }}{{ .Annotations.summary }} ({{ .Annotations.runbook_url }}){{ end }}'
                send_resolved: true
          - name: critical
            webhook_configs:
              - url: '{{{webhookUrl}}}'
                send_resolved: true
                http_config:
                  authorization:
                    type: Bearer
                    credentials_file: '{{{secrets}}}/pwmk_api_key'
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

    private static string Half(string duration) => duration == "10s" ? "5s" : AlertRules.Scale(duration, 2);
}
