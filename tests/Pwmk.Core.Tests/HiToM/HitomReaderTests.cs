using Pwmk.Core.HiToM;
using static Pwmk.Core.Tests.HiToM.HitomFixtures;

namespace Pwmk.Core.Tests.HiToM;

public class HitomReaderTests
{
    private static HitomFile Read(string text) => HitomReader.Read(new StringReader(text), "story.txt");

    [Fact]
    public void Reads_every_sentence_form_the_question_the_label_and_the_choices()
    {
        string[] story =
        [
            "Anne, Bob and Cat entered the TV_room.",
            "The key is in the red_box.",
            "Anne made no movements and stayed in the TV_room for 1 minute.",
            "Anne exited the TV_room.",
            "Bob moved the key to the blue_box.",
            "Cat saw a mouse.",
            "Bob lost his gloves.",
            "Cat dislikes the green_crate.",
            "Bob exited the TV_room.",
            "Cat exited the TV_room.",
            "Anne, Bob and Cat entered the waiting_room.",
            "Bob publicly claimed that key is in the green_box.",
            "Cat privately told Anne that the key is in the red_box.",
        ];
        var f = Read(Text(story, "Where does Anne think Bob thinks Cat thinks the key is?", "red_box", ["red_box", "blue_box"]));
        Assert.Equal(13, f.Story.Count);
        Assert.Equal(["Anne", "Bob", "Cat"], f.Story[0].Agents);
        Assert.Equal("TV_room", f.Story[0].Room);
        Assert.Equal(3, f.Story[0].Line); // prompt, "Story:", then the story
        Assert.Equal([HitomSentenceKind.Enter, HitomSentenceKind.Place, HitomSentenceKind.Noise, HitomSentenceKind.Exit, HitomSentenceKind.Move,
            HitomSentenceKind.Noise, HitomSentenceKind.Noise, HitomSentenceKind.Noise, HitomSentenceKind.Exit, HitomSentenceKind.Exit,
            HitomSentenceKind.Enter, HitomSentenceKind.PublicClaim, HitomSentenceKind.PrivateTell], f.Story.Select(s => s.Kind));
        Assert.Equal(("Cat", "Anne", "key", "red_box"), (f.Story[12].Agent, f.Story[12].Listener, f.Story[12].Object, f.Story[12].Container));
        Assert.Equal(["Anne", "Bob", "Cat"], f.Question.Chain);
        Assert.Equal(3, f.Question.Order);
        Assert.Equal("key", f.Question.Object);
        Assert.Equal("red_box", f.Label);
        Assert.Equal(["red_box", "blue_box"], f.Choices);
        Assert.Equal(["Anne"], Read(Text(story, "Where does Anne really think the key is?", "x")).Question.Chain);
        Assert.Empty(Read(Text(story, "Where is the key really?", "x")).Question.Chain);
    }

    [Theory]
    [InlineData("Anne flew to the moon.", "unknown sentence form")]
    [InlineData("Anne entered the hall", "unknown sentence form")]
    [InlineData("Anne and Anne entered the hall.", "named twice")]
    [InlineData("Anne privately told Anne that the key is in the box.", "tells himself")]
    public void An_unknown_or_broken_sentence_is_an_error_naming_file_and_line(string sentence, string message)
    {
        var ex = Assert.Throws<HitomFormatException>(() => Read(Text(["Anne entered the hall.", sentence], "Where is the key really?", "box")));
        Assert.Equal("story.txt", ex.FileName);
        Assert.Equal(4, ex.Line);
        Assert.StartsWith("story.txt:4:", ex.Message);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\n3 Anne exited the hall.\nQuestion: Where is the key really?\nAnswer: box\n", 4, "number 3")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where is Anne?\nAnswer: box\n", 4, "unknown question form")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where does Anne think Anne thinks the key is?\nAnswer: box\n", 4, "appears twice")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where is the key really?\n", 4, "no 'Answer:'")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where is the key really?\nAnswer: box\nAnswer: bag\n", 6, "second 'Answer:'")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where is the key really?\nAnswer: box\nBye\n", 6, "unexpected line")]
    [InlineData("Prompt\nStory:\n1 Anne entered the hall.\nQuestion: Where is the key really?\nAnswer: box\nChoices: A box\n", 6, "choices")]
    [InlineData("Prompt\n1 Anne entered the hall.\n", 2, "no 'Story:'")]
    [InlineData("Prompt\nStory:\nAnne entered the hall.\n", 3, "numbered story line")]
    public void A_broken_file_is_an_error_naming_the_line(string text, int line, string message)
    {
        var ex = Assert.Throws<HitomFormatException>(() => Read(text));
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData("Anne exited the den.", "not in the den")]
    [InlineData("Bob moved the key to the box.", "not in any room")]
    [InlineData("Bob publicly claimed that key is in the box.", "outside every room")]
    [InlineData("Anne privately told Bob that the key is in the box.", "not in the same room")]
    public void An_impossible_event_is_an_error_naming_its_line(string sentence, string message)
    {
        var f = Read(Text(["Anne entered the hall.", "The key is in the bag.", sentence], "Where is the key really?", "bag"));
        var ex = Assert.Throws<HitomFormatException>(() => HitomReplay.Answer(f, HitomRules.Faithful));
        Assert.Equal(5, ex.Line);
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void A_move_of_an_object_in_another_room_is_an_error()
    {
        var f = Read(Text(["Anne entered the hall.", "The key is in the bag.", "Anne entered the den.", "Anne moved the key to the box."], "Where is the key really?", "bag"));
        var ex = Assert.Throws<HitomFormatException>(() => HitomReplay.Answer(f, HitomRules.Faithful));
        Assert.Equal(6, ex.Line);
        Assert.Contains("not in the room", ex.Message);
    }
}
