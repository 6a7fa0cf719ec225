using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Pwmk.Cluster.Tests;

/// <summary>
/// The membership table of a one-member cluster: the member joins, becomes active and leaves through it (its rows as
/// Orleans wrote them), and, as any membership table must, it refuses a write made from an outdated read.
/// </summary>
public sealed class LocalMembershipTableTests : LocalClusterTestBase
{
    private static MembershipEntry Entry(int port, SiloStatus status) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1),
        Status = status,
        HostName = "here",
        SiloName = "member-" + port,
        StartTime = DateTime.UtcNow,
        IAmAliveTime = DateTime.UtcNow,
    };

    [Fact]
    public async Task The_member_is_active_in_its_own_table_and_dead_once_it_stopped()
    {
        var host = await Start();
        var table = host.Services.GetRequiredService<IMembershipTable>();
        Assert.IsType<LocalMembershipTable>(table);
        var self = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var row = Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Members);
        Assert.Equal((self, SiloStatus.Active), (row.Item1.SiloAddress, row.Item1.Status));
        await host.StopAsync();
        Assert.Equal(SiloStatus.Dead, Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Members).Item1.Status);
        host.Dispose();
    }

    [Fact]
    public async Task A_write_from_an_outdated_read_is_refused()
    {
        IMembershipTable table = new LocalMembershipTable();
        var read = await table.ReadAllAsync(CancellationToken.None);
        Assert.True(await table.InsertRowAsync(Entry(1, SiloStatus.Joining), read.Version.Next(), CancellationToken.None));
        // a second writer that read the table before the first wrote: its version is outdated, for a new row or an update
        Assert.False(await table.InsertRowAsync(Entry(2, SiloStatus.Joining), read.Version.Next(), CancellationToken.None));
        var now = await table.ReadAllAsync(CancellationToken.None);
        var (first, etag) = Assert.Single(now.Members);
        Assert.False(await table.UpdateRowAsync(Entry(1, SiloStatus.Active), etag, read.Version.Next(), CancellationToken.None));
        Assert.False(await table.UpdateRowAsync(Entry(1, SiloStatus.Active), etag + "x", now.Version.Next(), CancellationToken.None));
        Assert.Equal(SiloStatus.Joining, Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Members).Item1.Status);

        Assert.True(await table.UpdateRowAsync(Entry(1, SiloStatus.Active), etag, now.Version.Next(), CancellationToken.None));
        var after = await table.ReadRowAsync(first.SiloAddress, CancellationToken.None);
        Assert.Equal(SiloStatus.Active, Assert.Single(after.Members).Item1.Status);
        Assert.Equal(now.Version.Version + 1, after.Version.Version);
        // the etag the update replaced is spent
        Assert.False(await table.UpdateRowAsync(Entry(1, SiloStatus.Dead), etag, after.Version.Next(), CancellationToken.None));
    }

    [Fact]
    public async Task What_a_reader_holds_is_its_own_copy()
    {
        IMembershipTable table = new LocalMembershipTable();
        Assert.True(await table.InsertRowAsync(Entry(1, SiloStatus.Active), (await table.ReadAllAsync(CancellationToken.None)).Version.Next(), CancellationToken.None));
        var held = Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Members).Item1;
        held.Status = SiloStatus.Dead;
        held.SuspectTimes?.Clear();
        Assert.Equal(SiloStatus.Active, Assert.Single((await table.ReadAllAsync(CancellationToken.None)).Members).Item1.Status);
    }
}
