using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pwmk.Cluster;
using Pwmk.Cluster.Beliefs;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Parsing;

namespace Pwmk.Bench.Cluster;

/// <summary>
/// <c>pwmk-bench partition-writes --cluster redis://HOST:PORT</c>: the latency of one belief write (the router's
/// <c>ChangeAsync</c>, what <c>POST /api/beliefs</c> does after HTTP: the partition's call and its durable write to Redis)
/// against one partition that holds N facts, for each N of <c>--sizes</c>. This process is a one-member cluster on that
/// Redis; each size gets a partition of its own, filled in batches of 5,000 facts, then warmed, then measured with
/// writes that alternately assert a new fact and retract it (the size stays N). In-process, warm figures.
/// bench/cluster/partition-writes.sh runs it against two builds, interleaved.
/// </summary>
internal static class PartitionWritesCommand
{
    public static Command Create()
    {
        var cluster = new Option<string>("--cluster") { Description = "redis://HOST:PORT of the cluster's Redis", Required = true };
        var sizes = new Option<string>("--sizes") { Description = "Partition sizes (facts), comma-separated", DefaultValueFactory = _ => "100,10000,100000" };
        var writes = new Option<int>("--writes") { Description = "Measured writes per size", DefaultValueFactory = _ => 400 };
        var tag = new Option<string>("--tag") { Description = "A label printed on every line (the build measured)", DefaultValueFactory = _ => "-" };
        var cmd = new Command("partition-writes", "Latency of one belief write against a Redis cluster's partition of 100, 10k, 100k facts") { cluster, sizes, writes, tag };
        cmd.SetAction((r, ct) => Run(r.GetValue(cluster)!, r.GetValue(sizes)!, r.GetValue(writes), r.GetValue(tag)!, ct));
        return cmd;
    }

    private static async Task<int> Run(string cluster, string sizeList, int writes, string tag, CancellationToken ct)
    {
        var settings = ClusterSettings.Parse(cluster, FreePort(), FreePort(), out var problem);
        int[] sizes;
        try
        {
            sizes = [.. sizeList.Split(',', StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            sizes = [];
        }
        if (settings is null || settings.IsLocal || sizes.Length == 0 || sizes.Any(s => s is < 1 or > 10_000_000) || writes is < 10 or > 1_000_000)
        {
            Console.Error.WriteLine(problem ?? "--cluster redis://HOST:PORT, --sizes 1..10000000 each, --writes 10..1000000");
            return Program.BadInput;
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.AddPwmkCluster(settings, () => new BeliefStore());
        using var host = builder.Build();
        await host.StartAsync(ct).ConfigureAwait(false);
        try
        {
            var beliefs = host.Services.GetRequiredService<ClusterBeliefs>();
            string run = Guid.NewGuid().ToString("N")[..8];
            foreach (int size in sizes)
            {
                string agent = $"bench_{run}_{size}";
                for (int i = 0; i < size; i += 5000)
                {
                    var batch = Enumerable.Range(i, Math.Min(5000, size - i)).Select(k => BeliefChange.Assert(Fact(agent, k))).ToList();
                    await beliefs.ApplyAsync(batch).ConfigureAwait(false);
                }
                var lat = new double[writes];
                for (int w = -50; w < writes; w++)
                {
                    // odd writes retract what the even write before asserted: the partition stays at `size` facts
                    int k = size + (w + 50) / 2;
                    var change = ((w + 50) & 1) == 0 ? BeliefChange.Assert(Fact(agent, k)) : BeliefChange.Retract(Fact(agent, k));
                    long t = Stopwatch.GetTimestamp();
                    var outcome = await beliefs.ChangeAsync(change).ConfigureAwait(false);
                    if (w >= 0) lat[w] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                    if (!outcome.Changed) throw new InvalidOperationException($"the write {change} changed nothing");
                }
                Array.Sort(lat);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{tag} facts {size,7} writes {writes} p50_ms {lat[writes / 2]:F3} p95_ms {lat[(int)(writes * 0.95)]:F3} p99_ms {lat[(int)(writes * 0.99)]:F3} max_ms {lat[^1]:F3} mean_ms {lat.Average():F3}"));
            }
        }
        finally
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        return Program.Ok;
    }

    private static Pwmk.Logic.Terms.Term Fact(string agent, int k) =>
        TermReader.ParseTerm($"believes({agent}, at(obj_{k}, room_{k % 7}))", OperatorTable.Default);

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }
}
