using System.Globalization;

namespace Pwmk.Core.ToMi;

/// <summary>Writes stories in the ToMi text format read by <see cref="TomiReader"/>.</summary>
public static class TomiWriter
{
    public static void Write(TextWriter writer, IEnumerable<TomiStory> stories)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(stories);
        foreach (var story in stories)
        {
            int n = 0;
            foreach (var s in story.Sentences)
            {
                writer.Write((++n).ToString(CultureInfo.InvariantCulture));
                writer.Write(' ');
                writer.Write(Format(s));
                writer.Write('\n');
            }
        }
    }

    /// <summary>The text of one sentence, without its number.</summary>
    public static string Format(TomiSentence s) => s.Kind switch
    {
        TomiSentenceKind.Enter => $"{s.Agent} entered the {s.Room}.",
        TomiSentenceKind.Exit => $"{s.Agent} exited the {s.Room}.",
        TomiSentenceKind.Move => $"{s.Agent} moved the {s.Object} to the {s.Container}.",
        TomiSentenceKind.Place => $"The {s.Object} is in the {s.Container}.",
        TomiSentenceKind.Opinion => $"{s.Agent} {s.Verb} the {s.Object}",
        TomiSentenceKind.Peek => $"{s.Agent} looked inside the {s.Container}.",
        TomiSentenceKind.Tell => $"{s.Agent} told {s.Other} that the {s.Object} is in the {s.Container}.",
        TomiSentenceKind.Claim => $"{s.Agent} publicly claimed that the {s.Object} is in the {s.Container}.",
        TomiSentenceKind.Question => QuestionText(s) + "\t" + s.Answer + "\t1",
        _ => throw new ArgumentOutOfRangeException(nameof(s), s.Kind, "unknown sentence kind"),
    };

    /// <summary>The question text of a question sentence.</summary>
    public static string QuestionText(TomiSentence s) => s.Question switch
    {
        TomiQuestionKind.Memory => $"Where was the {s.Object} at the beginning?",
        TomiQuestionKind.Reality => $"Where is the {s.Object} really?",
        TomiQuestionKind.FirstOrder => $"Where will {s.Agent} look for the {s.Object}?",
        _ => $"Where does {s.Agent} think that {s.Other} searches for the {s.Object}?",
    };
}
