using Pwmk.Core.Environments;

namespace Pwmk.Core.ToMi;

/// <summary>Turns <see cref="RoomsWorld"/> episodes into ToMi stories.</summary>
public static class TomiStories
{
    /// <summary>
    /// The episode so far as a ToMi story (placements become <c>The O is in the C.</c>, peeks and
    /// tellings use the PWMK extension forms), followed by the given questions.
    /// </summary>
    public static TomiStory FromEpisode(RoomsWorld world, int index = 1, IEnumerable<TomiSentence>? questions = null)
    {
        ArgumentNullException.ThrowIfNull(world);
        var sentences = new List<TomiSentence>();
        void Add(TomiSentence s) => sentences.Add(s with { Number = sentences.Count + 1 });
        foreach (var (agent, a, room) in world.Episode)
        {
            switch (a.Kind)
            {
                case RoomsActionKind.Enter: Add(new(0, 0, TomiSentenceKind.Enter, Agent: agent, Room: a.Room)); break;
                case RoomsActionKind.Exit: Add(new(0, 0, TomiSentenceKind.Exit, Agent: agent, Room: room)); break;
                case RoomsActionKind.Move when agent is null: Add(new(0, 0, TomiSentenceKind.Place, Object: a.Object, Container: a.Container)); break;
                case RoomsActionKind.Move: Add(new(0, 0, TomiSentenceKind.Move, Agent: agent, Object: a.Object, Container: a.Container)); break;
                case RoomsActionKind.Peek: Add(new(0, 0, TomiSentenceKind.Peek, Agent: agent, Container: a.Container)); break;
                case RoomsActionKind.Tell: Add(new(0, 0, TomiSentenceKind.Tell, Agent: agent, Other: a.Listener, Object: a.Object, Container: a.Container)); break;
                case RoomsActionKind.Claim: Add(new(0, 0, TomiSentenceKind.Claim, Agent: agent, Object: a.Object, Container: a.Container)); break;
            }
        }
        if (questions is not null)
            foreach (var q in questions) Add(q);
        return new TomiStory(index, sentences);
    }
}
