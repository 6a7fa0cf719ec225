using System.Diagnostics;
using Pwmk.Logic;
using Pwmk.Logic.Terms;

namespace Pwmk.Core.Beliefs;

public sealed partial class BeliefStore
{
    // ------------------------------------------------------------------ IBeliefStore (where a perspective tracker's changes go)

    /// <summary>
    /// Applies belief changes in order (asserting a held fact or retracting an absent one changes nothing), as one commit
    /// (queries see all of them or none). Stops at the first change the store refuses, with a
    /// <see cref="BeliefStoreException"/>; the changes before it stay applied.
    /// </summary>
    public void Apply(IReadOnlyList<BeliefChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        InOneCommit(() =>
        {
            for (int i = 0; i < changes.Count; i++)
            {
                if (changes[i].Kind == BeliefChangeKind.Assert) AssertFact(changes[i].Fact);
                else RetractFact(changes[i].Fact);
            }
            return true;
        });
    }

    /// <summary>
    /// Runs <paramref name="changes"/> (calls of this store's change methods) as one commit: queries see all of the
    /// changes made in it or none. A change that throws is not applied; those before it are, when <paramref name="changes"/>
    /// returns or throws. Other changes wait until it ends.
    /// </summary>
    public T InOneCommit<T>(Func<T> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return Change(_ => changes());
    }

    /// <inheritdoc/>
    public ValueTask ApplyAsync(IReadOnlyList<BeliefChange> changes, CancellationToken cancellationToken = default)
    {
        Apply(changes);
        return ValueTask.CompletedTask;
    }

    int IBeliefStore.Count => FactCount;

    /// <summary>Every stored fact matching <paramref name="pattern"/>, answered by the Prolog engine.</summary>
    IEnumerable<Term> IBeliefStore.Query(Term pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var result = new Variable("Result");
        var goal = new Compound(",", pattern, new Compound("=", result, pattern));
        var r = RunQuery(_state, goal, [new("Result", result)], _opt.Query with { MaxSolutions = int.MaxValue });
        return r.Solutions.Select(sol => sol.Bindings[0].Value).ToList();
    }

    /// <summary>True when the query has at least one solution.</summary>
    public bool Holds(string query, QueryOptions? options = null)
        => Query(query, (options ?? _opt.Query) with { MaxSolutions = 1 }).Succeeded;

    private QueryResult RunQuery(State s, Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options)
    {
        Validate(goal, "query", new Where("query"), ground: false);
        return RunChecked(s, goal, names, options);
    }

    /// <summary>Runs a goal already checked (<see cref="Validate"/>).</summary>
    private QueryResult RunChecked(State s, Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options)
    {
        using var span = BeliefTelemetry.Source.StartActivity("belief_query");
        if (span is null)
        {
            return BeliefTelemetry.QueryTimingEnabled
                ? QueryTimed(s, goal, names, options)
                : s.Engine.QueryReadOnly(goal, names, options ?? _opt.Query);
        }
        string queryType = BeliefTelemetry.QueryType(names.Count), complexity = BeliefTelemetry.Complexity(goal);
        var duration = BeliefTelemetry.QueryDuration(names.Count, goal);
        span.SetTag("component", "belief_store");
        span.SetTag("query.type", queryType);
        span.SetTag("query.complexity", complexity);
        long start = Stopwatch.GetTimestamp();
        try
        {
            var result = s.Engine.QueryReadOnly(goal, names, options ?? _opt.Query);
            span.SetTag("query.solutions", result.Solutions.Count);
            span.SetStatus(ActivityStatusCode.Ok);
            return result;
        }
        catch (Exception e)
        {
            span.SetStatus(ActivityStatusCode.Error, e.Message);
            span.AddException(e);
            throw;
        }
        finally
        {
            duration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
    }

    /// <summary>Metrics without a span: records the engine's own timing of the query (and of its error), no clock read here.</summary>
    private QueryResult QueryTimed(State s, Term goal, IReadOnlyList<KeyValuePair<string, Variable>> names, QueryOptions? options)
    {
        var duration = BeliefTelemetry.QueryDuration(names.Count, goal);
        QueryResult r;
        try
        {
            r = s.Engine.QueryReadOnly(goal, names, options ?? _opt.Query);
        }
        catch (PrologException e)
        {
            duration.Record(e.Elapsed.TotalSeconds);
            throw;
        }
        duration.Record(r.Elapsed.TotalSeconds);
        return r;
    }
}
