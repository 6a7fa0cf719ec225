using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Pwmk.Server.Hosting;

/// <summary>
/// <c>cluster</c> (members of a cluster only): this member's status in the membership table as Orleans last saw it
/// (healthy while it is <c>Active</c>: not yet joined, shutting down or declared dead is a fault), the member count,
/// and the active members.
/// </summary>
internal sealed class ClusterHealthCheck(IClusterMembershipService membership, ILocalSiloDetails self) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var members = membership.CurrentSnapshot.Members.Values;
        var status = members.FirstOrDefault(m => m.SiloAddress.Equals(self.SiloAddress))?.Status ?? SiloStatus.None;
        var data = new Dictionary<string, object>
        {
            ["member"] = self.SiloAddress.ToString(),
            ["member_status"] = status.ToString(),
            ["members_active"] = members.Count(m => m.Status == SiloStatus.Active),
            ["members_known"] = members.Count(),
        };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy(data: data)
            : HealthCheckResult.Unhealthy($"this member is {status} in the cluster's membership, not Active", data: data));
    }
}
