using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Pwmk.Server.Tests;

/// <summary>The real PWMK host on an in-memory test server; the header X-Test-Remote-IP sets the client's address (default 127.0.0.1).</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private ServerFixture(WebApplication app, bool kestrel)
    {
        App = app;
        Client = kestrel ? new HttpClient { BaseAddress = new Uri(app.Urls.First()) } : app.GetTestClient();
    }

    public WebApplication App { get; }
    public HttpClient Client { get; }

    /// <param name="settings">Configuration overriding the fixture's defaults (no simulation, no state, no rate limit).</param>
    /// <param name="kestrel">Serve on a loopback port with Kestrel instead of the in-memory test server (for what only the real
    /// server does, such as its request body limit).</param>
    /// <param name="services">Adds or replaces services before the host is built (e.g. a health check).</param>
    public static async Task<ServerFixture> StartAsync(Dictionary<string, string?>? settings = null, bool kestrel = false, Action<IServiceCollection>? services = null)
    {
        var o = new Dictionary<string, string?>
        {
            ["Pwmk:Simulate"] = "false",
            ["Pwmk:StepDelayMs"] = "2",
            ["Pwmk:StateDir"] = "",
            ["Pwmk:RateLimitPerSecond"] = "0",
        };
        if (kestrel) o["urls"] = "http://127.0.0.1:0";
        if (settings is not null)
            foreach (var kv in settings) o[kv.Key] = kv.Value;
        var builder = PwmkServer.CreateBuilder(o);
        if (!kestrel) builder.WebHost.UseTestServer();
        builder.Services.AddSingleton<IStartupFilter, RemoteIpFilter>();
        services?.Invoke(builder.Services);
        var app = PwmkServer.Build(builder);
        await app.StartAsync();
        return new ServerFixture(app, kestrel);
    }

    /// <summary>Settings of a server that is a cluster member (<c>--cluster local</c>: one member in this process), or none for plain serve.</summary>
    public static Dictionary<string, string?>? Cluster(string? cluster) => cluster is null ? null : new() { ["Pwmk:Cluster"] = cluster };

    public async ValueTask DisposeAsync()
    {
        if (App.Services.GetService<Microsoft.AspNetCore.Hosting.Server.IServer>() is not TestServer) Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public Task<HttpResponseMessage> PostJson(string path, object body, string? key = null, string? remote = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (key is not null) req.Headers.Add("X-API-Key", key);
        if (remote is not null) req.Headers.Add("X-Test-Remote-IP", remote);
        return Client.SendAsync(req);
    }

    public Task<HttpResponseMessage> DeleteJson(string path, object body, string? key = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Delete, path) { Content = JsonContent.Create(body) };
        if (key is not null) req.Headers.Add("X-API-Key", key);
        return Client.SendAsync(req);
    }

    public static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Asserts an RFC 9457 problem: content type, status, title, detail, type, and no stack trace.</summary>
    public static async Task<JsonElement> AssertProblem(HttpResponseMessage r, HttpStatusCode status)
    {
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(status == r.StatusCode, $"expected {status}, got {r.StatusCode}: {text}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var j = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, j.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(j.GetProperty("title").GetString()));
        Assert.True(j.TryGetProperty("type", out _));
        Assert.DoesNotContain(" at Pwmk.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("exception", text, StringComparison.OrdinalIgnoreCase);
        return j;
    }

    /// <summary>
    /// Waits until <paramref name="ok"/> holds (polling), failing after <paramref name="seconds"/> with what
    /// <paramref name="seen"/> says it last saw.
    /// </summary>
    public static async Task Eventually(Func<Task<bool>> ok, int seconds = 20, Func<string>? seen = null)
    {
        var end = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < end)
        {
            if (await ok()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"condition not met within {seconds} s" + (seen is null ? "" : "; last seen: " + seen()));
    }

    private sealed class RemoteIpFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((HttpContext ctx, RequestDelegate n) =>
            {
                var ip = ctx.Request.Headers["X-Test-Remote-IP"].ToString();
                ctx.Connection.RemoteIpAddress = IPAddress.Parse(string.IsNullOrEmpty(ip) ? "127.0.0.1" : ip);
                return n(ctx);
            });
            next(app);
        };
    }
}
