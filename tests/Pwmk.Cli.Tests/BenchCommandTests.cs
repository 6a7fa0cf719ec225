namespace Pwmk.Cli.Tests;

public sealed class BenchCommandTests
{
    [Theory]
    [InlineData("beliefs", "--host", "native", "--host jit or aot")]
    [InlineData("beliefs", "--reps", "0", "--reps must be 1..100")]
    [InlineData("observability", "--processes", "0", "--processes 1..20")]
    [InlineData("observability", "--reps", "101", "--reps must be 1..100")]
    public void A_bad_option_ends_with_exit_2_and_names_it_before_any_work(string bench, string option, string value, string message)
    {
        // --no-swi: were the option accepted, the beliefs benchmark would not need swipl to start its work
        var r = bench == "beliefs" ? CliRunner.Run("bench", bench, option, value, "--no-swi") : CliRunner.Run("bench", bench, option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Equal("", r.Stdout);
    }
}
