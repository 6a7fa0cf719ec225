using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic;

namespace Pwmk.Cluster.Tests;

/// <summary>A one-member cluster in this process with its grain state in a temporary folder (and, when given, a journal).</summary>
public abstract class LocalClusterTestBase : IDisposable
{
    /// <summary>Query limits of these tests.</summary>
    internal static readonly QueryOptions QueryOptions = new() { MaxSolutions = 10_000, Timeout = TimeSpan.FromSeconds(10) };

    protected static readonly QueryOptions Options = QueryOptions;

    /// <summary>The temporary state folder; grain state is in its <c>cluster</c> folder.</summary>
    protected string StateDir { get; } = Directory.CreateTempSubdirectory("pwmk-local-cluster-").FullName;

    private protected async Task<IHost> Start(IPartitionJournal? journal = null, Action<IHostApplicationBuilder>? configure = null)
    {
        var host = Build(journal, configure);
        await host.StartAsync();
        return host;
    }

    /// <summary>The host <see cref="Start"/> starts, not started.</summary>
    private protected IHost Build(IPartitionJournal? journal = null, Action<IHostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.AddPwmkCluster(ClusterSettings.Parse(ClusterSettings.LocalName, null, null, out _)!, () => new BeliefStore(), Path.Combine(StateDir, "cluster"),
            journal is null ? null : _ => journal);
        configure?.Invoke(builder);
        return builder.Build();
    }

    protected static async Task Stop(IHost host)
    {
        await host.StopAsync();
        host.Dispose();
    }

    protected static List<string> Answers(QueryResult r) => [.. r.Solutions.Select(s => s.ToString())];

    public void Dispose()
    {
        try { Directory.Delete(StateDir, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
