using Pwmk.Core.HiToM;
using static Pwmk.Core.Tests.HiToM.HitomFixtures;

namespace Pwmk.Core.Tests.HiToM;

/// <summary>Each rule of the Hi-ToM reading (R1-R4, and the generator's Q1-Q3) on the project's own stories.</summary>
public class HitomRulesTests
{
    private static readonly HitomRules Faithful = HitomRules.Faithful, Generator = HitomRules.Generator;

    private static string[] Then(params string[] more) => [.. Hall, .. more];

    [Fact]
    public void R1_a_move_is_common_knowledge_among_those_present_and_the_absent_keep_their_belief()
    {
        Assert.Equal("blue_box", Ask(Hall, Faithful, "key"));
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Anne"));
        Assert.Equal("blue_box", Ask(Hall, Faithful, "key", "Dan", "Cat", "Bob"));
        Assert.Equal("blue_box", Ask(Hall, Faithful, "key", "Bob", "Dan")); // the mover knows the watchers saw it
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Bob", "Anne")); // ... and that Anne did not
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Anne", "Bob")); // Anne left thinking Bob saw the red_box
    }

    [Fact]
    public void Q1_a_move_reaches_only_in_order_chains_of_watchers_then_mover()
    {
        // watchers in exit order: Cat, Dan, then the mover Bob
        Assert.Equal("blue_box", Ask(Hall, Generator, "key", "Cat", "Bob"));
        Assert.Equal("blue_box", Ask(Hall, Generator, "key", "Cat", "Dan", "Bob"));
        Assert.Equal("red_box", Ask(Hall, Generator, "key", "Bob", "Cat")); // not in order: the generator's bug
        Assert.Equal("red_box", Ask(Hall, Generator, "key", "Dan", "Cat"));
        Assert.Equal("blue_box", Ask(Hall, Faithful, "key", "Dan", "Cat"));
    }

    [Fact]
    public void R4_public_claim_heard_by_all_with_mixed_trust()
    {
        // Cat leaves after Anne and Bob (they trust her) and before Dan (he does not)
        var story = Then("Cat publicly claimed that key is in the green_box.");
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Anne"));
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Bob"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Cat")); // the speaker's own belief never changes
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Dan")); // nor does an untrusting listener's
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Dan", "Anne")); // everyone knows who trusts whom
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Anne", "Cat")); // (b, S): Anne thinks Cat believes it
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Dan", "Cat")); // (Dan, Cat): Dan is not in B
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Anne", "Dan")); // Dan does not trust Cat: Anne's old view of him stays
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Dan", "Cat", "Bob", "Anne"));
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Dan", "Bob", "Anne", "Cat"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key")); // and the world does not move
    }

    [Fact]
    public void Q2_Q3_a_public_claim_reaches_only_shallow_chains_and_the_speaker_thinks_everyone_believes_her()
    {
        var story = Then("Cat publicly claimed that key is in the green_box.");
        Assert.Equal("green_box", Ask(story, Generator, "key", "Anne"));
        Assert.Equal("green_box", Ask(story, Generator, "key", "Anne", "Cat"));
        Assert.Equal("green_box", Ask(story, Generator, "key", "Cat", "Anne"));
        Assert.Equal("green_box", Ask(story, Generator, "key", "Cat", "Dan")); // Q2: even the untrusting listener
        Assert.Equal("blue_box", Ask(story, Generator, "key", "Dan"));
        Assert.Equal("red_box", Ask(story, Generator, "key", "Dan", "Anne")); // Q3: no deeper chain; Dan saw Anne leave first
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Dan", "Anne"));
    }

    [Fact]
    public void R3_private_tell_to_a_distrusting_listener_changes_nothing()
    {
        // Dan leaves last: he trusts nobody of the chapter
        var story = Then("Cat privately told Dan that the key is in the green_box.");
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Dan"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Dan", "Cat"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Cat", "Dan"));
        Assert.Equal("green_box", Ask(story, Generator, "key", "Cat", "Dan")); // Q2
        Assert.Equal("blue_box", Ask(story, Generator, "key", "Dan"));
    }

    [Fact]
    public void R3_private_tell_to_a_trusting_listener_reaches_three_chains_and_nobody_else()
    {
        var story = Then("Cat privately told Anne that the key is in the green_box.");
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Anne"));
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Anne", "Cat"));
        Assert.Equal("green_box", Ask(story, Faithful, "key", "Cat", "Anne"));
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Bob", "Anne")); // nobody else learns of it
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Cat"));
    }

    [Fact]
    public void A_claim_that_happens_to_be_true_is_taken_only_by_the_trusting()
    {
        // a true tell to a trusting listener corrects her false belief
        var told = Then("Bob privately told Anne that the key is in the blue_box.");
        Assert.Equal("blue_box", Ask(told, Faithful, "key", "Anne"));
        Assert.Equal("blue_box", Ask(told, Faithful, "key", "Bob", "Anne"));
        // a second chapter: Bob and Anne leave the den in that order, so Anne no longer trusts Bob
        var story = Then(
            "Bob and Anne entered the den.",
            "The ball is in the green_basket.",
            "Bob exited the den.",
            "Anne exited the den.",
            "Bob and Anne entered the waiting_room.",
            "Bob publicly claimed that key is in the blue_box.");
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Anne")); // true, but not from someone she trusts
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Cat", "Anne"));
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Anne", "Bob"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Bob")); // the speaker's belief, true all along
        // Cat and Dan were not in the den: they trust Bob, and everyone knows it
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Anne", "Cat"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Anne", "Dan", "Bob"));
    }

    [Fact]
    public void Re_entering_a_room_shows_where_its_objects_are_to_everyone_present()
    {
        var story = Then(
            "Anne and Dan entered the hall.",
            "Dan exited the hall.",
            "Anne exited the hall.");
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Anne"));
        Assert.Equal("blue_box", Ask(story, Faithful, "key", "Dan", "Anne"));
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Bob", "Anne")); // Bob was not there
        Assert.Equal("red_box", Ask(story, Faithful, "key", "Cat", "Anne"));
    }

    [Fact]
    public void Order_four_chains_follow_who_saw_whom()
    {
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Dan", "Cat", "Bob", "Anne"));
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Anne", "Dan", "Cat", "Bob"));
        Assert.Equal("red_box", Ask(Hall, Faithful, "key", "Dan", "Anne", "Cat", "Bob"));
        Assert.Equal("blue_box", Ask(Hall, Faithful, "key", "Cat", "Dan", "Bob"));
        var claimed = Then("Anne publicly claimed that key is in the green_box.");
        // Anne left first: nobody of the chapter trusts her, so her claim reaches no chain at all
        Assert.Equal("red_box", Ask(claimed, Faithful, "key", "Dan", "Cat", "Bob", "Anne"));
        Assert.Equal("blue_box", Ask(claimed, Faithful, "key", "Bob"));
    }

    [Fact]
    public void An_agent_never_in_the_story_and_an_object_never_named_have_no_answer()
    {
        Assert.Null(Ask(Hall, Faithful, "ball", "Anne"));
        Assert.Null(Ask(Hall, Faithful, "ball"));
        var ex = Assert.Throws<HitomFormatException>(() => Ask(Hall, Faithful, "key", "Zed"));
        Assert.Contains("Zed", ex.Message);
    }
}
