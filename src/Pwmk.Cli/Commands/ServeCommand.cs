using System.CommandLine;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Pwmk.Server;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk serve</c>: the PWMK web host (background simulation, REST API, web UI, health).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = $"Listening URLs (default {PwmkServer.DefaultUrls}; ';' separates several)" };
        urls.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<string?>() is { } u && UrlProblem(u) is { } problem) v.AddError("--urls: " + problem);
        });
        var apiKey = new Option<string?>("--api-key") { Description = "API key for mutating endpoints (else PWMK_API_KEY; without one, changes only from loopback)" };
        var env = new Option<string?>("--env") { Description = "Environment of the background simulation: box-world, hide-and-seek or rooms" };
        env.AcceptOnlyFromAmong("box-world", "hide-and-seek", "rooms");
        var agents = new Option<int?>("--agents") { Description = "Agents in the background simulation (default 2)" };
        var depth = new Option<int?>("--tom-depth") { Description = "Nesting depth of the agents' beliefs (default 2)" };
        var seed = new Option<int?>("--seed") { Description = "Seed of the background simulation" };
        var noSim = new Option<bool>("--no-simulation") { Description = "Do not start the background simulation" };
        var noTrain = new Option<bool>("--no-train") { Description = "Do not train the world model online" };
        var planner = new Option<string?>("--planner") { Description = "What the background simulation's agents plan with: simulator (a copy of the true environment, default) or learned (the online world model)" };
        planner.AcceptOnlyFromAmong("simulator", "learned");
        var delay = new Option<int?>("--step-delay-ms") { Description = "Pause between simulation steps (default 100)" };
        var stateDir = new Option<string?>("--state-dir") { Description = "State directory: belief journal and snapshots, locked (default pwmk-state under the user's local data folder; '' for none)" };
        var fsync = new Option<string?>("--fsync") { Description = "Journal fsync of API changes: always (before the response, default), batched (within 200 ms) or never (left to the OS)" };
        var rate = new Option<int?>("--rate-limit") { Description = "Requests per second per client on /api (default 200; 0 disables)" };
        var body = new Option<long?>("--max-body-bytes") { Description = "Largest request body (default 1 MiB)" };
        var logFormat = new Option<string?>("--log-format") { Description = "Log lines: structured (JSON, default) or plain" };
        logFormat.AcceptOnlyFromAmong("structured", "plain");
        var logLevel = new Option<string?>("--log-level") { Description = "Lowest level logged: trace, debug (also a line per request), information (default), warning, error, critical" };
        logLevel.AcceptOnlyFromAmong("trace", "debug", "information", "warning", "error", "critical");
        var otlp = new Option<string?>("--otlp-endpoint") { Description = "OTLP endpoint for traces, e.g. http://127.0.0.1:4317 (else OTEL_EXPORTER_OTLP_ENDPOINT; none: no export)" };
        var otlpProtocol = new Option<string?>("--otlp-protocol") { Description = "grpc (default) or http/protobuf (else OTEL_EXPORTER_OTLP_PROTOCOL)" };
        otlpProtocol.AcceptOnlyFromAmong("grpc", "http/protobuf");
        var sampling = new Option<double?>("--trace-sampling") { Description = "Fraction of new traces sampled, 0..1 (else OTEL_TRACES_SAMPLER_ARG, else 1)" };
        sampling.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<double?>() is { } x && (x is < 0 or > 1 || double.IsNaN(x))) v.AddError($"--trace-sampling: expected a fraction 0..1, got {x}");
        });
        otlp.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<string?>() is { Length: > 0 } u && (!Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
                v.AddError($"--otlp-endpoint: expected an http(s) URL such as http://127.0.0.1:4317, got '{u}'");
        });
        var cluster = new Option<string?>("--cluster") { Description = "Join or form a cluster whose membership and belief partitions are in Redis: redis://HOST:PORT; or local (the default): a one-member cluster in this process, no external service, its belief partitions in the state directory's journal" };
        var siloPort = new Option<int?>("--silo-port") { Description = $"Port members talk to each other on (default {Pwmk.Cluster.ClusterSettings.DefaultSiloPort} with --cluster redis://, a free loopback port otherwise)" };
        var gatewayPort = new Option<int?>("--gateway-port") { Description = $"Port cluster clients reach this member on (default {Pwmk.Cluster.ClusterSettings.DefaultGatewayPort} with --cluster redis://, none otherwise)" };
        cluster.Validators.Add(v =>
        {
            if (v.GetValueOrDefault<string?>() is { } c && Pwmk.Cluster.ClusterSettings.Parse(c, null, null, out var problem) is null) v.AddError("--cluster: " + problem);
        });
        var consoleTraces = new Option<bool>("--console-traces") { Description = "Also print spans on the console (development)" };
        var cmd = new Command("serve", "Run PWMK as a service (simulation, belief store, API, web UI, metrics, traces, health)")
        {
            urls, apiKey, env, agents, depth, seed, noSim, noTrain, planner, delay, stateDir, fsync, rate, body,
            logFormat, logLevel, otlp, otlpProtocol, sampling, consoleTraces, cluster, siloPort, gatewayPort,
        };
        cmd.SetAction(r =>
        {
            var o = new Dictionary<string, string?>();
            void Set<T>(string key, T? value) { if (value is not null) o[key] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture); }
            Set("urls", r.GetValue(urls));
            Set("Pwmk:ApiKey", r.GetValue(apiKey));
            Set("Pwmk:Env", r.GetValue(env));
            Set("Pwmk:Agents", r.GetValue(agents));
            Set("Pwmk:TomDepth", r.GetValue(depth));
            Set("Pwmk:Seed", r.GetValue(seed));
            if (r.GetValue(noSim)) o["Pwmk:Simulate"] = "false";
            if (r.GetValue(noTrain)) o["Pwmk:Train"] = "false";
            Set("Pwmk:Planner", r.GetValue(planner));
            Set("Pwmk:StepDelayMs", r.GetValue(delay));
            Set("Pwmk:StateDir", r.GetValue(stateDir));
            Set("Pwmk:Fsync", r.GetValue(fsync));
            Set("Pwmk:RateLimitPerSecond", r.GetValue(rate));
            Set("Pwmk:MaxBodyBytes", r.GetValue(body));
            Set("Observability:LogFormat", r.GetValue(logFormat));
            Set("Observability:LogLevel", r.GetValue(logLevel));
            Set("Observability:OtlpEndpoint", r.GetValue(otlp));
            Set("Observability:OtlpProtocol", r.GetValue(otlpProtocol));
            Set("Observability:SamplingRatio", r.GetValue(sampling));
            if (r.GetValue(consoleTraces)) o["Observability:ConsoleExporter"] = "true";
            Set("Pwmk:SiloPort", r.GetValue(siloPort));
            Set("Pwmk:GatewayPort", r.GetValue(gatewayPort));
            // without --cluster (or with --cluster local) the server is the one member of a cluster in this process, its
            // belief partitions in the journaled store of the state directory
            if (r.GetValue(cluster) is { } c && c != Pwmk.Cluster.ClusterSettings.LocalName)
            {
                o["Pwmk:Cluster"] = c;
                // the cluster's beliefs live in Redis; members keep no state directory unless asked (several share a machine)
                if (r.GetValue(stateDir) is null) o["Pwmk:StateDir"] = "";
                // the background simulation is a grain: every member asks for it with its settings, and it runs once, on
                // one member, for the whole cluster (docs/CLUSTER.md); --no-simulation: this member does not ask for it
            }
            return Run(o);
        });
        return cmd;
    }

    /// <summary>Why <paramref name="urls"/> is not a list of listening URLs (http or https, a host or * or +, a port), or null.</summary>
    internal static string? UrlProblem(string urls)
    {
        var parts = urls.Split(';', StringSplitOptions.TrimEntries);
        if (parts.All(p => p.Length == 0)) return "expected one or more URLs such as http://127.0.0.1:8000, got nothing";
        foreach (var p in parts)
        {
            if (p.Length == 0) return $"an empty URL in '{urls}' (';' separates URLs)";
            // Kestrel's wildcard hosts (http://*:8000, http://+:8000) are not URIs: check them with a stand-in host
            string probe = p.Replace("://*", "://wildcard").Replace("://+", "://wildcard");
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
                return $"'{p}' is not a listening URL such as http://127.0.0.1:8000 (http or https, a host, a port)";
            if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
                return $"'{p}' has a path, query or fragment; a listening URL is scheme://host:port";
        }
        return null;
    }

    private static int Run(Dictionary<string, string?> overrides)
    {
        WebApplication app;
        try
        {
            app = PwmkServer.Build(PwmkServer.CreateBuilder(overrides));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            Console.Error.WriteLine($"pwmk serve: {e.Message}");
            return Program.BadInput;
        }
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or FormatException or ArgumentException)
        {
            Console.Error.WriteLine($"pwmk serve: cannot listen: {e.Message.ReplaceLineEndings(" ")}");
            return Program.BadInput;
        }
        PwmkServer.Announce(app);
        app.WaitForShutdownAsync().GetAwaiter().GetResult();
        app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return Program.Ok;
    }
}
