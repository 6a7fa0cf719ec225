using System.CommandLine;
using System.Text.Json;
using Pwmk.Observability.Deploy;

namespace Pwmk.Cli.Commands;

/// <summary><c>pwmk dashboards generate [--root DIR] [--check] [--runbook-base URL]</c>: writes (or checks) the generated files under deploy/.</summary>
internal static class DashboardsCommand
{
    public static Command Create()
    {
        var root = new Option<string?>("--root") { Description = "Repository root holding deploy/ (default: the folder above with Pwmk.slnx, else the current folder)" };
        var check = new Option<bool>("--check") { Description = "Write nothing; exit 1 when a generated file is missing or stale" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        var runbook = new Option<string>("--runbook-base")
        {
            Description = "Absolute URL the alerts' runbook links start with (each alert adds #its-name)",
            DefaultValueFactory = _ => AlertRules.DefaultRunbookBase,
        };
        var generate = new Command("generate", "Write the Grafana dashboard and provisioning, Prometheus config and alert rules (with unit tests), Alertmanager config and docker-compose under deploy/")
        {
            root, check, format, runbook,
        };
        generate.SetAction(r => Run(r.InvocationConfiguration.Output, r.InvocationConfiguration.Error, r.GetValue(root), r.GetValue(check), r.GetValue(format)!,
            r.GetValue(runbook)!));
        var cmd = new Command("dashboards", "Monitoring files generated from C# (dashboards, alerts, deployment)");
        cmd.Subcommands.Add(generate);
        return cmd;
    }

    private static int Run(TextWriter stdout, TextWriter stderr, string? root, bool check, string format, string runbookBase)
    {
        if (!Uri.TryCreate(runbookBase, UriKind.Absolute, out var runbookUri) || runbookUri.Scheme is not ("http" or "https"))
        {
            stderr.WriteLine($"--runbook-base: expected an absolute http(s) URL, got '{runbookBase}'");
            return Program.BadInput;
        }
        if (format is not ("text" or "json"))
        {
            stderr.WriteLine($"--format: expected text or json, got '{format}'");
            return Program.BadInput;
        }
        bool given = root is not null;
        root ??= FindRoot();
        if (!Directory.Exists(root))
        {
            stderr.WriteLine($"--root: folder not found: {root}");
            return Program.BadInput;
        }
        if (check && !Directory.Exists(Path.Combine(root, "deploy")))
        {
            stderr.WriteLine(given
                ? $"--root: {Path.GetFullPath(root)} has no deploy/ folder to check (is it a PWMK checkout?)"
                : $"not inside a PWMK checkout (no Pwmk.slnx above {Path.GetFullPath(root)}): run from the repository or pass --root");
            return Program.BadInput;
        }
        try
        {
            var files = check ? DeployFiles.Stale(root, runbookBase) : DeployFiles.Write(root, runbookBase);
            if (format == "json")
                stdout.WriteLine(JsonSerializer.Serialize(new { root = Path.GetFullPath(root), check, files }));
            else
                foreach (var f in files) stdout.WriteLine((!check ? "wrote " : File.Exists(Path.Combine(root, f)) ? "stale: " : "missing: ") + f);
            if (check && files.Count > 0)
            {
                stderr.WriteLine($"{files.Count} generated file(s) are stale or missing; run {DeployFiles.Command}");
                return Program.NoResult;
            }
            return Program.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"cannot write under {root}: {e.Message}");
            return Program.BadInput;
        }
    }

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Pwmk.slnx"))) return d.FullName;
        return Directory.GetCurrentDirectory();
    }
}
