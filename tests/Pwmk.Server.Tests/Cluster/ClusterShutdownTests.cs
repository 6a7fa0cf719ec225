using System.Diagnostics;
using System.Globalization;

namespace Pwmk.Server.Tests.Cluster;

/// <summary>A member stops on SIGTERM in bounded time even when Redis (membership, storage) is gone.</summary>
[Trait("Category", "Integration")]
public class ClusterShutdownTests
{
    [Fact]
    public async Task A_member_whose_Redis_is_gone_still_exits_on_SIGTERM_within_60_seconds()
    {
        using var cluster = new ClusterProcesses();
        var member = await cluster.StartMember();
        await ClusterProcesses.WaitAnswers(member.Server);
        cluster.KillRedis();
        var clock = Stopwatch.StartNew();
        using (var term = Process.Start("kill", ["-TERM", member.Server.Process.Id.ToString(CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await member.Server.Process.WaitForExitAsync(deadline.Token);
        Assert.True(member.Server.Process.HasExited, $"still running {clock.Elapsed} after SIGTERM");
    }
}
