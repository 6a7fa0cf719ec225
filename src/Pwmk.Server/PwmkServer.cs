using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Pwmk.Cluster;
using Pwmk.Core.Beliefs;
using Pwmk.Observability.Hosting;
using Pwmk.Observability.Logging;
using Pwmk.Server.Api;
using Pwmk.Server.Hosting;
using Pwmk.Server.Persistence;
using Pwmk.Server.Security;
using Pwmk.Server.Simulation;

namespace Pwmk.Server;

/// <summary>
/// Builds the PWMK web host: Kestrel on 127.0.0.1:8000 unless <c>urls</c> says otherwise, the background simulation,
/// the REST API (<c>/api/...</c>, OpenAPI at <c>/openapi/v1.json</c>), the web UI at <c>/</c>, health endpoints,
/// API-key guard, body limit, rate limiting and RFC 9457 problem details.
/// </summary>
public static class PwmkServer
{
    /// <summary>Default listening address.</summary>
    public const string DefaultUrls = "http://127.0.0.1:8000";

    /// <summary>
    /// Creates the builder. Configuration: appsettings.json, appsettings.{Environment}.json, environment variables
    /// (ASPNETCORE_/DOTNET_, then PWMK_*), then <paramref name="overrides"/> (command-line options), later winning.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(IReadOnlyDictionary<string, string?>? overrides = null, string? contentRoot = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = contentRoot });
        builder.Configuration.AddInMemoryCollection(PwmkEnvironmentVariables.Read());
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.Services.AddOptions<PwmkServerOptions>().Bind(builder.Configuration.GetSection("Pwmk"));
        var options = builder.Configuration.GetSection("Pwmk").Get<PwmkServerOptions>() ?? new PwmkServerOptions();
        var problem = options.Validate();
        if (problem is not null) throw new ArgumentException(problem);

        // a belief query holds its thread while it runs (the engine is synchronous): keep enough pool threads for every
        // query slot plus the cores, so running queries never starve /health and the other requests of threads
        ThreadPool.GetMinThreads(out int minWorkers, out int minIo);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, options.QuerySlots + Environment.ProcessorCount), minIo);

        if (string.IsNullOrWhiteSpace(builder.Configuration["urls"])) builder.WebHost.UseUrls(DefaultUrls);
        // Kestrel refuses a body over the limit (at once for a Content-Length over it, while reading for a chunked one) with
        // a BadHttpRequestException of status 413, which the exception handler answers as a problem
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase);
        builder.Services.AddProblemDetails(p => p.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Type ??= Problems.TypeOf(c.ProblemDetails.Status ?? 500);
            c.ProblemDetails.Extensions.Remove("exception");
        });
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "PWMK API";
            doc.Info.Description = "Belief store, agents, epistemic planning and simulations of the Perspective World Model Kit.";
            return Task.CompletedTask;
        }));
        // one memory budget for every query the server runs (API, health, agents), so queries cannot take the process down
        var budget = new Pwmk.Logic.MemoryBudget(options.QueryMemoryMb > 0 ? options.QueryMemoryMb << 20 : Pwmk.Logic.MemoryBudget.DefaultCapacity());
        builder.Services.AddSingleton(budget);
        builder.Services.AddSingleton(_ => new BeliefStore(new BeliefStoreOptions { Query = BeliefStoreOptions.Default.Query with { Memory = budget } }));
        builder.Services.AddSingleton(sp => DurableBeliefStore.Open(sp.GetRequiredService<BeliefStore>(), DurabilityOf(options),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Server.Persistence")));
        // every server is a cluster member: by default (and with --cluster local) the one member of a cluster in this
        // process, its belief partitions kept in the journaled store above and its other grain state (the simulations')
        // in the state directory's "cluster" folder; with --cluster redis://... a member whose partitions are in Redis
        var cluster = options.ClusterSettings;
        string? grainState = cluster.IsLocal && DurabilityOf(options).Directory is { } dir ? Path.Combine(dir, "cluster") : null;
        builder.AddPwmkCluster(cluster, () => new BeliefStore(new BeliefStoreOptions { Query = BeliefStoreOptions.Default.Query with { Memory = budget } }), grainState,
            cluster.IsLocal ? sp => new JournalPartitions(sp.GetRequiredService<DurableBeliefStore>()) : null,
            // with no simulation, the background simulation saved in a one-member server's state stays stopped (SimulationHostedService)
            held: !options.Simulate && cluster.IsLocal ? [SimulationDirectory.BackgroundId] : null);
        builder.Services.AddSingleton(sp => new ServerHistory(sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton(new QueryAdmission(options.QuerySlots, options.QueryQueueLimit));
        builder.Services.AddSingleton(sp => new EventStreams(options.MaxEventStreams, options.MaxEventStreamsPerClient, sp.GetService<TimeProvider>()));
        builder.Services.AddSingleton<ServerDiagnostics>();
        builder.Services.AddSingleton<ApiKeyFilter>();
        builder.Services.AddSingleton(sp => new AlertInbox(sp.GetService<TimeProvider>() ?? TimeProvider.System));
        builder.Services.AddHostedService<SimulationHostedService>();
        builder.Services.Configure<HostOptions>(h =>
        {
            h.ShutdownTimeout = TimeSpan.FromSeconds(15);
            // the silo starts beside the web server and the simulation (belief changes wait for it: ClusterBeliefs), so its
            // start-up overlaps theirs; /health reports the member healthy once the silo is active
            h.ServicesStartConcurrently = true;
        });
        if (options.RateLimitPerSecond > 0) AddRateLimiting(builder.Services, options.RateLimitPerSecond);
        ObservabilityHooks.Add(builder, options);
        // the host makes its hosted services (the silo's among them: its whole service graph) before it starts any, Kestrel
        // included; made on the thread pool instead, they are made while the web server starts
        DeferredHostedServices.Defer(builder.Services);
        return builder;
    }

    private static void AddRateLimiting(IServiceCollection services, int perSecond)
    {
        services.AddRateLimiter(r =>
        {
            r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
            {
                if (!ctx.Request.Path.StartsWithSegments("/api") || ctx.Request.Path.StartsWithSegments("/api/events"))
                    return RateLimitPartition.GetNoLimiter("unlimited");
                return RateLimitPartition.GetTokenBucketLimiter(ClientKey(ctx), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perSecond * 2,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            r.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "1";
                await Problems.Write(ctx.HttpContext, StatusCodes.Status429TooManyRequests, "Too Many Requests",
                    $"More than {perSecond} requests per second from this client; retry later.").ConfigureAwait(false);
            };
        });
    }

    /// <summary>Rate-limit partition: the client's address.</summary>
    private static string ClientKey(HttpContext ctx) => ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Builds the application with its middleware and endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var app = builder.Build();
        // the silo's service graph is made on the thread pool while the server restores its state and maps its endpoints
        DeferredHostedServices.BeginMaking(app.Services);
        var options = app.Services.GetRequiredService<IOptions<PwmkServerOptions>>().Value;
        RestoreState(app, options);
        app.Services.GetRequiredService<ServerDiagnostics>(); // its gauges exist from the start
        ObservabilityHooks.Use(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = HandleException, StatusCodeSelector = StatusOf });
        app.UseStatusCodePages();
        if (string.IsNullOrEmpty(options.ApiKey))
            app.UseMiddleware<HostAllowListMiddleware>(HostAllowListMiddleware.HostsOf(app.Configuration["urls"] ?? DefaultUrls, options.AllowedHosts));
        if (options.RateLimitPerSecond > 0) app.UseRateLimiter();
        app.MapOpenApi("/openapi/{documentName}.json");
        ObservabilityHooks.Map(app);
        BeliefEndpoints.Map(app);
        AgentEndpoints.Map(app);
        PlanEndpoints.Map(app);
        SimulationEndpoints.Map(app);
        TimelineEndpoints.Map(app);
        ClusterEndpoints.Map(app);
        UiEndpoints.Map(app);
        AlertEndpoints.Map(app);
        RunbookEndpoint.Map(app);
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Server");
        if (string.IsNullOrEmpty(options.ApiKey))
            log.NoApiKey();
        return app;
    }

    /// <summary>
    /// Says where the started server answers: a banner for people in the plain log format, one structured log line (with the
    /// addresses as fields) in the structured format, where standard output is one JSON object per line.
    /// </summary>
    public static void Announce(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var first = app.Urls.FirstOrDefault() ?? DefaultUrls;
        bool keyRequired = !string.IsNullOrEmpty(app.Configuration["Pwmk:ApiKey"]);
        if (app.Services.GetRequiredService<PwmkObservabilityOptions>().LogFormat == LogFormat.Structured)
        {
            app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Server").Serving(string.Join(", ", app.Urls), first + "/", first + "/api",
                first + "/openapi/v1.json", first + "/metrics", first + "/health", first + "/ready", keyRequired);
            return;
        }
        Console.WriteLine($"PWMK is serving at {string.Join(", ", app.Urls)}");
        Console.WriteLine($"  web UI   {first}/");
        Console.WriteLine($"  API      {first}/api (OpenAPI {first}/openapi/v1.json)");
        Console.WriteLine($"  metrics  {first}/metrics   health {first}/health   ready {first}/ready");
        Console.WriteLine(keyRequired
            ? "  API key  required for changes: send 'X-API-Key: KEY' or 'Authorization: Bearer KEY'"
            : "  API key  none set: changes (POST/DELETE) are accepted only from loopback; set PWMK_API_KEY or --api-key");
        Console.WriteLine("Press Ctrl+C to stop (state is saved on shutdown).");
    }

    /// <summary>Opens the state directory (lock, recovery) before anything serves; a locked directory throws <see cref="InvalidOperationException"/>.</summary>
    private static void RestoreState(WebApplication app, PwmkServerOptions options)
    {
        var durable = app.Services.GetRequiredService<DurableBeliefStore>();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Pwmk.Server");
        if (durable.Directory is null)
            log.NoStateDirectory();
        else
            log.StateDirectory(durable.Directory, options.Fsync, durable.Recovery.ToString());
    }

    internal static DurabilityOptions DurabilityOf(PwmkServerOptions o) => new()
    {
        Directory = string.IsNullOrWhiteSpace(o.StateDir) ? null : o.StateDir,
        Fsync = o.Fsync switch { "batched" => FsyncPolicy.Batched, "never" => FsyncPolicy.Never, _ => FsyncPolicy.Always },
        BatchInterval = TimeSpan.FromMilliseconds(o.FsyncBatchMs),
        SnapshotEvery = o.SnapshotEvery,
    };

    private static int StatusOf(Exception e) => e switch
    {
        BadHttpRequestException b => b.StatusCode,
        JsonException => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static Task HandleException(HttpContext context)
    {
        var e = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        int status = e is null ? 500 : StatusOf(e);
        string detail = e switch
        {
            BadHttpRequestException b when b.StatusCode == 413 => b.Message,
            BadHttpRequestException b => b.Message,
            JsonException j => "The request body is not valid JSON: " + j.Message,
            _ => "The server failed to handle the request; the error is in the server log.",
        };
        return Problems.Write(context, status, status switch { 413 => "Payload Too Large", 400 => "Bad Request", _ => "Internal Server Error" }, detail);
    }

    /// <summary>True for loopback addresses (127.0.0.0/8, ::1).</summary>
    internal static bool IsLoopback(IPAddress? ip) => ip is not null && IPAddress.IsLoopback(ip);
}
