namespace Pwmk.Cluster;

/// <summary>
/// The membership table of a one-member cluster, in the member's own memory: Orleans' membership protocol reads and
/// writes it with no message (Orleans' development clustering keeps it in a system target of its primary silo, reached
/// through the silo's messaging, and lets another silo on the machine join through that endpoint; this table is reached
/// from nowhere else). As every membership table, it refuses a write made from an outdated read: a row's etag, and the
/// table version the writer read (<see cref="TableVersion.Next"/> of it). Orleans 10 calls the interface's members
/// with a cancellation token, which by default call these (nothing here waits).
/// </summary>
internal sealed class LocalMembershipTable : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<SiloAddress, (MembershipEntry Entry, string ETag)> _rows = [];
    private TableVersion _version = new(0, "0");
    private int _etags;

    public Task InitializeMembershipTable(bool tryInitTableVersion) => Task.CompletedTask;

    public Task DeleteMembershipTableEntries(string clusterId)
    {
        lock (_lock) _rows.Clear();
        return Task.CompletedTask;
    }

    public Task CleanupDefunctSiloEntries(DateTimeOffset beforeDate)
    {
        lock (_lock)
        {
            foreach (var (silo, row) in _rows.ToList())
                if (row.Entry.Status == SiloStatus.Dead && row.Entry.IAmAliveTime < beforeDate.UtcDateTime) _rows.Remove(silo);
        }
        return Task.CompletedTask;
    }

    public Task<MembershipTableData> ReadRow(SiloAddress key)
    {
        lock (_lock)
        {
            return Task.FromResult(_rows.TryGetValue(key, out var row)
                ? new MembershipTableData(Tuple.Create(Copy(row.Entry), row.ETag), _version)
                : new MembershipTableData(_version));
        }
    }

    public Task<MembershipTableData> ReadAll()
    {
        lock (_lock) return Task.FromResult(new MembershipTableData([.. _rows.Values.Select(r => Tuple.Create(Copy(r.Entry), r.ETag))], _version));
    }

    public Task<bool> InsertRow(MembershipEntry entry, TableVersion tableVersion)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_rows.ContainsKey(entry.SiloAddress) || !Advance(tableVersion)) return Task.FromResult(false);
            _rows[entry.SiloAddress] = (Copy(entry), NewETag());
            return Task.FromResult(true);
        }
    }

    public Task<bool> UpdateRow(MembershipEntry entry, string etag, TableVersion tableVersion)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (!_rows.TryGetValue(entry.SiloAddress, out var row) || row.ETag != etag || !Advance(tableVersion)) return Task.FromResult(false);
            _rows[entry.SiloAddress] = (Copy(entry), NewETag());
            return Task.FromResult(true);
        }
    }

    public Task UpdateIAmAlive(MembershipEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            if (_rows.TryGetValue(entry.SiloAddress, out var row)) row.Entry.IAmAliveTime = entry.IAmAliveTime;
        }
        return Task.CompletedTask;
    }

    /// <summary>Moves the table to <paramref name="next"/> when it follows the version its writer read; else false.</summary>
    private bool Advance(TableVersion next)
    {
        if (next.VersionEtag != _version.VersionEtag || next.Version != _version.Version + 1) return false;
        _version = new TableVersion(next.Version, NewETag());
        return true;
    }

    private string NewETag() => (++_etags).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A copy that neither the table nor its reader changes behind the other's back (the silo changes the entries it holds).</summary>
    private static MembershipEntry Copy(MembershipEntry e) => new()
    {
        SiloAddress = e.SiloAddress,
        Status = e.Status,
        SuspectTimes = e.SuspectTimes is null ? null : [.. e.SuspectTimes],
        ProxyPort = e.ProxyPort,
        HostName = e.HostName,
        SiloName = e.SiloName,
        RoleName = e.RoleName,
        UpdateZone = e.UpdateZone,
        FaultZone = e.FaultZone,
        StartTime = e.StartTime,
        IAmAliveTime = e.IAmAliveTime,
    };
}
