using System.Text.Json.Serialization;
using Pwmk.Server.Security;
using Pwmk.Server.Hosting;

namespace Pwmk.Server.Api;

/// <summary>One alert of an Alertmanager notification (webhook payload version 4).</summary>
public sealed record AlertmanagerAlert(string? Status, Dictionary<string, string>? Labels, Dictionary<string, string>? Annotations,
    DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string? GeneratorUrl, string? Fingerprint);

/// <summary>The body Alertmanager posts to a webhook receiver (payload version 4).</summary>
public sealed record AlertmanagerNotification(string? Version, string? GroupKey, string? Status, string? Receiver,
    Dictionary<string, string>? GroupLabels, Dictionary<string, string>? CommonLabels, Dictionary<string, string>? CommonAnnotations,
    [property: JsonPropertyName("externalURL")] string? ExternalUrl, List<AlertmanagerAlert>? Alerts);

/// <summary>One alert as PWMK received it: its name, state (firing or resolved), severity, what it says, and when.</summary>
public sealed record ReceivedAlert(string Name, string Status, string? Severity, string? Summary, string? Description, string? RunbookUrl,
    IReadOnlyDictionary<string, string> Labels, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, string Receiver, DateTimeOffset ReceivedAt);

/// <summary>
/// The alerts PWMK received from Alertmanager: <c>POST /alerts/webhook</c> (the receiver of deploy/alertmanager, guarded by
/// the API key like every change) and <c>GET /api/alerts</c> (newest first, with the ones firing now).
/// </summary>
internal static class AlertEndpoints
{
    /// <summary>The route Alertmanager posts to.</summary>
    public const string WebhookPath = "/alerts/webhook";

    public static void Map(WebApplication app)
    {
        app.MapPost(WebhookPath, Receive).AddEndpointFilter<ApiKeyFilter>().WithTags("alerts")
            .Accepts<AlertmanagerNotification>("application/json").Produces(204).ProducesProblem(400).ProducesProblem(401).ProducesProblem(403)
            .WithSummary("Alertmanager's webhook receiver: records the notification's alerts");
        app.MapGet("/api/alerts", (AlertInbox inbox) => TypedResults.Ok(inbox.Read())).WithTags("alerts").Produces<AlertList>()
            .WithSummary("Alerts received from Alertmanager: the ones firing now and the latest notifications, newest first");
    }

    private static async Task<IResult> Receive(HttpRequest request, AlertInbox inbox, ILoggerFactory logs)
    {
        var (body, error) = await JsonBody.ReadAsync<AlertmanagerNotification>(request).ConfigureAwait(false);
        if (error is not null) return error;
        if (body!.Version != "4")
            return JsonBody.BadRequest($"'version' must be \"4\" (Alertmanager's webhook payload), got {(body.Version is null ? "none" : "\"" + body.Version + "\"")}.");
        if (body.Alerts is null || body.Alerts.Count == 0) return JsonBody.BadRequest("'alerts' must list at least one alert.");
        for (int i = 0; i < body.Alerts.Count; i++)
        {
            var a = body.Alerts[i];
            if (a.Status is not ("firing" or "resolved"))
                return JsonBody.BadRequest($"alerts[{i}].status must be \"firing\" or \"resolved\", got {(a.Status is null ? "none" : "\"" + a.Status + "\"")}.");
            if (a.Labels is null || !a.Labels.TryGetValue("alertname", out var name) || string.IsNullOrEmpty(name))
                return JsonBody.BadRequest($"alerts[{i}].labels must name the alert ('alertname').");
        }
        var log = logs.CreateLogger("Pwmk.Alerts");
        foreach (var a in inbox.Add(body)) log.AlertReceived(a.Name, a.Status, a.Severity ?? "none", a.Summary ?? "", a.Receiver);
        return TypedResults.NoContent();
    }
}

/// <summary>Answer of <c>GET /api/alerts</c>: alerts firing now (by the latest word on each) and the latest received, newest first.</summary>
public sealed record AlertList(IReadOnlyList<ReceivedAlert> Firing, IReadOnlyList<ReceivedAlert> Received, long Total);

/// <summary>The received alerts, in memory: the latest <see cref="Capacity"/>, and the alerts whose latest word was "firing".</summary>
internal sealed class AlertInbox(TimeProvider time)
{
    /// <summary>How many received alerts are kept.</summary>
    public const int Capacity = 500;

    private readonly Lock _gate = new();
    private readonly LinkedList<ReceivedAlert> _received = new();
    private readonly Dictionary<string, ReceivedAlert> _firing = new(StringComparer.Ordinal);
    private long _total;

    public IReadOnlyList<ReceivedAlert> Add(AlertmanagerNotification n)
    {
        var now = time.GetUtcNow();
        var added = new List<ReceivedAlert>();
        lock (_gate)
        {
            foreach (var a in n.Alerts!)
            {
                var labels = a.Labels!;
                var annotations = a.Annotations ?? [];
                var r = new ReceivedAlert(labels["alertname"], a.Status!, labels.GetValueOrDefault("severity"), annotations.GetValueOrDefault("summary"),
                    annotations.GetValueOrDefault("description"), annotations.GetValueOrDefault("runbook_url"), labels, a.StartsAt,
                    a.EndsAt is { Year: > 1 } e ? e : null, n.Receiver ?? "", now);
                _received.AddFirst(r);
                if (_received.Count > Capacity) _received.RemoveLast();
                var key = a.Fingerprint ?? string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));
                // firing: what is wrong now; a resolved alert is no longer (so the map holds no more alerts than fire at once)
                if (r.Status == "firing" && (_firing.ContainsKey(key) || _firing.Count < Capacity)) _firing[key] = r;
                else _firing.Remove(key);
                _total++;
                added.Add(r);
            }
        }
        return added;
    }

    /// <summary>The alerts firing now and the <paramref name="latest"/> received, newest first.</summary>
    public AlertList Read(int latest = Capacity)
    {
        lock (_gate)
        {
            return new AlertList(_firing.Values.OrderByDescending(a => a.ReceivedAt).ToList(),
                _received.Take(latest).ToList(), _total);
        }
    }
}
