using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pwmk.Core.Beliefs;
using Pwmk.Logic.Terms;
using Pwmk.Server.Persistence;

namespace Pwmk.Server.Tests.Durability;

/// <summary>
/// A real <c>pwmk serve</c> child on a state directory it cannot write, without injection: a read-only bind mount in
/// its own mount namespace (EROFS, which binds root too), or an unprivileged user on a directory owned by root (EACCES).
/// The directory holds acknowledged state with a torn journal tail. Reads work, changes get 503 with a clear reason,
/// nothing on disk changes; when the directory becomes writable, writes resume and a restart finds everything.
/// </summary>
[Trait("Category", "Integration")]
public class ReadOnlyStateDirTests
{
    [Theory]
    [InlineData("read-only-mount")]
    [InlineData("unprivileged-user")]
    public async Task A_state_directory_that_cannot_be_written_serves_reads_refuses_changes_with_503_and_recovers(string how)
    {
        var dir = Directory.CreateTempSubdirectory("pwmk-ro-").FullName;
        try
        {
            // acknowledged state: three beliefs in the journal, then a torn record at its tail (a crash mid-write)
            var seed = DurableBeliefStore.Open(new BeliefStore(), new DurabilityOptions { Directory = dir }, NullLogger.Instance);
            foreach (var b in new[] { "in(marble,box)", "in(ball,bag)", "at(sally,garden)" })
                Assert.True((await seed.CommitOneAsync(new BeliefChange(BeliefChangeKind.Assert, Term.Parse($"believes(anne,{b})")))).Changed);
            seed.Abandon();
            var segment = DurableBeliefStore.ListSegments(dir)[^1].Path;
            using (var fs = new FileStream(segment, FileMode.Append)) fs.Write("\u0001torn"u8);
            long tornLength = new FileInfo(segment).Length;
            var before = Listing(dir);

            using var child = Start(dir, how);
            await child.WaitLive();

            var q = await child.Http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(anne, X)" });
            Assert.Equal(HttpStatusCode.OK, q.StatusCode);
            Assert.Equal(3, (await ServerFixture.Json(q)).GetProperty("count").GetInt32());

            var w = await child.Http.PostAsJsonAsync("/api/beliefs", new { agent = "anne", belief = "in(marble, basket)" });
            var p = await ServerFixture.AssertProblem(w, HttpStatusCode.ServiceUnavailable);
            Assert.Contains("cannot be written", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Contains(how == "unprivileged-user" ? "denied" : "Read-only file system", p.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var del = new HttpRequestMessage(HttpMethod.Delete, "/api/beliefs") { Content = JsonContent.Create(new { agent = "anne", belief = "in(ball, bag)" }) };
            await ServerFixture.AssertProblem(await child.Http.SendAsync(del), HttpStatusCode.ServiceUnavailable);

            var health = await child.Http.GetAsync("/health");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var store = (await ServerFixture.Json(health)).GetProperty("checks").GetProperty("belief_store");
            Assert.Equal("unhealthy", store.GetProperty("status").GetString());
            Assert.Contains("cannot be written", store.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await child.Http.GetAsync("/ready")).StatusCode);
            Assert.Contains("state directory unavailable", child.Log, StringComparison.Ordinal);
            Assert.Equal(before, Listing(dir)); // nothing on disk touched: no lock, no truncation, no new segment
            Assert.Equal(3, (await ServerFixture.Json(await child.Http.PostAsJsonAsync("/api/beliefs/query", new { query = "believes(anne, X)" })))
                .GetProperty("count").GetInt32());

            // the operator fixes the directory: the next change is accepted
            if (how == "read-only-mount") Run("nsenter", "-t", child.Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "mount", "-o", "remount,bind,rw", dir);
            else Run("chown", "-R", "65534:65534", dir);
            var ok = await child.Http.PostAsJsonAsync("/api/beliefs", new { agent = "anne", belief = "in(marble, basket)" });
            Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await child.Http.GetAsync("/health")).StatusCode);
            Assert.True(new FileInfo(segment).Length < tornLength, "the torn tail was not cut once the directory could be written");
            child.Kill();

            await using var again = await ServerFixture.StartAsync(new() { ["Pwmk:StateDir"] = dir });
            var recovery = again.App.Services.GetRequiredService<DurableBeliefStore>().Recovery;
            Assert.True(recovery.Problems.Count == 0, string.Join("; ", recovery.Problems));
            var all = await ServerFixture.Json(await again.PostJson("/api/beliefs/query", new { query = "believes(anne, X)" }));
            Assert.Equal(4, all.GetProperty("count").GetInt32());
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Listing(string dir) =>
        string.Join("\n", Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length}"));

    private static void Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(10_000) && p.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed: {err}");
    }

    private static ChildServer Start(string dir, string how)
    {
        int port = Loopback.FreePort();
        string[] serve = ChildServer.ServeCommand(port, dir, "--rate-limit", "0", "--no-simulation");
        string[] command;
        if (how == "read-only-mount")
        {
            // a private mount namespace in which the state directory is bound onto itself read-only
            command = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" \"$0\" && mount -o remount,bind,ro \"$0\" && shift && exec \"$@\"", dir, "_", .. serve];
        }
        else
        {
            Run("chmod", "-R", "go+rX", dir); // readable, not writable, by the unprivileged user
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", .. serve];
        }
        return new ChildServer(command, port, "/", new Dictionary<string, string> { ["HOME"] = Path.GetTempPath() });
    }
}
