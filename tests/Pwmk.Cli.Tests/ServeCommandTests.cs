using static Pwmk.Cli.Tests.CliRunner;

namespace Pwmk.Cli.Tests;

[Trait("Category", "Integration")]
public class ServeCommandTests
{
    [Theory]
    [InlineData("--trace-sampling", "1.5", "--trace-sampling: expected a fraction 0..1")]
    [InlineData("--otlp-endpoint", "localhost:4317", "--otlp-endpoint: expected an http(s) URL")]
    [InlineData("--log-format", "xml", "xml")]
    [InlineData("--log-level", "loud", "loud")]
    public void Bad_observability_options_are_refused_with_exit_2_naming_the_option(string option, string value, string message)
    {
        var (code, _, error) = Run("serve", option, value, "--urls", "http://127.0.0.1:0", "--no-simulation", "--state-dir", "");
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--cluster", "http://127.0.0.1:6379" }, "--cluster: expected redis://HOST:PORT")]
    [InlineData(new[] { "--cluster", "redis://127.0.0.1:6379/0" }, "--cluster: 'redis://127.0.0.1:6379/0' has a path")]
    [InlineData(new[] { "--silo-port", "0" }, "silo port: expected 1..65535")]
    [InlineData(new[] { "--cluster", "redis://127.0.0.1:6379", "--silo-port", "7000", "--gateway-port", "7000" }, "silo port and gateway port must differ")]
    public void Bad_cluster_options_are_refused_with_exit_2_naming_the_option(string[] options, string message)
    {
        var (code, _, error) = Run(["serve", .. options, "--urls", "http://127.0.0.1:0", "--state-dir", ""]);
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("http://127.0.0.1:notaport")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("ftp://127.0.0.1:8000")]
    [InlineData("http://127.0.0.1:8000/api")]
    [InlineData("http://127.0.0.1:8000;;")]
    [InlineData("")]
    public void A_bad_listening_url_is_one_clear_line_and_exit_2(string urls)
    {
        var (code, output, error) = Run("serve", "--urls", urls, "--no-simulation", "--state-dir", "");
        Assert.Equal(2, code);
        Assert.Contains("--urls", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_the_observability_options()
    {
        var (code, output, _) = Run("serve", "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "--log-format", "--log-level", "--otlp-endpoint", "--otlp-protocol", "--trace-sampling", "--console-traces" })
            Assert.Contains(o, output, StringComparison.Ordinal);
    }
}
