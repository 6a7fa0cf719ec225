using System.Diagnostics;
using System.Text.Json;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public sealed class WorldModelCommandTests : IDisposable
{
    private readonly DirectoryInfo dir = Directory.CreateTempSubdirectory("pwmk-cli-wm-");

    public void Dispose() => dir.Delete(true);

    private static (int ExitCode, string Stdout, string Stderr) Pwmk(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pwmk.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            throw new TimeoutException("pwmk " + string.Join(' ', args));
        }
        return (p.ExitCode, stdout, err.Result);
    }

    [Fact]
    public void TrainPrintsHeldOutMetricsAndWritesACheckpointThatEvalReads()
    {
        var r = Pwmk("train", "--env", "synthetic-box", "--agents", "3", "--episodes", "60", "--epochs", "3", "--hidden", "32",
            "--layers", "1", "--out", dir.FullName, "--format", "json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var m = doc.RootElement;
        foreach (var key in new[] { "state_mse", "copy_baseline_mse", "belief_acc", "majority_baseline_acc", "false_belief_acc", "train_samples_per_second", "inference_p95_ms_batch32" })
        {
            Assert.True(m.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number, $"missing {key} in {r.Stdout}");
        }
        Assert.True(m.GetProperty("state_mse").GetDouble() < m.GetProperty("copy_baseline_mse").GetDouble());
        Assert.Contains("epoch 3/3", r.Stderr);

        var ckpt = Path.Combine(dir.FullName, "model.safetensors");
        var data = Path.Combine(dir.FullName, "trajectories.npz");
        var e = Pwmk("worldmodel", "eval", "--checkpoint", ckpt, "--data", data, "--format", "json");
        Assert.True(e.ExitCode == 0, e.Stderr);
        Assert.InRange(JsonDocument.Parse(e.Stdout).RootElement.GetProperty("belief_acc").GetDouble(), 0.5, 1.0);
    }

    [Theory]
    [InlineData("rooms", false)]
    [InlineData("box-world", false)]
    [InlineData("box-world", true)]
    public void TrainsOnTheRealEnvironmentsWithPerFluentBeliefMetrics(string env, bool carryEncoderState)
    {
        string[] args = ["train", "--env", env, "--agents", "3", "--episodes", "12", "--epochs", "1", "--hidden", "16",
            "--layers", "1", "--recurrent", "--policy", "expert", "--out", dir.FullName, "--format", "json"];
        var plot = Path.Combine(dir.FullName, "curves.svg");
        args = [.. args, "--plot", plot];
        if (env == "rooms")
        {
            args = [.. args, "--plan-episodes", "2", "--plan-simulations", "8"];
        }
        var r = Pwmk(carryEncoderState ? [.. args, "--carry-encoder-state"] : args);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var svg = System.Xml.Linq.XDocument.Load(plot).Root!;
        Assert.Equal("svg", svg.Name.LocalName);
        Assert.Contains(svg.Descendants(), x => x.Name.LocalName == "polyline");
        // the checkpoint records which state the recurrent model carries, so eval runs it the same way
        var bytes = File.ReadAllBytes(Path.Combine(dir.FullName, "model.safetensors"));
        int headerLength = (int)BitConverter.ToInt64(bytes, 0);
        var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength)).RootElement;
        var config = JsonDocument.Parse(header.GetProperty("__metadata__").GetProperty("pwmk.config").GetString()!).RootElement;
        Assert.Equal(carryEncoderState, config.GetProperty("CarryEncoderState").GetBoolean());
        var m = JsonDocument.Parse(r.Stdout).RootElement;
        Assert.True(m.GetProperty("false_belief_cases").GetInt64() > 0, r.Stdout);
        Assert.InRange(m.GetProperty("majority_baseline_acc").GetDouble(), 0.0, 0.9);
        Assert.InRange(m.GetProperty("persistence_baseline_acc").GetDouble(), 0.0, 1.0);
        Assert.Equal(1, m.GetProperty("best_epoch").GetInt32());
        Assert.Equal(1, m.GetProperty("epoch_curve").GetArrayLength());
        Assert.True(m.GetProperty("epoch_curve")[0].GetProperty("validation_loss").GetDouble() > 0, r.Stdout);
        var orders = m.GetProperty("belief_acc_by_order");
        Assert.True(orders.GetProperty("1").GetProperty("cases").GetInt64() > 0 && orders.GetProperty("2").GetProperty("cases").GetInt64() > 0, r.Stdout);
        if (env == "rooms")
        {
            var planning = m.GetProperty("planning");
            foreach (var mode in new[] { "learned_model", "true_simulator", "heuristic" })
            {
                Assert.Equal(2, planning.GetProperty(mode).GetProperty("episodes").GetInt32());
            }
            Assert.Equal(2, planning.GetProperty("true_simulator").GetProperty("successes").GetInt32());
        }
        var e = Pwmk("worldmodel", "eval", "--checkpoint", Path.Combine(dir.FullName, "model.safetensors"), "--env", env,
            "--episodes", "3", "--format", "json");
        Assert.True(e.ExitCode == 0, e.Stderr);
        Assert.True(JsonDocument.Parse(e.Stdout).RootElement.GetProperty("samples").GetInt32() > 0, e.Stdout);
    }

    [Fact]
    public void UnknownEnvironmentIsBadInputWithTheKnownOnesListed()
    {
        var r = Pwmk("train", "--env", "nowhere", "--format", "json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("unknown environment 'nowhere'", r.Stderr);
        Assert.Contains("synthetic-box", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void PlanningEpisodesOutsideRoomsAreBadInput()
    {
        var r = Pwmk("train", "--env", "box-world", "--episodes", "3", "--epochs", "1", "--plan-episodes", "5", "--format", "json");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("--plan-episodes needs --env rooms", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void TruncatedCheckpointIsRefusedWithExitCode2()
    {
        var path = Path.Combine(dir.FullName, "bad.safetensors");
        File.WriteAllBytes(path, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        var r = Pwmk("worldmodel", "eval", "--checkpoint", path);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("truncated", r.Stderr);
    }

    [Fact]
    public void CollectWritesANumpyArchive()
    {
        var path = Path.Combine(dir.FullName, "t.npz");
        var r = Pwmk("worldmodel", "collect", "--episodes", "5", "--policy", "expert", "--out", path, "--format", "json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(100, JsonDocument.Parse(r.Stdout).RootElement.GetProperty("transitions").GetInt32());
        Assert.True(File.Exists(path));
        var bad = Pwmk("worldmodel", "collect", "--policy", "clever", "--out", path);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--policy", bad.Stderr);
    }
}
