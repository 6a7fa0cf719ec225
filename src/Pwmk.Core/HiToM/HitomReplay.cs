using System.Numerics;
using Pwmk.Core.Perspective;

namespace Pwmk.Core.HiToM;

/// <summary>Why a chain believes what it does: the rule (<c>R1</c>..<c>R4</c>, <c>Q1</c>..<c>Q3</c>) and story line of the last event that reached it.</summary>
public readonly record struct HitomReason(string Rule, int Line)
{
    public override string ToString() => $"{Rule} at line {Line}";
}

/// <summary>The answer to a question (null: the chain holds no belief) and what decided it (null: nothing reached the chain).</summary>
public sealed record HitomAnswer(string? Answer, HitomReason? Reason);

/// <summary>
/// Replays a Hi-ToM story through the <see cref="PerspectiveTracker"/> under a <see cref="HitomRules"/> set and answers
/// its question. Seeing (R1, or Q1 for moves) is a witnessed event whose witnesses are everyone present; tells and
/// public claims are <see cref="ClaimEvent"/>s whose trusting hearers come from <see cref="ExitOrderTrust"/> (R2).
/// Beliefs are kept per object for chains of distinct agents up to the question's order; a chain with no recorded
/// belief has no answer. Order 0 asks where the object really is.
/// </summary>
public sealed class HitomReplay
{
    private readonly HitomNarrator _story;
    private readonly ExitOrderTrust _trust = new();
    private readonly List<(int Line, string Rule, BeliefEvent Event)> _steps = [];
    private int[] _chapter = [];

    private HitomReplay(HitomNarrator story, HitomRules rules, int depth)
    {
        _story = story;
        Rules = rules;
        Tracker = new PerspectiveTracker(story.Vocabulary, depth);
        foreach (var e in story.Events) Apply(e);
    }

    /// <summary>Replays a whole story, keeping beliefs up to <paramref name="depth"/> (1..10).</summary>
    public static HitomReplay Of(HitomFile file, HitomRules rules, int depth)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(rules);
        return new HitomReplay(HitomNarrator.Of(file), rules, depth);
    }

    /// <summary>Replays the story of <paramref name="file"/> and answers its question.</summary>
    public static HitomAnswer Answer(HitomFile file, HitomRules rules)
    {
        ArgumentNullException.ThrowIfNull(file);
        var q = file.Question;
        if (q.Order > BeliefChain.MaxDepth)
            throw new HitomFormatException(file.Source, q.Line, 1, $"a question of order {q.Order} is deeper than the limit of {BeliefChain.MaxDepth}");
        return Of(file, rules, Math.Max(1, q.Order)).Answer(q, file.Source);
    }

    public HitomRules Rules { get; }

    /// <summary>The tracker holding every chain's beliefs.</summary>
    public PerspectiveTracker Tracker { get; }

    public BeliefVocabulary Vocabulary => _story.Vocabulary;

    /// <summary>Answers a question about this story: the belief of its chain, or where the object really is.</summary>
    public HitomAnswer Answer(HitomQuestion question, string source = "<input>")
    {
        ArgumentNullException.ThrowIfNull(question);
        int fluent = _story.FluentOf(question.Object);
        if (question.Order == 0)
        {
            for (int i = _steps.Count - 1; i >= 0 && fluent >= 0; i--)
                if (_steps[i].Event.Spoken is null && _steps[i].Event.Fluent == fluent) return new(_story.TrueContainer(question.Object), new("world", _steps[i].Line));
            return new(null, null);
        }
        var chain = new int[question.Order];
        for (int i = 0; i < chain.Length; i++)
        {
            chain[i] = Vocabulary.FindAgent(question.Chain[i]);
            if (chain[i] < 0) throw new HitomFormatException(source, question.Line, 1, $"the question names {question.Chain[i]}, who is not in the story");
        }
        if (fluent < 0) return new(null, null);
        if (chain.Length > Tracker.Depth) throw new ArgumentException($"the replay keeps beliefs to depth {Tracker.Depth}, the question has order {chain.Length}", nameof(question));
        int v = Tracker.Belief(chain, fluent);
        return new(v < 0 ? null : HitomNarrator.Name(Vocabulary.ValueTerm(v)), Reason(chain, fluent));
    }

    /// <summary>The rule and line of the last event that reached the chain about the fluent, by replaying the events for this chain alone.</summary>
    public HitomReason? Reason(ReadOnlySpan<int> chain, int fluent)
    {
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            var (line, rule, e) = _steps[i];
            if (e.Fluent != fluent) continue;
            if (e.Spoken is { } said)
            {
                if (said.Rules.Rule(said.Claim, chain) is { } by) return new(by, line);
            }
            else if (BeliefChain.Reaches(e, chain)) return new(rule, line);
        }
        return null;
    }

    /// <summary>The value the chain believes, found by replaying the events for this chain alone (the tracker's independent check).</summary>
    internal int ReplayedBelief(ReadOnlySpan<int> chain, int fluent)
    {
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            var e = _steps[i].Event;
            if (e.Fluent == fluent && BeliefChain.Reaches(e, chain)) return e.Value;
        }
        return -1;
    }

    private void Apply(in Narrated e)
    {
        int n = Vocabulary.AgentCount;
        switch (e.Kind)
        {
            case NarratedKind.Chapter:
                _chapter = e.Order!;
                _trust.BeginChapter(_chapter);
                break;
            case NarratedKind.Seen:
                Record(e.Line, "R1", new BeliefEvent(e.Fluent, e.Value, e.Present, Everyone(e.Present, n)));
                break;
            case NarratedKind.Moved when Rules.MovesSeenInExitOrder:
                Record(e.Line, "Q1", new BeliefEvent(e.Fluent, e.Value, e.Present, InExitOrder(e.Agent, e.Present, n)));
                break;
            case NarratedKind.Moved:
                Record(e.Line, "R1", new BeliefEvent(e.Fluent, e.Value, e.Present, Everyone(e.Present, n)));
                break;
            case NarratedKind.Told:
            case NarratedKind.Claimed:
                {
                    var claim = new ClaimEvent(e.Agent, e.Fluent, e.Value, e.Present, _trust.Trusting(e.Agent, e.Present), e.Kind == NarratedKind.Claimed);
                    Record(e.Line, "", BeliefEvent.Of(claim, Rules.Communication));
                    break;
                }
        }
    }

    private void Record(int line, string rule, BeliefEvent e)
    {
        Tracker.Observe(e);
        _steps.Add((line, rule, e));
    }

    private static ulong[] Everyone(ulong present, int n)
    {
        var sight = new ulong[n];
        for (ulong rest = present; rest != 0; rest &= rest - 1) sight[BitOperations.TrailingZeroCount(rest)] = present;
        return sight;
    }

    /// <summary>Q1: each watcher "sees" only those after him in [others present, in exit order] + [mover].</summary>
    private ulong[] InExitOrder(int mover, ulong present, int n)
    {
        var order = new List<int>(BitOperations.PopCount(present));
        foreach (int a in _chapter) if (a != mover && (present & (1UL << a)) != 0) order.Add(a);
        for (ulong rest = present; rest != 0; rest &= rest - 1)
        {
            int a = BitOperations.TrailingZeroCount(rest);
            if (a != mover && !order.Contains(a)) order.Add(a);
        }
        order.Add(mover);
        var sight = new ulong[n];
        ulong later = 0;
        for (int i = order.Count - 1; i >= 0; i--)
        {
            sight[order[i]] = later;
            later |= 1UL << order[i];
        }
        return sight;
    }
}
