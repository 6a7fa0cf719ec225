using Pwmk.Core.Environments;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Tests.Environments;

/// <summary>A custom world is a small subclass: two rooms, one lamp; only the agent in the lamp's room sees it.</summary>
internal sealed class LampEnv : PerspectiveEnv
{
    private readonly int _lamp, _on, _off;
    private readonly int[] _room = new int[2];
    private bool _lit;

    public LampEnv() : base(["ann", "bob"], beliefDepth: 2)
    {
        _lamp = Vocabulary.Fluent("lit", new Atom("lamp"));
        _on = Vocabulary.Value("true");
        _off = Vocabulary.Value("false");
    }

    public override Space ObservationSpace(string agent) => new BoxSpace([1], 0, 1);
    public override DiscreteSpace ActionSpace(string agent) => new(3); // 0 wait, 1 switch the lamp, 2 change room

    private ulong InLampRoom() => (_room[0] == 0 ? 1UL : 0) | (_room[1] == 0 ? 2UL : 0);

    protected override void OnReset()
    {
        _room[0] = 0;
        _room[1] = Rng.Next(2);
        _lit = false;
        Sight = [_room[1] == 0 ? 3UL : 1UL, _room[1] == 0 ? 3UL : 2UL];
        Emit(_lamp, _off, InLampRoom());
    }

    protected override void OnStep(ReadOnlySpan<int> actions, float[] rewards, bool[] terminations, bool[] truncations)
    {
        for (int a = 0; a < 2; a++)
        {
            if (actions[a] == 2) _room[a] = 1 - _room[a];
            bool same = _room[0] == _room[1];
            Sight = [same ? 3UL : 1UL, same ? 3UL : 2UL];
            if (actions[a] == 1 && _room[a] == 0) { _lit = !_lit; Emit(_lamp, _lit ? _on : _off, InLampRoom()); }
        }
    }

    protected override void FillObservation(int agent, float[] vector) => vector[0] = _room[agent] == 0 && _lit ? 1 : 0;

    public override string Render(string? agent = null) =>
        agent is not null && _room[AgentId(agent)] != 0 ? "?" : _lit ? "lamp on" : "lamp off";
}

public class CustomEnvTests
{
    [Fact]
    public void Small_subclass_gets_tracking_ground_truth_and_rendering()
    {
        var env = new LampEnv();
        env.Reset(0);
        var lamp = env.Vocabulary.FindFluent("lit", new Atom("lamp"));
        if (env.Tracker!.Belief([1], lamp) >= 0) env.Step(new Dictionary<string, int> { ["bob"] = 2 }); // send bob away
        var r = env.Step(new Dictionary<string, int> { ["ann"] = 1 });
        Assert.Equal(1f, r.Observations["ann"].Vector[0]);
        Assert.Equal(0f, r.Observations["bob"].Vector[0]);
        Assert.Single(r.Observations["ann"].Events);
        Assert.Empty(r.Observations["bob"].Events);
        Assert.Equal("lamp on", env.Render("ann"));
        Assert.Equal("?", env.Render("bob"));
        var truth = env.GetBeliefGroundTruth();
        Assert.Equal("true", truth.Belief(["ann"], lamp));
        Assert.Null(truth.Belief(["bob"], lamp));
        Assert.Equal(env.Vocabulary.Value("true"), env.Tracker.Belief([0], lamp));
    }
}
