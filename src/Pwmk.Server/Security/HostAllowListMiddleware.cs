using System.Net;

namespace Pwmk.Server.Security;

/// <summary>
/// Guards a server that runs without an API key against DNS rebinding: a page of another site whose name is made to
/// resolve to this machine reaches the server with that name in its Host header. Accepted: IP literals (a rebinding
/// needs a name), <c>localhost</c>, the host names of the listening URLs and <see cref="Hosting.PwmkServerOptions.AllowedHosts"/>;
/// anything else gets 403 with a problem naming the host. With an API key configured the middleware is not installed.
/// </summary>
internal sealed class HostAllowListMiddleware(RequestDelegate next, IReadOnlySet<string> allowed)
{
    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        if (!host.HasValue || Allowed(host.Host)) return next(context);
        return Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden",
            $"This server has no API key and answers only to localhost, IP addresses and its own host names, not to '{Short(host.Host)}' " +
            "(a guard against DNS rebinding). Set PWMK_API_KEY (or --api-key), or list the name in Pwmk:AllowedHosts (PWMK_ALLOWED_HOSTS).");
    }

    private bool Allowed(string host) =>
        allowed.Contains(host) || IPAddress.TryParse(host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host, out _);

    private static string Short(string s) => s.Length <= 100 ? s : s[..100] + "...";

    /// <summary>The host names accepted besides IP literals: localhost, the named hosts of <paramref name="urls"/>, and <paramref name="configured"/>.</summary>
    public static HashSet<string> HostsOf(string? urls, string? configured)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost" };
        foreach (var u in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (Uri.TryCreate(u.Replace("://*", "://wildcard.invalid").Replace("://+", "://wildcard.invalid"), UriKind.Absolute, out var uri) && uri.Host != "wildcard.invalid")
                set.Add(uri.Host);
        foreach (var h in (configured ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) set.Add(h);
        return set;
    }
}
