using Microsoft.Extensions.Time.Testing;

namespace Pwmk.Cli.Tests;

public class ProgressLineTests
{
    [Fact]
    public void LongWorkShowsAMovingLineWithItsNameAndErasesItAtTheEnd()
    {
        var err = new StringWriter();
        var time = new FakeTimeProvider();
        var line = new ProgressLine(err, enabled: true, time);
        int result = line.Run("consulting facts.pl", () =>
        {
            // 800 ms of work on the line's clock: its timer redraws every 100 ms
            for (int i = 0; i < 8; i++) time.Advance(TimeSpan.FromMilliseconds(100));
            return 42;
        });
        Assert.Equal(42, result);
        var frames = err.ToString().Split('\r', StringSplitOptions.RemoveEmptyEntries);
        var drawn = frames.Where(f => f.Contains("consulting facts.pl")).ToList();
        Assert.True(drawn.Count >= 2, err.ToString());
        Assert.Matches(@"^\[[.#]{24}\] 00:00  consulting facts\.pl", drawn[0]);
        Assert.True(drawn.Select(f => f.IndexOf('#')).Distinct().Count() >= 2, "the block moves");
        Assert.True(string.IsNullOrWhiteSpace(frames[^1]), "the line is erased at the end");
    }

    [Fact]
    public void ErrorsOfTheWorkComeOutAsThemselves()
    {
        var line = new ProgressLine(new StringWriter(), enabled: true);
        var e = Assert.Throws<InvalidDataException>(() => line.Run<int>("x", () => throw new InvalidDataException("bad file")));
        Assert.Equal("bad file", e.Message);
    }

    [Fact]
    public void LinesLoggedDuringTheWorkGoAboveTheProgressLine()
    {
        var err = new StringWriter();
        var line = new ProgressLine(err, enabled: true);
        line.Draw(1, 4, "phase one", force: true);
        line.Above().WriteLine("pwmk: phase one done");
        var text = err.ToString();
        int logged = text.IndexOf("pwmk: phase one done\n", StringComparison.Ordinal);
        Assert.True(logged > 0, text);
        Assert.Contains("phase one", text[(logged + 20)..]);   // drawn again below the logged line
    }

    [Fact]
    public void DisabledLineWritesNothing()
    {
        var err = new StringWriter();
        var line = new ProgressLine(err, enabled: false);
        Assert.Equal(7, line.Run("work", () => 7));
        line.Draw(1, 2, "x", force: true);
        Assert.Equal("", err.ToString());
    }
}
