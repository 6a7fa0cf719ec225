namespace Pwmk.Cli.Tests;

public sealed class DashboardsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pwmk-dash-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Program.BuildRoot().Parse(args).Invoke(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Check_outside_a_checkout_says_what_is_missing_instead_of_calling_every_file_stale()
    {
        var (code, output, error) = Run("dashboards", "generate", "--check", "--root", _dir);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("--root", error);
        Assert.Contains("no deploy/ folder", error);
    }

    [Fact]
    public void Check_names_a_missing_file_as_missing_and_a_changed_one_as_stale()
    {
        Assert.Equal(0, Run("dashboards", "generate", "--root", _dir).Code);
        Assert.Equal(0, Run("dashboards", "generate", "--check", "--root", _dir).Code);
        File.Delete(Path.Combine(_dir, "deploy", "prometheus", "alerts.yml"));
        File.AppendAllText(Path.Combine(_dir, "deploy", "prometheus", "prometheus.yml"), "# edited\n");
        var (code, output, _) = Run("dashboards", "generate", "--check", "--root", _dir);
        Assert.Equal(1, code);
        Assert.Contains("missing: deploy/prometheus/alerts.yml", output);
        Assert.Contains("stale: deploy/prometheus/prometheus.yml", output);
    }
}
