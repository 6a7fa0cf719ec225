using Pwmk.Logic.Terms;

namespace Pwmk.Core.Planning;

/// <summary>
/// An action of a PWMK planning domain. Preconditions and observation conditions are goals in the
/// belief store's query syntax over the domain's facts (<c>AND</c>/<c>OR</c>/<c>NOT</c>,
/// <c>believes(Agent, Fact)</c>); effects add and delete ground facts; <see cref="Senses"/> makes the
/// action a sensing action (full observers learn whether the fact holds) instead of an ontic one.
/// </summary>
/// <param name="Name">Action name, unique in the domain.</param>
/// <param name="Precondition">Must hold in the actual world (null: always executable).</param>
/// <param name="Add">Facts made true.</param>
/// <param name="Delete">Facts made false.</param>
/// <param name="Witnesses">Per agent, the condition under which it sees the action and its outcome
/// (the environment's perspective rule); agents not listed are oblivious.</param>
/// <param name="Senses">For sensing actions: the fact whose value full observers learn.</param>
public sealed record DomainAction(
    string Name,
    Term? Precondition,
    IReadOnlyList<Term> Add,
    IReadOnlyList<Term> Delete,
    IReadOnlyDictionary<string, Term> Witnesses,
    Term? Senses = null);

/// <summary>
/// A PWMK world as a planning domain: agents, the ground facts that can change (at most 64), and
/// the actions with their witnesses. Environments build one from their own dynamics and
/// perspective rules (who sees what).
/// </summary>
/// <param name="Agents">Agent names.</param>
/// <param name="Facts">Ground facts the plan may change or query.</param>
/// <param name="Actions">Available actions.</param>
public sealed record EpistemicDomain(IReadOnlyList<string> Agents, IReadOnlyList<Term> Facts, IReadOnlyList<DomainAction> Actions);

/// <summary>
/// What is true and what every agent believes at the start. Every fact's value is common knowledge
/// except the facts listed for an agent in <see cref="UnknownTo"/>: that agent does not know whether
/// they hold (and the others know it does not know).
/// </summary>
/// <param name="TrueFacts">Facts true in the actual world; every other domain fact is false.</param>
/// <param name="UnknownTo">Per agent, facts it does not know the value of.</param>
/// <param name="Believed">Per agent, what it believes as read from a belief store, possibly false:
/// the agent considers possible exactly the worlds agreeing with these beliefs (facts it holds no
/// belief about are open), from every world, so its beliefs are known to the others. Agents listed here
/// ignore <see cref="UnknownTo"/>. At most 16 facts when used.</param>
public sealed record EpistemicWorldState(
    IReadOnlyCollection<Term> TrueFacts,
    IReadOnlyDictionary<string, IReadOnlyList<Term>>? UnknownTo = null,
    IReadOnlyDictionary<string, AgentBeliefs>? Believed = null);

/// <summary>
/// A planning goal in the belief store's query syntax: an achievement part about the world, epistemic
/// parts about beliefs (for example <c>believes(agent_1, in(key, red_box))</c> or
/// <c>NOT believes(agent_2, has(agent_0, key))</c>), all to hold at the end of the plan, and maintenance
/// parts that must hold in every state along the plan.
/// </summary>
public sealed record Goal(Term? Achievement, IReadOnlyList<Term>? Epistemic = null, IReadOnlyList<Term>? Maintenance = null)
{
    /// <summary>Parses a goal from text such as <c>has(agent_0, treasure) AND believes(agent_1, at(agent_0, room_2))</c>.</summary>
    public static Goal Parse(string achievement, IEnumerable<string>? epistemic = null, IEnumerable<string>? maintenance = null) =>
        new(Term.Parse(achievement), epistemic?.Select(Term.Parse).ToList(), maintenance?.Select(Term.Parse).ToList());
}

/// <summary>What one agent believes in one state of a plan: the facts it believes true and false.</summary>
public sealed record AgentBeliefs(string Agent, IReadOnlyList<Term> BelievedTrue, IReadOnlyList<Term> BelievedFalse);

/// <summary>Result of replaying a plan against (possibly different) true dynamics.</summary>
public sealed record PlanEvaluation(bool Executable, bool GoalAchieved, int StepsExecuted, string? Failure);
