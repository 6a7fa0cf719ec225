using Pwmk.Cluster.Simulation;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Pwmk.Server.Api;

namespace Pwmk.Server.Tests.Simulation;

/// <summary>The server's sampled histories and the shared event snapshot keep time on the TimeProvider they are given.</summary>
public class ServerClockTests
{
    [Fact]
    public void A_sampled_history_keeps_one_value_per_interval_stamped_with_its_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        var h = new MetricHistory(time: time);
        h.AddSampled(1);
        h.AddSampled(2);   // same instant: dropped
        time.Advance(MetricHistory.SampleInterval - TimeSpan.FromMilliseconds(1));
        h.AddSampled(3);   // still inside the interval: dropped
        time.Advance(TimeSpan.FromMilliseconds(1));
        h.AddSampled(4);
        var points = h.Snapshot();
        Assert.Equal([1.0, 4.0], points.Select(p => p.V));
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds(), points[^1].T);
    }

    [Fact]
    public async Task The_event_snapshot_is_made_again_only_when_older_than_its_age()
    {
        var time = new FakeTimeProvider();
        var streams = new EventStreams(10, 10, time);
        int made = 0;
        byte[] Make() => Encoding.UTF8.GetBytes($"snapshot {++made}");
        var age = TimeSpan.FromSeconds(1);
        await streams.SnapshotAsync(Make, age, CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(999));
        await streams.SnapshotAsync(Make, age, CancellationToken.None);
        Assert.Equal(1, made);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var s = await streams.SnapshotAsync(Make, age, CancellationToken.None);
        Assert.Equal("snapshot 2", Encoding.UTF8.GetString(s));
    }
}
