using Pwmk.Core.Perspective;

namespace Pwmk.Core.HiToM;

/// <summary>
/// A named way of reading Hi-ToM stories. <see cref="Faithful"/> (the default) is R1-R4 as the data set states
/// them; <see cref="Generator"/> adds the generator's three quirks Q1-Q3 and reproduces its published (MC) labels. The
/// quirks are kept apart, for comparing with those labels, never as a default.
/// </summary>
public sealed class HitomRules
{
    private HitomRules(string name, CommunicationRules communication, bool movesSeenInExitOrder)
    {
        Name = name;
        Communication = communication;
        MovesSeenInExitOrder = movesSeenInExitOrder;
    }

    /// <summary>R1-R4: witnessing is common knowledge among everyone present; R3, R4 for tells and claims.</summary>
    public static HitomRules Faithful { get; } = new("faithful", CommunicationRules.Faithful, false);

    /// <summary>R1-R4 with Q1 (moves seen in exit order), Q2 and Q3 (<see cref="CommunicationRules.HitomGenerator"/>).</summary>
    public static HitomRules Generator { get; } = new("generator", CommunicationRules.HitomGenerator, true);

    /// <summary>Every rule set, by name.</summary>
    public static IReadOnlyList<HitomRules> All { get; } = [Faithful, Generator];

    /// <summary><c>faithful</c> or <c>generator</c>.</summary>
    public string Name { get; }

    /// <summary>How tells and public claims reach belief chains.</summary>
    public CommunicationRules Communication { get; }

    /// <summary>
    /// Q1, the generator's order bug: a move updates only the chains that are in-order subsequences of [the other agents
    /// still in the room, in exit order] + [the mover]. When false (R1) a move is common knowledge among everyone present.
    /// </summary>
    public bool MovesSeenInExitOrder { get; }

    /// <summary>
    /// The same rules in Prolog, over a story's facts in the belief store (<c>hitom_common.pl</c> then
    /// <c>hitom_NAME.pl</c>, embedded): see <see cref="HitomPrologModel"/>. SWI-Prolog consults the same text.
    /// </summary>
    public string PrologProgram => _program ??= Resource("hitom_common.pl") + "\n" + Resource($"hitom_{Name}.pl");

    private string? _program;

    private static string Resource(string name)
    {
        using var s = typeof(HitomRules).Assembly.GetManifestResourceStream("Pwmk.Core.HiToM." + name)
            ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var r = new StreamReader(s);
        return r.ReadToEnd();
    }

    /// <summary>The rule set of that name, or null.</summary>
    public static HitomRules? Find(string name) => All.FirstOrDefault(r => r.Name == name);

    public override string ToString() => Name;
}
